package org.vlunet.data;

/**
 * Both sides of an example as decoded (possibly cached) images, each with its own centre crop to a multiple of
 * 16 applied by offset, so a training patch is cut without copying the whole image.
 */
public record PairView(ImageCache.Stored degraded, int dx, int dy, ImageCache.Stored clean, int cx, int cy, int width, int height) {

    /** The view of two stored images after each one's centre crop; sizes must then agree. */
    static PairView of(ImageCache.Stored d, Object dName, ImageCache.Stored c, Object cName, String where) {
        int dw = cropped(d.width(), d.height(), dName)[0], dh = cropped(d.width(), d.height(), dName)[1];
        int cw = cropped(c.width(), c.height(), cName)[0], ch = cropped(c.width(), c.height(), cName)[1];
        if (dw != cw || dh != ch) {
            throw new ImageException(dName + " (" + dw + "x" + dh + ") and " + cName + " (" + cw + "x" + ch
                    + ") differ in size after the centre crop to a multiple of 16" + (where == null ? "" : " (" + where + ")"));
        }
        return new PairView(d, (d.width() - dw) / 2, (d.height() - dh) / 2, c, (c.width() - cw) / 2, (c.height() - ch) / 2, dw, dh);
    }

    /** The authors' crop_img(base=16) size of a w×h image. */
    static int[] cropped(int w, int h, Object name) {
        if (w < Example.MULTIPLE || h < Example.MULTIPLE) {
            throw new ImageException(name + ": image " + w + "x" + h + " is smaller than " + Example.MULTIPLE + "x" + Example.MULTIPLE);
        }
        return new int[] {w - w % Example.MULTIPLE, h - h % Example.MULTIPLE};
    }

    /** The region [x, x+w) × [y, y+h) of both centre-cropped sides. */
    public ImagePair crop(int x, int y, int w, int h) {
        if (x < 0 || y < 0 || x + w > width || y + h > height) {
            throw new IllegalArgumentException("crop " + w + "x" + h + "+" + x + "+" + y + " outside " + width + "x" + height);
        }
        return new ImagePair(degraded.crop(dx + x, dy + y, w, h), clean.crop(cx + x, cy + y, w, h));
    }

    /** Both centre-cropped sides whole. */
    public ImagePair full() {
        return crop(0, 0, width, height);
    }
}
