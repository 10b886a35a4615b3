package org.vlunet.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class LoaderTest {
    @TempDir
    Path root;

    private TrainSampler sampler() {
        TestImages.pairs(root, "deraining_datasets/Rain100L", AuthorsLayout.trainList(Degradation.DERAIN), 3, 32, 48, 11);
        TestImages.pairs(root, "dehazing_datasets", AuthorsLayout.trainList(Degradation.DEHAZE), 4, 40, 32, 21);
        TrainSet set = AuthorsLayout.train(root, List.of(Degradation.DERAIN, Degradation.DEHAZE), Map.of(Degradation.DERAIN, 2)).check();
        // A stand-in for the CLIP preprocessing: channel means.
        return new TrainSampler(set, 16, 42, img -> {
            float[] m = new float[3];
            int n = img.width() * img.height();
            for (int c = 0; c < 3; c++) for (int i = 0; i < n; i++) m[c] += img.pixels()[c * n + i] / n;
            return m;
        }, new ImageCache(1 << 20));
    }

    private static List<Batch> drain(Loader l) {
        List<Batch> out = new ArrayList<>();
        while (l.hasNext()) out.add(l.next());
        return out;
    }

    private static void assertSame(Batch a, Batch b) {
        assertEquals(a.epoch(), b.epoch());
        assertEquals(a.index(), b.index());
        assertArrayEquals(a.samples(), b.samples());
        assertArrayEquals(a.degraded(), b.degraded());
        assertArrayEquals(a.clean(), b.clean());
        assertArrayEquals(a.classes(), b.classes());
        assertArrayEquals(a.clipInput(), b.clipInput());
    }

    @Test
    void sameStreamForZeroOneAndThreeWorkersAndResume() {
        TrainSampler s = sampler(); // 6 rain + 4 haze = 10 samples: 3 batches of 3 per epoch
        List<Batch> ref;
        try (Loader l = new Loader(s, 3, 0, 0, 0, 3)) {
            assertEquals(3, l.batchesPerEpoch());
            ref = drain(l);
        }
        assertEquals(9, ref.size());
        for (int epoch = 0; epoch < 3; epoch++) {
            Set<Integer> seen = new HashSet<>();
            for (int b = 0; b < 3; b++) {
                Batch x = ref.get(epoch * 3 + b);
                assertEquals(epoch, x.epoch());
                assertEquals(b, x.index());
                for (int k = 0; k < 3; k++) {
                    assertTrue(seen.add(x.samples()[k]), "an epoch visits each sample at most once");
                    assertEquals(s.set().get(x.samples()[k]).degradation().id, x.classes()[k]);
                }
                assertEquals(3 * 3 * 16 * 16, x.degraded().length);
                assertEquals(9, x.clipInput().length);
                for (int i = 0; i < x.clean().length; i++) {
                    assertEquals((255 - Math.round(x.clean()[i] * 255)) / 255f, x.degraded()[i]);
                }
            }
            int[] order = s.epochOrder(epoch);
            assertArrayEquals(Arrays.copyOfRange(order, 3, 6), ref.get(epoch * 3 + 1).samples());
        }
        assertFalse(Arrays.equals(ref.get(0).samples(), ref.get(3).samples()) && Arrays.equals(ref.get(3).samples(), ref.get(6).samples()));
        for (int workers : new int[] {1, 3}) {
            try (Loader l = new Loader(s, 3, workers, 0, 0, 3)) {
                List<Batch> got = drain(l);
                assertEquals(ref.size(), got.size());
                for (int i = 0; i < ref.size(); i++) assertSame(ref.get(i), got.get(i));
            }
        }
        try (Loader l = new Loader(s, 3, 3, 1, 2, 3)) { // resume at epoch 1, batch 2
            List<Batch> got = drain(l);
            assertEquals(4, got.size());
            for (int i = 0; i < 4; i++) assertSame(ref.get(5 + i), got.get(i));
        }
    }

    @Test
    void closeStopsWorkersAndErrorsReachTheCaller() throws Exception {
        TrainSampler s = sampler();
        Loader endless = new Loader(s, 2, 2, 0, 0, Integer.MAX_VALUE);
        for (int i = 0; i < 7; i++) assertNotNull(endless.next());
        endless.close();
        assertFalse(endless.hasNext());
        assertEquals(0, Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("vlunet-loader-") && t.isAlive()).count());

        Files.writeString(root.resolve("dehazing_datasets/clean/img2.png"), "corrupt");
        TrainSampler uncached = new TrainSampler(s.set(), 16, 42, null, null);
        try (Loader l = new Loader(uncached, 10, 1, 0, 0, 1)) {
            ImageException e = assertThrows(ImageException.class, l::next);
            assertTrue(e.getMessage().startsWith(root.resolve("dehazing_datasets/clean/img2.png") + ": "), e.getMessage());
        }
        assertThrows(DatasetException.class, () -> new Loader(s, 11, 0, 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Loader(s, 3, 0, 0, 3, 1));
    }
}
