package org.vlunet.data.synth;

import org.vlunet.data.RgbImage;
import org.vlunet.data.Rng;

/**
 * Rain streaks in the manner of Rain100L: sparse, thin, bright, nearly parallel slanted streaks of random length,
 * screen-blended over the image ({@code O = 1 − (1 − B)(1 − S)}, so the result only brightens).
 */
public final class RainStreaks {
    private RainStreaks() {}

    /**
     * @param density      streaks per 1000 pixels
     * @param lengthMin    shortest streak, pixels
     * @param lengthMax    longest streak, pixels
     * @param angle        mean slant in degrees from vertical (positive leans right going down)
     * @param angleSpread  standard deviation of each streak's slant around the mean, degrees
     * @param width        streak width, pixels (antialiased)
     * @param intensityMin dimmest streak's peak opacity in [0, 1]
     * @param intensityMax brightest streak's peak opacity in [0, 1]
     */
    public record Params(double density, double lengthMin, double lengthMax, double angle, double angleSpread,
                         double width, double intensityMin, double intensityMax) {
        public Params {
            need(density > 0 && density <= 100, "rain density must be in (0, 100] streaks per 1000 pixels, got " + density);
            need(lengthMin >= 1 && lengthMax >= lengthMin, "rain lengths need 1 <= length_min <= length_max, got " + lengthMin + ", " + lengthMax);
            need(Math.abs(angle) <= 80, "rain angle must be within ±80 degrees of vertical, got " + angle);
            need(angleSpread >= 0 && angleSpread <= 30, "rain angle_spread must be in [0, 30], got " + angleSpread);
            need(width > 0 && width <= 8, "rain width must be in (0, 8] pixels, got " + width);
            need(intensityMin >= 0 && intensityMax >= intensityMin && intensityMax <= 1,
                    "rain intensities need 0 <= intensity_min <= intensity_max <= 1, got " + intensityMin + ", " + intensityMax);
        }
    }

    public static RgbImage apply(RgbImage clean, Params p, long seed) {
        int w = clean.width(), h = clean.height(), plane = w * h;
        float[] s = streakLayer(w, h, p, seed);
        float[] x = clean.pixels();
        float[] out = new float[x.length];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane; i++) {
                double b = x[c * plane + i];
                out[c * plane + i] = Quantize.to8(1 - (1 - b) * (1 - s[i]));
            }
        }
        return new RgbImage(w, h, out);
    }

    /** The streak opacity layer (H×W, values in [0, 1]). */
    public static float[] streakLayer(int w, int h, Params p, long seed) {
        Rng rng = Rng.of(seed, 0x5241494EL);
        float[] s = new float[w * h];
        int n = (int) Math.round(p.density() * w * h / 1000.0);
        double half = p.width() / 2;
        for (int k = 0; k < n; k++) {
            double len = rng.uniform(p.lengthMin(), p.lengthMax());
            double theta = Math.toRadians(p.angle() + p.angleSpread() * rng.nextGaussian());
            // Centres range beyond the borders by half a length, so streaks enter and leave the frame.
            double cx = rng.uniform(-len / 2, w + len / 2), cy = rng.uniform(-len / 2, h + len / 2);
            double a = rng.uniform(p.intensityMin(), p.intensityMax());
            double dx = StrictMath.sin(theta), dy = StrictMath.cos(theta);
            double x0 = cx - dx * len / 2, y0 = cy - dy * len / 2;
            int bx0 = (int) Math.floor(Math.min(x0, x0 + dx * len) - half - 1), bx1 = (int) Math.ceil(Math.max(x0, x0 + dx * len) + half + 1);
            int by0 = (int) Math.floor(y0 - half - 1), by1 = (int) Math.ceil(y0 + dy * len + half + 1);
            for (int y = Math.max(0, by0); y <= Math.min(h - 1, by1); y++) {
                for (int x = Math.max(0, bx0); x <= Math.min(w - 1, bx1); x++) {
                    double px = x + 0.5 - x0, py = y + 0.5 - y0;
                    double along = px * dx + py * dy;
                    if (along < 0 || along > len) continue;
                    double across = Math.abs(px * dy - py * dx);
                    double cover = Math.min(1, half + 0.5 - across); // antialiased edge, one pixel wide
                    if (cover <= 0) continue;
                    double u = along / len;
                    double taper = StrictMath.sin(Math.PI * u); // a drop's trail fades at both ends
                    double v = a * cover * Math.sqrt(taper);
                    int i = y * w + x;
                    if (v > s[i]) s[i] = (float) v;
                }
            }
        }
        return s;
    }

    static void need(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }
}
