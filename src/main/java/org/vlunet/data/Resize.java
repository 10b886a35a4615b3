package org.vlunet.data;

/**
 * Antialiased resizing for preparing datasets (not for the network or CLIP, which have their own exact rules):
 * separable triangle (bilinear) filter whose support widens with the scale when shrinking, like PIL's BILINEAR.
 */
public final class Resize {
    private Resize() {}

    /** Scales so the longer side is at most {@code maxSide} (never enlarges). */
    public static RgbImage fitLongerSide(RgbImage img, int maxSide) {
        int longer = Math.max(img.width(), img.height());
        if (maxSide <= 0 || longer <= maxSide) return img;
        double s = maxSide / (double) longer;
        int w = Math.max(1, (int) Math.round(img.width() * s)), h = Math.max(1, (int) Math.round(img.height() * s));
        return resize(img, w, h);
    }

    public static RgbImage resize(RgbImage img, int w, int h) {
        if (w <= 0 || h <= 0) throw new IllegalArgumentException("resize target must be positive, got " + w + "x" + h);
        if (w == img.width() && h == img.height()) return img;
        int iw = img.width(), ih = img.height();
        Weights wx = weights(iw, w), wy = weights(ih, h);
        float[] in = img.pixels(), tmp = new float[3 * ih * w], out = new float[3 * h * w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < ih; y++) {
                int src = (c * ih + y) * iw, dst = (c * ih + y) * w;
                for (int x = 0; x < w; x++) {
                    double acc = 0;
                    for (int k = 0; k < wx.len[x]; k++) acc += wx.w[x][k] * in[src + wx.start[x] + k];
                    tmp[dst + x] = (float) acc;
                }
            }
            for (int y = 0; y < h; y++) {
                int dst = (c * h + y) * w;
                for (int k = 0; k < wy.len[y]; k++) {
                    double f = wy.w[y][k];
                    int src = (c * ih + wy.start[y] + k) * w;
                    for (int x = 0; x < w; x++) out[dst + x] += (float) (f * tmp[src + x]);
                }
            }
        }
        return new RgbImage(w, h, out).clamped();
    }

    private record Weights(int[] start, int[] len, double[][] w) {}

    private static Weights weights(int in, int out) {
        double scale = in / (double) out, support = Math.max(1, scale);
        int[] start = new int[out], len = new int[out];
        double[][] w = new double[out][];
        for (int i = 0; i < out; i++) {
            double centre = (i + 0.5) * scale;
            int lo = Math.max(0, (int) Math.floor(centre - support)), hi = Math.min(in, (int) Math.ceil(centre + support));
            double[] k = new double[hi - lo];
            double sum = 0;
            for (int j = lo; j < hi; j++) {
                double v = Math.max(0, 1 - Math.abs((j + 0.5 - centre) / support));
                k[j - lo] = v;
                sum += v;
            }
            for (int j = 0; j < k.length; j++) k[j] /= sum;
            start[i] = lo;
            len[i] = k.length;
            w[i] = k;
        }
        return new Weights(start, len, w);
    }
}
