package org.vlunet.eval;

import org.vlunet.data.RgbImage;

/**
 * How a pair is scored. The authors' protocol is RGB after the centre crop to a multiple of 16 ({@link #AUTHORS});
 * the Y-channel and border-crop variants are the conventions of other restoration papers and are labelled so.
 *
 * @param yChannel   score the BT.601 luma (BasicSR's convention) instead of RGB
 * @param cropBorder pixels removed from every border before scoring (after the centre crop, if any)
 * @param crop16     centre-crop both images to a multiple of 16 first (the authors' rule)
 */
public record MetricOptions(boolean yChannel, int cropBorder, boolean crop16) {
    public static final MetricOptions AUTHORS = new MetricOptions(false, 0, true);
    public static final MetricOptions PLAIN = new MetricOptions(false, 0, false);

    public MetricOptions {
        if (cropBorder < 0) throw new IllegalArgumentException("crop border must be >= 0, got " + cropBorder);
    }

    /** A short label for tables and JSON, e.g. "RGB", "Y (BT.601), border 4". */
    public String label() {
        StringBuilder s = new StringBuilder(yChannel ? "Y (BT.601)" : "RGB");
        if (crop16) s.append(", centre crop to 16");
        if (cropBorder > 0) s.append(", border ").append(cropBorder);
        return s.toString();
    }

    /** The region that is scored: centre crop to 16 and border crop, as asked. */
    public RgbImage region(RgbImage img) {
        RgbImage r = crop16 ? img.cropToMultiple(16) : img;
        if (cropBorder > 0) {
            int w = r.width() - 2 * cropBorder, h = r.height() - 2 * cropBorder;
            if (w <= 0 || h <= 0) {
                throw new IllegalArgumentException("crop border " + cropBorder + " leaves nothing of a "
                        + r.width() + "x" + r.height() + " image");
            }
            r = r.crop(cropBorder, cropBorder, w, h);
        }
        return r;
    }

    Planes planes(RgbImage img) {
        RgbImage r = region(img);
        return yChannel ? Planes.luma(r) : Planes.rgb(r);
    }
}
