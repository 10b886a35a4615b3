package org.vlunet.data.synth;

import org.vlunet.data.RgbImage;
import org.vlunet.data.Rng;

/**
 * Low light in the spirit of LOL: an exposure-and-gamma curve {@code y = exposure · x^gamma} that darkens the
 * image (shadows most), then a camera's signal-dependent noise, Gaussian with variance {@code shot·y + read²}
 * (the Poisson–Gaussian model), quantised to 8 bits.
 */
public final class LowLight {
    private LowLight() {}

    /**
     * @param exposure scale in (0, 1]
     * @param gamma    exponent ≥ 1
     * @param shot     signal-dependent noise variance per unit intensity
     * @param read     signal-independent noise standard deviation
     */
    public record Params(double exposure, double gamma, double shot, double read) {
        public Params {
            RainStreaks.need(exposure > 0 && exposure <= 1, "low-light exposure must be in (0, 1], got " + exposure);
            RainStreaks.need(gamma >= 1 && gamma <= 10, "low-light gamma must be in [1, 10], got " + gamma);
            RainStreaks.need(shot >= 0 && shot <= 1, "low-light shot noise must be in [0, 1], got " + shot);
            RainStreaks.need(read >= 0 && read <= 1, "low-light read noise must be in [0, 1], got " + read);
        }
    }

    public static RgbImage apply(RgbImage clean, Params p, long seed) {
        Rng rng = Rng.of(seed, 0x4C4F57L);
        float[] x = clean.pixels();
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            double y = p.exposure() * StrictMath.pow(Math.max(0, x[i]), p.gamma());
            double sd = Math.sqrt(p.shot() * y + p.read() * p.read());
            out[i] = Quantize.to8(y + sd * rng.nextGaussian());
        }
        return new RgbImage(clean.width(), clean.height(), out);
    }
}
