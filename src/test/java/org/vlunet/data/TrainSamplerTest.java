package org.vlunet.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class TrainSamplerTest {
    @TempDir
    Path root;

    @Test
    void augmentModesAreNumpys() {
        // 2x3 image, one channel shown: [[0,1,2],[3,4,5]]
        float[] p = new float[18];
        for (int i = 0; i < 6; i++) { p[i] = i; p[6 + i] = i + 10; p[12 + i] = i + 20; }
        RgbImage img = new RgbImage(3, 2, p);
        assertPlane(Augment.apply(img, 0), 3, 2, 0, 1, 2, 3, 4, 5);
        assertPlane(Augment.apply(img, 1), 3, 2, 3, 4, 5, 0, 1, 2);             // flipud
        assertPlane(Augment.apply(img, 2), 2, 3, 2, 5, 1, 4, 0, 3);             // rot90 (counter-clockwise)
        assertPlane(Augment.apply(img, 3), 2, 3, 0, 3, 1, 4, 2, 5);             // rot90 then flipud
        assertPlane(Augment.apply(img, 4), 3, 2, 5, 4, 3, 2, 1, 0);             // rot180
        assertPlane(Augment.apply(img, 5), 3, 2, 2, 1, 0, 5, 4, 3);             // rot180 then flipud
        assertPlane(Augment.apply(img, 6), 2, 3, 3, 0, 4, 1, 5, 2);             // rot270
        assertPlane(Augment.apply(img, 7), 2, 3, 5, 2, 4, 1, 3, 0);             // rot270 then flipud
        assertEquals(12f, Augment.apply(img, 2).get(1, 0, 0)); // channels move together
    }

    private static void assertPlane(RgbImage img, int w, int h, float... v) {
        assertEquals(w, img.width());
        assertEquals(h, img.height());
        for (int i = 0; i < v.length; i++) assertEquals(v[i], img.pixels()[i], "value " + i);
    }

    private TrainSet tree(int n, int w, int h) {
        TestImages.pairs(root, "deblurring_datasets/GoPro", AuthorsLayout.trainList(Degradation.DEBLUR), n, w, h, 7);
        return AuthorsLayout.train(root, List.of(Degradation.DEBLUR)).check();
    }

    @Test
    void degradedAndCleanGetTheSameCropAndFlip() {
        TrainSet set = tree(3, 45, 40); // centre-cropped to 32x32, patch 16
        TrainSampler s = new TrainSampler(set, 16, 5, img -> new float[] {img.pixels()[0], img.pixels()[1]}, null);
        Set<Integer> modes = new HashSet<>();
        Set<String> offsets = new HashSet<>();
        for (int epoch = 0; epoch < 20; epoch++) {
            for (int i = 0; i < set.size(); i++) {
                Sample a = s.sample(epoch, i);
                assertEquals(16, a.degraded().width());
                assertEquals(16, a.clean().height());
                TestImages.assertSameImage(TestImages.inverted(a.clean()), a.degraded(), "degraded = f(clean) must survive crop and flip");
                assertArrayEquals(new float[] {a.degraded().pixels()[0], a.degraded().pixels()[1]}, a.clipInput());
                assertTrue(a.mode() >= 1 && a.mode() <= 7);
                assertTrue(a.x0() >= 0 && a.x0() <= 16 && a.y0() >= 0 && a.y0() <= 16);
                modes.add(a.mode());
                offsets.add(a.x0() + "," + a.y0());
                // The patch is the crop of the centre-cropped clean image, then the flip.
                RgbImage clean = TestImages.pattern(45, 40, 7 + i).cropToMultiple(16);
                TestImages.assertSameImage(Augment.apply(clean.crop(a.x0(), a.y0(), 16, 16), a.mode()), a.clean(), "clean patch");
            }
        }
        assertEquals(7, modes.size());
        assertTrue(offsets.contains("0,0") || offsets.size() > 30, "offsets spread over [0, 16]");
        assertTrue(offsets.size() > 30);
    }

    @Test
    void samplesDependOnlyOnSeedEpochAndIndex() {
        TrainSet set = tree(2, 32, 32);
        TrainSampler a = new TrainSampler(set, 16, 1, null, null), b = new TrainSampler(set, 16, 1, null, new ImageCache(1 << 20));
        Sample x = a.sample(3, 1), y = b.sample(3, 1), z = b.sample(3, 1);
        TestImages.assertSameImage(x.clean(), y.clean(), "cache off/on");
        TestImages.assertSameImage(x.degraded(), z.degraded(), "cache hit");
        assertNull(x.clipInput());
        assertEquals(1, b.sample(3, 1).index());
        Sample other = a.sample(4, 1);
        assertFalse(x.x0() == other.x0() && x.y0() == other.y0() && x.mode() == other.mode()
                && a.sample(5, 1).x0() == x.x0(), "another epoch draws another crop");
        assertArrayEquals(a.epochOrder(2), b.epochOrder(2));
        assertFalse(java.util.Arrays.equals(a.epochOrder(2), new TrainSampler(set, 16, 2, null, null).epochOrder(2))
                && java.util.Arrays.equals(a.epochOrder(3), new TrainSampler(set, 16, 2, null, null).epochOrder(3)));
    }

    @Test
    void imageSmallerThanThePatchIsNamed() {
        TrainSet set = tree(1, 70, 300);
        TrainSampler s = new TrainSampler(set, 128, 0, null, null);
        ImageException e = assertThrows(ImageException.class, () -> s.sample(0, 0));
        assertEquals(root.resolve("deblurring_datasets/GoPro/deg/img0.png") + ": image 64x288 (after the centre crop to a multiple of 16)"
                + " is smaller than the 128x128 training patch (--patch_size)", e.getMessage());
    }

    @Test
    void pairsOfDifferentSizesAreNamed() {
        TestImages.write(TestImages.pattern(32, 32, 1), root.resolve("a.png"));
        TestImages.write(TestImages.pattern(48, 32, 1), root.resolve("b.png"));
        TestImages.writeText(root.resolve("l.txt"), "./a.png,./b.png\n");
        PairEntry e = PairList.read(root.resolve("l.txt"), root, Degradation.DEHAZE).get(0);
        ImageException x = assertThrows(ImageException.class, () -> e.load(null));
        assertTrue(x.getMessage().contains("a.png (32x32) and " + root.resolve("b.png") + " (48x32) differ in size"), x.getMessage());
        assertTrue(x.getMessage().contains("l.txt line 1"));
    }
}
