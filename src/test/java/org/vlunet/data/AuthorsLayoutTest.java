package org.vlunet.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.vlunet.data.Degradation.*;

class AuthorsLayoutTest {
    @TempDir
    Path root;

    /** Lists only (no images): two pairs per training list, one per test list. */
    private void lists(boolean urban) {
        for (Degradation d : Degradation.values()) {
            String dir = AuthorsLayout.dir(d);
            TestImages.writeText(root.resolve(AuthorsLayout.trainList(d)), "./" + dir + "/x1.png,./" + dir + "/y1.png\n./"
                    + dir + "/x2.png,./" + dir + "/y2.png\n");
            TestImages.writeText(root.resolve(AuthorsLayout.testList(d)), "./" + dir + "/t.png,./" + dir + "/u.png\n");
        }
        if (urban) {
            for (int s : new int[] {15, 25, 50}) {
                TestImages.writeText(root.resolve("denoising_datasets/Urban100_HR/" + s + "_test_paths.txt"), "./a.png,./b.png\n");
            }
        }
    }

    @Test
    void listFileNamesAreTheAuthors() {
        assertEquals("denoising_datasets/15_train_paths.txt", AuthorsLayout.trainList(DENOISE_15));
        assertEquals("denoising_datasets/50_train_paths.txt", AuthorsLayout.trainList(DENOISE_50));
        assertEquals("deraining_datasets/Rain100L/train_paths.txt", AuthorsLayout.trainList(DERAIN));
        assertEquals("dehazing_datasets/train_paths.txt", AuthorsLayout.trainList(DEHAZE));
        assertEquals("deblurring_datasets/GoPro/train_paths.txt", AuthorsLayout.trainList(DEBLUR));
        assertEquals("delowlight_datasets/LoL/train_paths.txt", AuthorsLayout.trainList(DELOWLIGHT));
        assertEquals("denoising_datasets/CBSD68/25_test_paths.txt", AuthorsLayout.testList(DENOISE_25));
        assertEquals("dehazing_datasets/test_paths.txt", AuthorsLayout.testList(DEHAZE));
        assertEquals("deraining_datasets/Rain100L/test_paths.txt", AuthorsLayout.testList(DERAIN));
        assertEquals("deblurring_datasets/GoPro/test_paths.txt", AuthorsLayout.testList(DEBLUR));
        assertEquals("delowlight_datasets/LoL/test_paths.txt", AuthorsLayout.testList(DELOWLIGHT));
    }

    @Test
    void trainingOversamplesNoiseThreeAndRainOneHundredTwenty() {
        lists(false);
        TrainSet t = AuthorsLayout.train(root, Task.NHR.classes);
        Map<Degradation, Integer> c = t.counts();
        assertEquals(6, c.get(DENOISE_15));
        assertEquals(6, c.get(DENOISE_25));
        assertEquals(6, c.get(DENOISE_50));
        assertEquals(240, c.get(DERAIN));
        assertEquals(2, c.get(DEHAZE));
        assertEquals(260, t.size());
        assertEquals(10, t.distinct().size());
        // Classes in order, each list repeated whole: x1 x2 x1 x2 x1 x2 for denoise_15.
        assertEquals(root.resolve("denoising_datasets/x1.png"), ((PairEntry) t.get(0)).degraded());
        assertEquals(root.resolve("denoising_datasets/x2.png"), ((PairEntry) t.get(1)).degraded());
        assertEquals(root.resolve("denoising_datasets/x1.png"), ((PairEntry) t.get(2)).degraded());
        assertEquals(DENOISE_25, t.get(6).degradation());
        assertEquals(DERAIN, t.get(18).degradation());
        assertEquals(DEHAZE, t.get(258).degradation());
        assertTrue(t.summary().contains("derain 240 (2 x120)"), t.summary());

        TrainSet o = AuthorsLayout.train(root, List.of(DERAIN, DEBLUR), Map.of(DERAIN, 5));
        assertEquals(10, o.counts().get(DERAIN));
        assertEquals(2, o.counts().get(DEBLUR));
    }

    @Test
    void missingTrainingListsAreAllNamed() {
        TestImages.writeText(root.resolve(AuthorsLayout.trainList(DENOISE_15)), "./a,./b\n");
        DatasetException e = assertThrows(DatasetException.class, () -> AuthorsLayout.train(root, Task.NHRBL.classes));
        assertEquals(6, e.problems().size());
        assertTrue(e.getMessage().contains("25_train_paths.txt"));
        assertTrue(e.getMessage().contains("LoL/train_paths.txt (delowlight)"), e.getMessage());
    }

    @Test
    void tasksMapToTheirTestSets() {
        lists(false);
        assertEquals(List.of("CBSD68 Denoise15", "CBSD68 Denoise25", "CBSD68 Denoise50"), names(AuthorsLayout.test(root, "N")));
        assertEquals(List.of("SOTS Dehaze"), names(AuthorsLayout.test(root, "H")));
        assertEquals(List.of("Rain100L Derain"), names(AuthorsLayout.test(root, "R")));
        assertEquals(List.of("GoPro Deblur"), names(AuthorsLayout.test(root, "B")));
        assertEquals(List.of("LOL Delowlight"), names(AuthorsLayout.test(root, "l")));
        assertEquals(List.of("CBSD68 Denoise15", "CBSD68 Denoise25", "CBSD68 Denoise50", "SOTS Dehaze", "Rain100L Derain"),
                names(AuthorsLayout.test(root, "NHR")));
        List<TestSet> all = AuthorsLayout.test(root, "NHRBL");
        assertEquals(7, all.size());
        assertEquals(DELOWLIGHT, all.get(6).degradation());
        assertEquals(root.resolve("delowlight_datasets/LoL/t.png"), ((PairEntry) all.get(6).pairs().get(0)).degraded());
        assertEquals(Task.NHRBL.classes, List.of(Degradation.values()));

        lists(true);
        assertEquals(List.of("CBSD68 Denoise15", "CBSD68 Denoise25", "CBSD68 Denoise50", "Urban100 Denoise15", "Urban100 Denoise25",
                "Urban100 Denoise50"), names(AuthorsLayout.test(root, "N")));
    }

    @Test
    void unknownTaskAndMissingTestLists() {
        DatasetException e = assertThrows(DatasetException.class, () -> AuthorsLayout.test(root, "NHRX"));
        assertEquals("unknown task 'NHRX' (known: N, H, R, B, L, NHR, NHRBL)", e.getMessage());
        DatasetException m = assertThrows(DatasetException.class, () -> AuthorsLayout.test(root, "NHR"));
        assertEquals(5, m.problems().size()); // Urban100 is optional
        assertTrue(m.getMessage().startsWith("5 test lists are missing for task NHR"), m.getMessage());
        assertTrue(m.getMessage().contains("Rain100L/test_paths.txt (Rain100L Derain)"), m.getMessage());
    }

    private static List<String> names(List<TestSet> sets) {
        return sets.stream().map(s -> s.name() + " " + s.type()).toList();
    }
}
