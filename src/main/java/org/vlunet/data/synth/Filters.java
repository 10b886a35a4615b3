package org.vlunet.data.synth;

/** Small image filters shared by the syntheses. */
final class Filters {
    private Filters() {}

    /** Mean over a (2r+1)² window with edge replication, by running sums (cost independent of r). */
    static float[] boxBlur(float[] src, int w, int h, int r) {
        float[] tmp = new float[src.length], out = new float[src.length];
        double norm = 1.0 / (2 * r + 1);
        for (int y = 0; y < h; y++) {
            int o = y * w;
            double acc = 0;
            for (int k = -r; k <= r; k++) acc += src[o + clamp(k, w)];
            for (int x = 0; x < w; x++) {
                tmp[o + x] = (float) (acc * norm);
                acc += src[o + clamp(x + r + 1, w)] - src[o + clamp(x - r, w)];
            }
        }
        for (int x = 0; x < w; x++) {
            double acc = 0;
            for (int k = -r; k <= r; k++) acc += tmp[clamp(k, h) * w + x];
            for (int y = 0; y < h; y++) {
                out[y * w + x] = (float) (acc * norm);
                acc += tmp[clamp(y + r + 1, h) * w + x] - tmp[clamp(y - r, h) * w + x];
            }
        }
        return out;
    }

    static int clamp(int i, int n) {
        return i < 0 ? 0 : (i >= n ? n - 1 : i);
    }

    /** Mirror index without repeating the edge (numpy's "reflect"), for any offset. */
    static int reflect(int i, int n) {
        if (n == 1) return 0;
        int period = 2 * (n - 1);
        i = Math.floorMod(i, period);
        return i < n ? i : period - i;
    }
}
