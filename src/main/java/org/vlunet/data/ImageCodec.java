package org.vlunet.data;

import org.vlunet.util.AtomicFiles;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Reads images (PNG 8/16-bit, JPEG, BMP, TIFF; grey and alpha become RGB) and writes 8-bit PNG. */
public final class ImageCodec {
    private ImageCodec() {}

    /**
     * Decodes by content (not by extension). A decoder warning, such as a truncated JPEG that ImageIO would silently
     * fill with grey, is an error here: PIL refuses truncated files too.
     */
    public static RgbImage read(Path path) {
        return fromBuffered(decode(path));
    }

    /**
     * As {@link #read(Path)} for an image already in memory (e.g. read from a distributed file system);
     * {@code name} is what error messages call it.
     */
    public static RgbImage read(byte[] encoded, String name) {
        return fromBuffered(withReader(name, () -> ImageIO.createImageInputStream(new ByteArrayInputStream(encoded)), ImageCodec::decode));
    }

    /** Width and height from the header only, without decoding the pixels. */
    public static int[] readSize(Path path) {
        return withReader(path, r -> new int[] {r.getWidth(0), r.getHeight(0)});
    }

    private static BufferedImage decode(Path path) {
        return withReader(path, ImageCodec::decode);
    }

    private static BufferedImage decode(ImageReader r) throws IOException {
        List<String> warnings = new ArrayList<>();
        r.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        BufferedImage img = r.read(0);
        if (!warnings.isEmpty()) throw new IOException(String.join("; ", warnings));
        return img;
    }

    private interface ReaderJob<T> {
        T run(ImageReader reader) throws IOException;
    }

    private interface Source {
        ImageInputStream open() throws IOException;
    }

    private static <T> T withReader(Path path, ReaderJob<T> job) {
        if (!Files.isRegularFile(path)) throw new ImageException(path + ": no such image file");
        if (!Files.isReadable(path)) throw new ImageException(path + ": not readable (check permissions)");
        return withReader(path.toString(), () -> new FileImageInputStream(path.toFile()), job);
    }

    private static <T> T withReader(String path, Source source, ReaderJob<T> job) {
        try (ImageInputStream in = source.open()) {
            Iterator<ImageReader> readers = in == null ? java.util.Collections.emptyIterator() : ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageException(path + ": not a readable image (expected PNG, JPEG, BMP or TIFF)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return job.run(reader);
            } finally {
                reader.dispose();
            }
        } catch (ImageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new ImageException(path + ": cannot decode image (" + why + ")");
        }
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
            // Sub-byte grey (1, 2, 4 bits) keeps its own range: scale by the component size, not the buffer type.
            // Divided, not multiplied by a reciprocal: an 8-bit value v becomes exactly v / 255f everywhere.
            int max = (1 << img.getColorModel().getComponentSize(0)) - 1;
            float[] lut = new float[max + 1];
            for (int v = 0; v <= max; v++) lut[v] = v / (float) max;
            if (bytesInterleaved(r, max)) {
                // The common 8-bit case, read straight from the buffer (getPixels per row costs as much again).
                PixelInterleavedSampleModel sm = (PixelInterleavedSampleModel) r.getSampleModel();
                byte[] data = ((DataBufferByte) r.getDataBuffer()).getData();
                int[] off = sm.getBandOffsets();
                int ps = sm.getPixelStride(), ss = sm.getScanlineStride();
                int base = r.getDataBuffer().getOffset();
                int o0 = off[0], o1 = bands < 3 ? off[0] : off[1], o2 = bands < 3 ? off[0] : off[2];
                for (int y = 0; y < h; y++) {
                    int q = base + y * ss, i = y * w;
                    for (int x = 0; x < w; x++, i++, q += ps) {
                        out[i] = lut[data[q + o0] & 0xff];
                        out[plane + i] = lut[data[q + o1] & 0xff];
                        out[2 * plane + i] = lut[data[q + o2] & 0xff];
                    }
                }
                return new RgbImage(w, h, out);
            }
            int[] row = new int[w * bands];
            for (int y = 0; y < h; y++) {
                r.getPixels(0, y, w, 1, row);
                int i = y * w;
                for (int x = 0, k = 0; x < w; x++, i++, k += bands) {
                    if (bands < 3) {
                        float g = lut[row[k]];
                        out[i] = g; out[plane + i] = g; out[2 * plane + i] = g;
                    } else {
                        out[i] = lut[row[k]]; out[plane + i] = lut[row[k + 1]]; out[2 * plane + i] = lut[row[k + 2]];
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

    private static boolean bytesInterleaved(Raster r, int max) {
        return max == 255 && r.getSampleModel() instanceof PixelInterleavedSampleModel
                && r.getDataBuffer() instanceof DataBufferByte && r.getDataBuffer().getNumBanks() == 1
                && r.getSampleModelTranslateX() == 0 && r.getSampleModelTranslateY() == 0;
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
            AtomicFiles.write(path, out -> writePng(img, out));
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot write PNG (" + e.getMessage() + ")", e);
        }
    }

    /** The same 8-bit PNG bytes as {@link #writePng(RgbImage, Path)}, to any stream (left open). */
    public static void writePng(RgbImage img, OutputStream out) throws IOException {
        if (!ImageIO.write(toBuffered(img), "png", out)) throw new IOException("no PNG writer");
    }
}
