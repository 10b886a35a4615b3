package org.vlunet.data.synth;

import org.vlunet.data.RgbImage;
import org.vlunet.data.Rng;

/**
 * Additive white Gaussian noise exactly as the authors made their noisy files:
 * {@code uint8(clip(x·255 + σ·n, 0, 255)) / 255} with n standard normal per value; the uint8 cast truncates.
 */
public final class GaussianNoise {
    private GaussianNoise() {}

    public static RgbImage apply(RgbImage clean, double sigma, long seed) {
        if (!(sigma >= 0) || Double.isInfinite(sigma)) throw new IllegalArgumentException("noise sigma must be >= 0, got " + sigma);
        Rng rng = Rng.of(seed, 0x4E4F495345L);
        float[] x = clean.pixels();
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            double v = x[i] * 255.0;
            double r = Math.rint(v);
            if (Math.abs(v - r) < 1e-3) v = r; // an 8-bit value read back as v/255f is exactly v again
            double y = v + sigma * rng.nextGaussian();
            y = Math.min(255.0, Math.max(0.0, y));
            out[i] = ((int) y) / 255f;
        }
        return new RgbImage(clean.width(), clean.height(), out);
    }
}
