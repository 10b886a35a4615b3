package org.vlunet.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Small synthetic images and dataset trees for the data tests. */
public final class TestImages {
    private TestImages() {}

    /** A deterministic textured image with 8-bit values (smooth gradients plus a hashed pattern). */
    public static RgbImage pattern(int w, int h, long seed) {
        Rng r = Rng.of(seed);
        float[] p = new float[3 * w * h];
        double fx = r.uniform(0.05, 0.3), fy = r.uniform(0.05, 0.3);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v = 0.5 + 0.3 * Math.sin(fx * x + c) * Math.cos(fy * y - c) + 0.15 * (r.nextDouble() - 0.5);
                    p[(c * h + y) * w + x] = Math.round(Math.min(1, Math.max(0, v)) * 255) / 255f;
                }
            }
        }
        return new RgbImage(w, h, p);
    }

    /** A flat image of one colour. */
    public static RgbImage flat(int w, int h, float r, float g, float b) {
        float[] p = new float[3 * w * h];
        int n = w * h;
        java.util.Arrays.fill(p, 0, n, r);
        java.util.Arrays.fill(p, n, 2 * n, g);
        java.util.Arrays.fill(p, 2 * n, 3 * n, b);
        return new RgbImage(w, h, p);
    }

    /** A degraded image that is a known pixelwise function of the clean one (for alignment checks). */
    public static RgbImage inverted(RgbImage clean) {
        float[] p = clean.pixels(), q = new float[p.length];
        for (int i = 0; i < p.length; i++) q[i] = (255 - Math.round(p[i] * 255)) / 255f;
        return new RgbImage(clean.width(), clean.height(), q);
    }

    /** Records compare arrays by reference: compare images by size and values. */
    public static void assertSameImage(RgbImage expected, RgbImage actual, String what) {
        org.junit.jupiter.api.Assertions.assertEquals(expected.width() + "x" + expected.height(), actual.width() + "x" + actual.height(), what);
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected.pixels(), actual.pixels(), what);
    }

    public static void write(RgbImage img, Path p) {
        ImageCodec.writePng(img, p);
    }

    public static void writeText(Path p, String text) {
        try {
            Files.createDirectories(p.toAbsolutePath().getParent());
            Files.writeString(p, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@code n} pairs (degraded = inverted clean) under root/dir/{deg,clean}/ and their list at
     * root/listRel with "./"-relative paths; returns the list's lines.
     */
    public static List<String> pairs(Path root, String dir, String listRel, int n, int w, int h, long seed) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            RgbImage c = pattern(w, h, seed + i);
            String name = "img" + i + ".png";
            write(inverted(c), root.resolve(dir).resolve("deg").resolve(name));
            write(c, root.resolve(dir).resolve("clean").resolve(name));
            lines.add("./" + dir + "/deg/" + name + ",./" + dir + "/clean/" + name);
        }
        writeText(root.resolve(listRel), String.join("\n", lines) + "\n");
        return lines;
    }
}
