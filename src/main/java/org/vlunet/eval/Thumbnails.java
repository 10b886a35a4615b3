package org.vlunet.eval;

import org.vlunet.data.ImageCodec;
import org.vlunet.data.RgbImage;
import org.vlunet.util.AtomicFiles;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Small JPEG previews for the HTML report (box-filtered, so noise and rain stay visible as texture). */
public final class Thumbnails {
    public static final int SIDE = 160;

    private Thumbnails() {}

    /** Shrinks so the longer side is at most {@code side}, averaging each output pixel's footprint. */
    public static RgbImage shrink(RgbImage img, int side) {
        int w = img.width(), h = img.height();
        double s = Math.max(w, h) / (double) side;
        if (s <= 1) return img;
        int ow = Math.max(1, (int) Math.round(w / s)), oh = Math.max(1, (int) Math.round(h / s));
        float[] out = new float[3 * ow * oh];
        for (int y = 0; y < oh; y++) {
            int y0 = (int) ((long) y * h / oh), y1 = Math.max(y0 + 1, (int) ((long) (y + 1) * h / oh));
            for (int x = 0; x < ow; x++) {
                int x0 = (int) ((long) x * w / ow), x1 = Math.max(x0 + 1, (int) ((long) (x + 1) * w / ow));
                int n = (y1 - y0) * (x1 - x0);
                for (int c = 0; c < 3; c++) {
                    double sum = 0;
                    for (int yy = y0; yy < y1; yy++) for (int xx = x0; xx < x1; xx++) sum += img.get(c, yy, xx);
                    out[(c * oh + y) * ow + x] = (float) (sum / n);
                }
            }
        }
        return new RgbImage(ow, oh, out);
    }

    public static void write(RgbImage img, Path file) {
        RgbImage small = shrink(img, SIDE);
        try {
            AtomicFiles.write(file, out -> {
                ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
                try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
                    writer.setOutput(ios);
                    ImageWriteParam p = writer.getDefaultWriteParam();
                    p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                    p.setCompressionQuality(0.9f);
                    writer.write(null, new IIOImage(ImageCodec.toBuffered(small), null, null), p);
                } finally {
                    writer.dispose();
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write thumbnail (" + e.getMessage() + ")", e);
        }
    }
}
