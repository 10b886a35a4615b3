package org.vlunet.data;

/**
 * An RGB image as planar float32 in [0, 1], channel-major (CHW), the layout the network takes.
 * {@code pixels[c * height * width + y * width + x]}.
 */
public record RgbImage(int width, int height, float[] pixels) {
    public RgbImage {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        if (pixels.length != 3 * width * height) {
            throw new IllegalArgumentException("expected " + 3 * width * height + " values for " + width + "x" + height + ", got " + pixels.length);
        }
    }

    public static RgbImage blank(int width, int height) {
        return new RgbImage(width, height, new float[3 * width * height]);
    }

    public float get(int c, int y, int x) {
        return pixels[(c * height + y) * width + x];
    }

    /** The region [x0, x0+w) × [y0, y0+h). */
    public RgbImage crop(int x0, int y0, int w, int h) {
        if (x0 < 0 || y0 < 0 || w <= 0 || h <= 0 || x0 + w > width || y0 + h > height) {
            throw new IllegalArgumentException("crop " + w + "x" + h + "+" + x0 + "+" + y0 + " outside " + width + "x" + height);
        }
        float[] out = new float[3 * w * h];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(pixels, (c * height + y0 + y) * width + x0, out, (c * h + y) * w, w);
            }
        }
        return new RgbImage(w, h, out);
    }

    /** Centre crop to the largest multiple of {@code m} in each dimension (the authors' rule with m = 16). */
    public RgbImage cropToMultiple(int m) {
        int w = width - width % m, h = height - height % m;
        if (w == 0 || h == 0) throw new IllegalArgumentException("image " + width + "x" + height + " is smaller than " + m + "x" + m);
        if (w == width && h == height) return this;
        return crop((width - w) / 2, (height - h) / 2, w, h);
    }

    /** Values clamped to [0, 1]. */
    public RgbImage clamped() {
        float[] out = new float[pixels.length];
        for (int i = 0; i < out.length; i++) out[i] = Math.min(1f, Math.max(0f, pixels[i]));
        return new RgbImage(width, height, out);
    }
}
