package org.vlunet.data.synth;

import org.vlunet.data.RgbImage;
import org.vlunet.data.Rng;

/**
 * Haze by the atmospheric scattering model {@code I = J·t + A·(1 − t)}, {@code t = exp(−β·d)} (the model RESIDE
 * used), with a supplied depth map or a pseudo-depth: farther towards the top of the frame and in bright smooth
 * regions (sky), plus a gentle seeded unevenness.
 */
public final class Haze {
    private Haze() {}

    /**
     * @param beta     scattering coefficient (RESIDE: 0.04 to 0.2)
     * @param airlight atmospheric light A per channel, in (0, 1] (RESIDE: 0.8 to 1.0, grey)
     * @param depthMax the pseudo-depth's far end (its near end is a tenth of it); ignored with a supplied depth
     */
    public record Params(double beta, double[] airlight, double depthMax) {
        public Params {
            RainStreaks.need(beta > 0 && beta <= 10, "haze beta must be in (0, 10], got " + beta);
            RainStreaks.need(airlight != null && airlight.length == 3, "haze airlight needs 3 values (r, g, b)");
            for (double a : airlight) RainStreaks.need(a > 0 && a <= 1, "haze airlight values must be in (0, 1], got " + a);
            RainStreaks.need(depthMax > 0 && depthMax <= 1000, "haze depth_max must be in (0, 1000], got " + depthMax);
            airlight = airlight.clone();
        }
    }

    /** @param depth per-pixel depth (H×W, row-major, ≥ 0, in the units β expects), or null for the pseudo-depth */
    public static RgbImage apply(RgbImage clean, Params p, float[] depth, long seed) {
        int w = clean.width(), h = clean.height(), plane = w * h;
        float[] d;
        if (depth != null) {
            if (depth.length != plane) throw new IllegalArgumentException("depth map has " + depth.length + " values, expected " + w + "x" + h);
            d = depth;
        } else {
            d = pseudoDepth(clean, p.depthMax(), seed);
        }
        float[] x = clean.pixels();
        float[] out = new float[x.length];
        for (int i = 0; i < plane; i++) {
            if (!(d[i] >= 0)) throw new IllegalArgumentException("depth must be >= 0, got " + d[i] + " at pixel " + i);
            double t = StrictMath.exp(-p.beta() * d[i]);
            for (int c = 0; c < 3; c++) {
                out[c * plane + i] = Quantize.to8(x[c * plane + i] * t + p.airlight()[c] * (1 - t));
            }
        }
        return new RgbImage(w, h, out);
    }

    /** Pseudo-depth in [depthMax/10, depthMax]. */
    public static float[] pseudoDepth(RgbImage img, double depthMax, long seed) {
        int w = img.width(), h = img.height(), plane = w * h;
        float[] px = img.pixels();
        float[] lum = new float[plane];
        for (int i = 0; i < plane; i++) lum[i] = 0.299f * px[i] + 0.587f * px[plane + i] + 0.114f * px[2 * plane + i];
        float[] smooth = Filters.boxBlur(lum, w, h, Math.max(1, Math.min(w, h) / 8));
        float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
        for (float v : smooth) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        float range = hi - lo > 1e-6f ? hi - lo : 1f;
        // A few random low-frequency waves make the fog uneven, as real depth is.
        Rng rng = Rng.of(seed, 0x48415A45L);
        int waves = 3;
        double[][] wv = new double[waves][4];
        for (double[] v : wv) {
            double ang = rng.uniform(0, 2 * Math.PI), freq = rng.uniform(0.5, 2.0);
            v[0] = freq * StrictMath.cos(ang); v[1] = freq * StrictMath.sin(ang); v[2] = rng.uniform(0, 2 * Math.PI); v[3] = rng.uniform(0.5, 1);
        }
        float[] d = new float[plane];
        for (int y = 0; y < h; y++) {
            double vy = h == 1 ? 0.5 : 1.0 - y / (double) (h - 1);
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                double u = x / (double) Math.max(1, w - 1), v = y / (double) Math.max(1, h - 1);
                double f = 0;
                for (double[] q : wv) f += q[3] * StrictMath.sin(2 * Math.PI * (q[0] * u + q[1] * v) + q[2]);
                f = 0.5 + f / (2 * waves);
                double z = 0.55 * vy + 0.3 * (smooth[i] - lo) / range + 0.15 * f;
                z = Math.min(1, Math.max(0, z));
                d[i] = (float) (depthMax * (0.1 + 0.9 * z));
            }
        }
        return d;
    }
}
