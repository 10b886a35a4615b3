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
}
