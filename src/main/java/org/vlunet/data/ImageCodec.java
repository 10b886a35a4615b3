package org.vlunet.data;

import org.vlunet.util.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads images (PNG 8/16-bit, JPEG, BMP, TIFF; grey and alpha become RGB) and writes 8-bit PNG. */
public final class ImageCodec {
    private ImageCodec() {}

    public static RgbImage read(Path path) {
        if (!Files.isRegularFile(path)) throw new ImageException(path + ": no such image file");
        BufferedImage img;
        try {
            img = ImageIO.read(path.toFile());
        } catch (IOException | RuntimeException e) {
            throw new ImageException(path + ": cannot decode image (" + e.getMessage() + ")");
        }
        if (img == null) throw new ImageException(path + ": not a readable image (expected PNG, JPEG, BMP or TIFF)");
        return fromBuffered(img);
    }

    public static RgbImage fromBuffered(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        float[] out = new float[3 * w * h];
        Raster r = img.getRaster();
        int bands = r.getNumBands();
        int type = r.getDataBuffer().getDataType();
        boolean direct = img.getColorModel() instanceof java.awt.image.ComponentColorModel
                && (type == DataBuffer.TYPE_BYTE || type == DataBuffer.TYPE_USHORT) && (bands == 1 || bands == 2 || bands == 3 || bands == 4);
        int plane = w * h;
        if (direct) {
            float scale = type == DataBuffer.TYPE_USHORT ? 1f / 65535f : 1f / 255f;
            int[] px = new int[bands];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    r.getPixel(x, y, px);
                    int i = y * w + x;
                    if (bands < 3) {
                        float g = px[0] * scale;
                        out[i] = g; out[plane + i] = g; out[2 * plane + i] = g;
                    } else {
                        out[i] = px[0] * scale; out[plane + i] = px[1] * scale; out[2 * plane + i] = px[2] * scale;
                    }
                }
            }
        } else {
            int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
            for (int i = 0; i < plane; i++) {
                int p = argb[i];
                out[i] = ((p >> 16) & 0xff) / 255f;
                out[plane + i] = ((p >> 8) & 0xff) / 255f;
                out[2 * plane + i] = (p & 0xff) / 255f;
            }
        }
        return new RgbImage(w, h, out);
    }

    /** Rounds to 8 bits as the authors' saving did: clamp to [0,1], times 255, round half to even. */
    public static BufferedImage toBuffered(RgbImage img) {
        int w = img.width(), h = img.height(), plane = w * h;
        float[] p = img.pixels();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] rgb = new int[plane];
        for (int i = 0; i < plane; i++) {
            rgb[i] = (to8(p[i]) << 16) | (to8(p[plane + i]) << 8) | to8(p[2 * plane + i]);
        }
        out.setRGB(0, 0, w, h, rgb, 0, w);
        return out;
    }

    public static int to8(float v) {
        float c = Math.min(1f, Math.max(0f, v));
        return (int) Math.rint(c * 255f);
    }

    /** Writes an 8-bit PNG through a temporary file. */
    public static void writePng(RgbImage img, Path path) {
        try {
            AtomicFiles.write(path, out -> {
                if (!ImageIO.write(toBuffered(img), "png", out)) throw new IOException("no PNG writer");
            });
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot write PNG (" + e.getMessage() + ")", e);
        }
    }
}
