package org.vlunet.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class PairListTest {
    @TempDir
    Path root;

    @Test
    void pathRuleBlankLinesAndLineNumbers() {
        Path abs = root.resolve("elsewhere/x.png").toAbsolutePath();
        Path list = root.resolve("denoising_datasets/15_train_paths.txt");
        TestImages.writeText(list, "\uFEFF./denoising_datasets/a/noisy.png,./denoising_datasets/a/clean.png\r\n"
                + "\n   \n"
                + "  ./b/n.png , ./b/c.png  \r\n"
                + abs + "," + "rel/c.png\n");
        List<PairEntry> e = PairList.read(list, root, Degradation.DENOISE_15);
        assertEquals(3, e.size());
        assertEquals(root.resolve("denoising_datasets/a/noisy.png"), e.get(0).degraded());
        assertEquals(root.resolve("denoising_datasets/a/clean.png"), e.get(0).clean());
        assertEquals(1, e.get(0).line());
        assertEquals(root.resolve("b/n.png"), e.get(1).degraded());
        assertEquals(root.resolve("b/c.png"), e.get(1).clean());
        assertEquals(4, e.get(1).line());
        assertEquals(abs, e.get(2).degraded());
        assertEquals(root.resolve("rel/c.png"), e.get(2).clean());
        assertEquals(5, e.get(2).line());
        assertEquals(list, e.get(2).listedIn());
        assertEquals(Degradation.DENOISE_15, e.get(2).degradation());
    }

    @Test
    void theOriginalsRootReplacementGivesTheSamePath() {
        // The original turned "./x" into "./datasets/x" by replacing the line's first '.'.
        String line = "./deraining_datasets/Rain100L/train/rain-1.png";
        Path original = Path.of(line.replaceFirst("\\.", "./datasets")).normalize();
        assertEquals(original, PairList.resolve(line, Path.of("datasets")));
    }

    @Test
    void everyMalformedLineIsReportedWithFileAndLine() {
        Path list = root.resolve("l.txt");
        TestImages.writeText(list, "./a.png,./b.png\nonly-one-path.png\n./a,./b,./c\n\n,./b.png\n./ok.png,./ok2.png\n");
        DatasetException e = assertThrows(DatasetException.class, () -> PairList.read(list, root, Degradation.DERAIN));
        assertEquals(3, e.problems().size());
        assertTrue(e.getMessage().startsWith("3 malformed lines in " + list), e.getMessage());
        assertTrue(e.problems().get(0).contains(list + " line 2"), e.problems().get(0));
        assertTrue(e.problems().get(1).contains("line 3"));
        assertTrue(e.problems().get(2).contains("line 5"));
        assertTrue(e.getMessage().contains("expected 'degraded,clean'"));
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void missingListFile() {
        DatasetException e = assertThrows(DatasetException.class, () -> PairList.read(root.resolve("nope.txt"), root, Degradation.DERAIN));
        assertTrue(e.getMessage().contains("nope.txt: no such list file"));
    }

    @Test
    void formatWritesDotSlashRelativeLines() {
        String text = PairList.format(List.<Path[]>of(new Path[] {root.resolve("d/a.png"), root.resolve("c/a.png")}), root);
        assertEquals("./d/a.png,./c/a.png\n", text);
        TestImages.writeText(root.resolve("x.txt"), text);
        assertEquals(root.resolve("d/a.png"), PairList.read(root.resolve("x.txt"), root, Degradation.DEHAZE).get(0).degraded());
    }
}
