package org.vlunet.data.synth;

import org.vlunet.data.RgbImage;

/**
 * Blurs by a kernel (motion or defocus), edges mirrored. Kernels are sparse (a path or a disk), so only their
 * nonzero taps are visited.
 */
public final class Blur {
    private Blur() {}

    /**
     * @param kind   "linear", "curved" or "defocus"
     * @param size   path length (linear, curved) or disk radius (defocus), pixels
     * @param angle  direction in degrees (0 = horizontal); for curved, the starting direction
     */
    public record Params(String kind, double size, double angle) {
        public Params {
            RainStreaks.need(kind.equals("linear") || kind.equals("curved") || kind.equals("defocus"),
                    "blur kind must be linear, curved or defocus, got '" + kind + "'");
        }

        public BlurKernel kernel(long seed) {
            return switch (kind) {
                case "linear" -> BlurKernel.linear(size, angle);
                case "curved" -> BlurKernel.curved(size, angle, seed);
                default -> BlurKernel.defocus(size);
            };
        }
    }

    public static RgbImage apply(RgbImage clean, Params p, long seed) {
        return apply(clean, p.kernel(seed));
    }

    public static RgbImage apply(RgbImage clean, BlurKernel k) {
        int w = clean.width(), h = clean.height(), plane = w * h, c0 = k.size / 2;
        float[] x = clean.pixels();
        double[] acc = new double[x.length];
        for (int j = 0; j < k.size; j++) {
            for (int i = 0; i < k.size; i++) {
                float v = k.weights[j * k.size + i];
                if (v == 0) continue;
                int oy = j - c0, ox = i - c0;
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < h; y++) {
                        int src = c * plane + Filters.reflect(y + oy, h) * w, dst = c * plane + y * w;
                        int lo = Math.min(w, Math.max(0, -ox)), hi = Math.max(lo, Math.min(w, w - ox));
                        for (int xx = 0; xx < lo; xx++) acc[dst + xx] += v * x[src + Filters.reflect(xx + ox, w)];
                        for (int xx = lo; xx < hi; xx++) acc[dst + xx] += v * x[src + xx + ox];
                        for (int xx = hi; xx < w; xx++) acc[dst + xx] += v * x[src + Filters.reflect(xx + ox, w)];
                    }
                }
            }
        }
        float[] out = new float[x.length];
        for (int i = 0; i < out.length; i++) out[i] = Quantize.to8(acc[i]);
        return new RgbImage(w, h, out);
    }
}
