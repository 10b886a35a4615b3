package org.vlunet.eval;

import org.vlunet.data.RgbImage;

/**
 * Image channels as float64 planes (row-major), the form the metrics work on: RGB clamped to [0, 1], or the
 * single luma plane of the Y-channel variant.
 */
public record Planes(int width, int height, double[][] channels) {
    public Planes {
        for (double[] c : channels) {
            if (c.length != width * height) throw new IllegalArgumentException("plane of " + c.length + " values for " + width + "x" + height);
        }
    }

    /** RGB clamped to [0, 1] (the authors clamp the network output before scoring). */
    public static Planes rgb(RgbImage img) {
        int n = img.width() * img.height();
        float[] p = img.pixels();
        double[][] ch = new double[3][n];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < n; i++) ch[c][i] = clamp01(p[c * n + i]);
        }
        return new Planes(img.width(), img.height(), ch);
    }

    /**
     * Luma of ITU-R BT.601 in the studio range, as common restoration code (BasicSR's rgb2ycbcr, y_only) computes
     * it from clamped RGB in [0, 1]: Y = (16 + 65.481 R + 128.553 G + 24.966 B) / 255.
     */
    public static Planes luma(RgbImage img) {
        int n = img.width() * img.height();
        float[] p = img.pixels();
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double r = clamp01(p[i]), g = clamp01(p[n + i]), b = clamp01(p[2 * n + i]);
            y[i] = (65.481 * r + 128.553 * g + 24.966 * b + 16.0) / 255.0;
        }
        return new Planes(img.width(), img.height(), new double[][] {y});
    }

    private static double clamp01(float v) {
        return v < 0f ? 0.0 : v > 1f ? 1.0 : v;
    }
}
