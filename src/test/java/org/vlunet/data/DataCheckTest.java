package org.vlunet.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class DataCheckTest {
    @TempDir
    Path root;

    @Test
    void allMissingAndUnreadableFilesAreReportedAtOnce() throws Exception {
        TestImages.pairs(root, "deraining_datasets/Rain100L", AuthorsLayout.trainList(Degradation.DERAIN), 3, 32, 32, 1);
        TestImages.pairs(root, "dehazing_datasets", AuthorsLayout.trainList(Degradation.DEHAZE), 4, 32, 32, 2);
        Files.delete(root.resolve("deraining_datasets/Rain100L/deg/img1.png"));
        Files.delete(root.resolve("deraining_datasets/Rain100L/clean/img2.png"));
        Files.write(root.resolve("dehazing_datasets/deg/img0.png"), new byte[0]);
        Files.delete(root.resolve("dehazing_datasets/clean/img3.png"));
        Files.createDirectory(root.resolve("dehazing_datasets/clean/img3.png"));
        Files.delete(root.resolve("dehazing_datasets/deg/img2.png"));
        Files.delete(root.resolve("dehazing_datasets/clean/img2.png"));
        TrainSet t = AuthorsLayout.train(root, List.of(Degradation.DERAIN, Degradation.DEHAZE));
        DatasetException e = assertThrows(DatasetException.class, t::check);
        List<String> p = e.problems();
        assertEquals(6, p.size(), String.join("\n", p)); // each file once despite the x120 repeat
        Path rainList = root.resolve(AuthorsLayout.trainList(Degradation.DERAIN));
        assertEquals(root.resolve("deraining_datasets/Rain100L/deg/img1.png") + ": missing (" + rainList + " line 2)", p.get(0));
        assertEquals(root.resolve("deraining_datasets/Rain100L/clean/img2.png") + ": missing (" + rainList + " line 3)", p.get(1));
        assertTrue(p.get(2).contains("dehazing_datasets/deg/img0.png: empty"), p.get(2));
        assertTrue(p.get(3).contains("img2.png: missing"));
        assertTrue(p.get(5).contains("clean/img3.png: not a regular file") && p.get(5).endsWith("line 4)"), p.get(5));
        String m = e.getMessage();
        assertTrue(m.startsWith("6 listed files are missing or unreadable: "), m);
        assertFalse(m.contains("\n"));
        int at = m.indexOf("(all listed in ");
        assertTrue(m.contains("; and 1 more (all listed in "), m);
        Path report = Path.of(m.substring(at + "(all listed in ".length(), m.length() - 1));
        assertEquals(p, Files.readAllLines(report));
        Files.delete(report);
    }

    @Test
    void fewProblemsAreAllInTheMessageAndHeadersAreOptional() throws Exception {
        TestImages.pairs(root, "d", "list.txt", 2, 16, 16, 3);
        Files.writeString(root.resolve("d/clean/img1.png"), "this is not a png");
        List<Example> ex = new ArrayList<>(PairList.read(root.resolve("list.txt"), root, Degradation.DEBLUR));
        DataCheck.requireReadable(ex); // exists and non-empty: fine without headers
        DatasetException e = assertThrows(DatasetException.class, () -> DataCheck.requireReadable(ex, true));
        assertEquals("1 listed file is missing or unreadable: " + root.resolve("d/clean/img1.png")
                + ": not a readable image (expected PNG, JPEG, BMP or TIFF) (" + root.resolve("list.txt") + " line 2)", e.getMessage());
    }

    @Test
    void thoroughCheckFindsSizeMismatchesAndSmallImages() {
        TestImages.pairs(root, "d", "list.txt", 4, 40, 40, 5);
        TestImages.write(TestImages.pattern(24, 40, 1), root.resolve("d/clean/img1.png"));   // 16x32 vs 32x32 after the crop
        TestImages.write(TestImages.pattern(20, 20, 2), root.resolve("d/deg/img2.png"));
        TestImages.write(TestImages.pattern(20, 20, 2), root.resolve("d/clean/img2.png"));   // 16x16 < 32
        TestImages.write(TestImages.pattern(47, 40, 3), root.resolve("d/clean/img3.png"));   // 32x32 either way: fine
        TrainSet t = TrainSet.of(PairList.read(root.resolve("list.txt"), root, Degradation.DEBLUR));
        t.check(); // files exist
        DatasetException e = assertThrows(DatasetException.class, () -> t.check(32));
        assertEquals(2, e.problems().size(), e.getMessage());
        assertEquals(root.resolve("d/deg/img1.png") + " is 40x40 but " + root.resolve("d/clean/img1.png") + " is 24x40 ("
                + root.resolve("list.txt") + " line 2)", e.problems().get(0));
        assertEquals(root.resolve("d/deg/img2.png") + " is 20x20, under the 32x32 patch after the centre crop to a multiple of 16 ("
                + root.resolve("list.txt") + " line 3)", e.problems().get(1));
        assertTrue(e.getMessage().startsWith("2 listed files are unusable for training: "), e.getMessage());
        assertEquals(1, assertThrows(DatasetException.class, () -> t.check(16)).problems().size(), "16x16 is enough for a 16 patch");
    }
}
