package org.vlunet.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;

import static org.junit.jupiter.api.Assertions.*;

class ImageCodecTest {
    @TempDir
    Path dir;

    static final int W = 5, H = 3;

    /** A minimal PNG writer, so each colour type and bit depth can be made exactly. */
    static byte[] png(int colorType, int bitDepth, int[][] samples, byte[] palette) throws IOException {
        int channels = switch (colorType) { case 0, 3 -> 1; case 4 -> 2; case 2 -> 3; default -> 4; };
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        for (int y = 0; y < H; y++) {
            raw.write(0); // filter: none
            int[] row = samples[y];
            if (bitDepth == 16) {
                for (int v : row) { raw.write(v >> 8); raw.write(v & 0xff); }
            } else if (bitDepth == 8) {
                for (int v : row) raw.write(v);
            } else {
                int acc = 0, bits = 0;
                for (int v : row) {
                    acc = (acc << bitDepth) | v;
                    bits += bitDepth;
                    if (bits == 8) { raw.write(acc); acc = 0; bits = 0; }
                }
                if (bits > 0) raw.write(acc << (8 - bits));
            }
            assertEquals(W * channels, row.length);
        }
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try (DeflaterOutputStream d = new DeflaterOutputStream(z)) { d.write(raw.toByteArray()); }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream h = new DataOutputStream(ihdr);
        h.writeInt(W); h.writeInt(H); h.write(bitDepth); h.write(colorType); h.write(0); h.write(0); h.write(0);
        chunk(out, "IHDR", ihdr.toByteArray());
        if (palette != null) chunk(out, "PLTE", palette);
        chunk(out, "IDAT", z.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(data.length);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        d.write(t);
        d.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        d.writeInt((int) crc.getValue());
    }

    /** Sample rows for {@code channels} channels with values below {@code max}: a distinct value per sample. */
    static int[][] samples(int channels, int max) {
        int[][] s = new int[H][W * channels];
        for (int y = 0; y < H; y++) for (int i = 0; i < W * channels; i++) s[y][i] = (int) (((long) (y * 131 + i * 37 + 11) * 977) % (max + 1));
        return s;
    }

    private RgbImage readPng(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        RgbImage img = ImageCodec.read(p);
        assertEquals(W, img.width());
        assertEquals(H, img.height());
        assertArrayEquals(new int[] {W, H}, ImageCodec.readSize(p));
        return img;
    }

    @Test
    void pngColourTypesAndDepths() throws IOException {
        for (int depth : new int[] {1, 2, 4, 8, 16}) {
            int max = (1 << depth) - 1;
            int[][] s = samples(1, max);
            RgbImage g = readPng("grey" + depth + ".png", png(0, depth, s, null));
            for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) for (int c = 0; c < 3; c++) {
                assertEquals(s[y][x] / (float) max, g.get(c, y, x), "grey " + depth + "-bit at " + x + "," + y);
            }
        }
        for (int depth : new int[] {8, 16}) {
            int max = (1 << depth) - 1;
            int[][] ga = samples(2, max), rgb = samples(3, max), rgba = samples(4, max);
            RgbImage a = readPng("ga" + depth + ".png", png(4, depth, ga, null));
            RgbImage b = readPng("rgb" + depth + ".png", png(2, depth, rgb, null));
            RgbImage c = readPng("rgba" + depth + ".png", png(6, depth, rgba, null));
            for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) {
                for (int ch = 0; ch < 3; ch++) {
                    assertEquals(ga[y][2 * x] / (float) max, a.get(ch, y, x), "grey+alpha: alpha dropped");
                    assertEquals(rgb[y][3 * x + ch] / (float) max, b.get(ch, y, x), "rgb " + depth);
                    assertEquals(rgba[y][4 * x + ch] / (float) max, c.get(ch, y, x), "rgba " + depth + ": alpha dropped, not composited");
                }
            }
        }
        for (int depth : new int[] {2, 8}) {
            int n = 1 << depth;
            byte[] pal = new byte[3 * n];
            for (int i = 0; i < pal.length; i++) pal[i] = (byte) (i * 53 + 7);
            int[][] idx = samples(1, n - 1);
            RgbImage p = readPng("pal" + depth + ".png", png(3, depth, idx, pal));
            for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) for (int ch = 0; ch < 3; ch++) {
                assertEquals((pal[3 * idx[y][x] + ch] & 0xff) / 255f, p.get(ch, y, x), "palette " + depth);
            }
        }
    }

    @Test
    void jpegBmpTiffAndOwnPngRoundTrip() throws IOException {
        RgbImage img = TestImages.pattern(24, 16, 4);
        BufferedImage bi = ImageCodec.toBuffered(img);
        for (String fmt : new String[] {"bmp", "tiff", "png"}) {
            Path p = dir.resolve("x." + fmt);
            assertTrue(ImageIO.write(bi, fmt, p.toFile()), fmt + " writer");
            assertArrayEquals(img.pixels(), ImageCodec.read(p).pixels(), fmt + " is lossless");
        }
        ImageCodec.writePng(img, dir.resolve("own.png"));
        assertArrayEquals(img.pixels(), ImageCodec.read(dir.resolve("own.png")).pixels());
        // JPEG at top quality: within a few levels of the original on a smooth image.
        RgbImage smooth = TestImages.flat(32, 32, 0.2f, 0.5f, 0.8f);
        Path j = dir.resolve("x.jpg");
        writeJpeg(ImageCodec.toBuffered(smooth), j);
        float[] got = ImageCodec.read(j).pixels(), want = smooth.pixels();
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 4 / 255f, "jpeg value " + i);
        BufferedImage grey = new BufferedImage(32, 32, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) grey.getRaster().setSample(x, y, 0, 100);
        Path g = dir.resolve("grey.jpg");
        writeJpeg(grey, g);
        RgbImage gi = ImageCodec.read(g);
        for (int c = 0; c < 3; c++) assertEquals(100 / 255f, gi.get(c, 5, 7), 2 / 255f, "grey jpeg becomes grey RGB");
    }

    private static void writeJpeg(BufferedImage img, Path p) throws IOException {
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam prm = w.getDefaultWriteParam();
        prm.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        prm.setCompressionQuality(1f);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(p.toFile())) {
            w.setOutput(out);
            w.write(null, new IIOImage(img, null, null), prm);
        } finally {
            w.dispose();
        }
    }

    @Test
    void corruptFilesNameTheFile() throws IOException {
        RgbImage img = TestImages.pattern(64, 64, 1);
        Path png = dir.resolve("t.png"), jpg = dir.resolve("t.jpg");
        ImageCodec.writePng(img, png);
        writeJpeg(ImageCodec.toBuffered(img), jpg);
        for (Path p : new Path[] {png, jpg}) {
            byte[] b = Files.readAllBytes(p);
            Path cut = dir.resolve("cut-" + p.getFileName());
            Files.write(cut, Arrays.copyOf(b, b.length / 2));
            ImageException e = assertThrows(ImageException.class, () -> ImageCodec.read(cut), p.toString());
            assertTrue(e.getMessage().startsWith(cut + ": cannot decode image ("), e.getMessage());
        }
        Path junk = dir.resolve("junk.png");
        Files.writeString(junk, "not an image at all");
        assertEquals(junk + ": not a readable image (expected PNG, JPEG, BMP or TIFF)",
                assertThrows(ImageException.class, () -> ImageCodec.read(junk)).getMessage());
        assertEquals(dir.resolve("none.png") + ": no such image file",
                assertThrows(ImageException.class, () -> ImageCodec.read(dir.resolve("none.png"))).getMessage());
        byte[] b = Files.readAllBytes(png);
        b[40] ^= 0x55; // inside IHDR/IDAT: a CRC or zlib failure
        Path flipped = dir.resolve("flipped.png");
        Files.write(flipped, b);
        assertTrue(assertThrows(ImageException.class, () -> ImageCodec.read(flipped)).getMessage().startsWith(flipped + ": "));
    }

    @Test
    void bytesInMemoryDecodeAndEncodeAsFilesDo() throws IOException {
        RgbImage img = TestImages.pattern(21, 13, 3);
        Path png = dir.resolve("mem.png"), jpg = dir.resolve("mem.jpg");
        ImageCodec.writePng(img, png);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageCodec.writePng(img, out);
        assertArrayEquals(Files.readAllBytes(png), out.toByteArray(), "the stream gets the file's bytes");
        writeJpeg(ImageCodec.toBuffered(img), jpg);
        for (Path p : new Path[] {png, jpg}) {
            assertArrayEquals(ImageCodec.read(p).pixels(), ImageCodec.read(Files.readAllBytes(p), "hdfs://x/" + p.getFileName()).pixels());
        }
        byte[] b = Files.readAllBytes(jpg);
        ImageException e = assertThrows(ImageException.class, () -> ImageCodec.read(Arrays.copyOf(b, b.length / 2), "s3a://b/cut.jpg"));
        assertTrue(e.getMessage().startsWith("s3a://b/cut.jpg: cannot decode image ("), e.getMessage());
        assertEquals("s3a://b/junk.png: not a readable image (expected PNG, JPEG, BMP or TIFF)",
                assertThrows(ImageException.class, () -> ImageCodec.read("junk".getBytes(), "s3a://b/junk.png")).getMessage());
    }
}
