package org.vlunet.data;

/**
 * The authors' eight flips/rotations (their data_augmentation modes, numpy on H×W): 0 identity, 1 flipud,
 * 2 rot90, 3 rot90+flipud, 4 rot180, 5 rot180+flipud, 6 rot270, 7 rot270+flipud; training draws one of 1..7.
 * rot90 is numpy's (counter-clockwise): {@code out[i][j] = in[j][W-1-i]}.
 */
public final class Augment {
    private Augment() {}

    public static final int MODES = 8;

    public static RgbImage apply(RgbImage img, int mode) {
        if (mode < 0 || mode >= MODES) throw new IllegalArgumentException("augmentation mode must be 0..7, got " + mode);
        if (mode == 0) return img;
        int k = mode / 2;
        boolean flip = mode % 2 == 1;
        int h = img.height(), w = img.width();
        int oh = k % 2 == 1 ? w : h, ow = k % 2 == 1 ? h : w;
        float[] in = img.pixels(), out = new float[in.length];
        int plane = h * w;
        for (int i = 0; i < oh; i++) {
            int r = flip ? oh - 1 - i : i; // row of the rotated image that lands on output row i
            for (int j = 0; j < ow; j++) {
                int sy, sx;
                switch (k) {
                    case 0 -> { sy = r; sx = j; }
                    case 1 -> { sy = j; sx = w - 1 - r; }
                    case 2 -> { sy = h - 1 - r; sx = w - 1 - j; }
                    default -> { sy = h - 1 - j; sx = r; }
                }
                int src = sy * w + sx, dst = i * ow + j;
                out[dst] = in[src];
                out[plane + dst] = in[plane + src];
                out[2 * plane + dst] = in[2 * plane + src];
            }
        }
        return new RgbImage(ow, oh, out);
    }
}
