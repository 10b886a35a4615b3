package org.vlunet.data;

/** A degraded image and its clean counterpart, of the same size. */
public record ImagePair(RgbImage degraded, RgbImage clean) {
    public ImagePair {
        if (degraded.width() != clean.width() || degraded.height() != clean.height()) {
            throw new IllegalArgumentException("degraded " + degraded.width() + "x" + degraded.height()
                    + " and clean " + clean.width() + "x" + clean.height() + " differ in size");
        }
    }

    public int width() {
        return clean.width();
    }

    public int height() {
        return clean.height();
    }
}
