package org.vlunet.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlunet.data.synth.SynthSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class DatasetWriterTest {
    @TempDir
    Path tmp;

    private Path photos() {
        Path in = tmp.resolve("photos");
        for (int i = 0; i < 5; i++) TestImages.write(TestImages.pattern(80 + 8 * i, 64, i), in.resolve((i < 3 ? "a/" : "b/") + "p" + i + ".png"));
        TestImages.writeText(in.resolve("LICENSES.tsv"), "file\tlicense\n");
        return in;
    }

    private static List<SynthSpec> all() {
        List<SynthSpec> s = new ArrayList<>();
        for (Degradation d : Degradation.values()) s.add(SynthSpec.of(d));
        return s;
    }

    private static Map<String, byte[]> files(Path root) throws Exception {
        Map<String, byte[]> m = new java.util.TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) m.put(root.relativize(p).toString(), Files.readAllBytes(p));
        }
        return m;
    }

    @Test
    void writesTheAuthorsLayoutReproducibly() throws Exception {
        Path in = photos(), out = tmp.resolve("ds");
        DatasetWriter.Report r = DatasetWriter.write(new DatasetWriter.Options(in, out, all(), 0.4, 3, 48, 0, 2, false), null);
        assertEquals(3, r.train());
        assertEquals(2, r.test());
        assertEquals(14, r.lists().size());
        TrainSet t = AuthorsLayout.train(out, Task.NHRBL.classes).check();
        assertEquals(Map.of(Degradation.DENOISE_15, 9, Degradation.DENOISE_25, 9, Degradation.DENOISE_50, 9, Degradation.DERAIN, 360,
                Degradation.DEHAZE, 3, Degradation.DEBLUR, 3, Degradation.DELOWLIGHT, 3), t.counts());
        List<TestSet> sets = AuthorsLayout.test(out, "NHRBL");
        assertEquals(7, sets.size());
        for (TestSet s : sets) {
            assertEquals(2, s.size());
            ImagePair p = s.load(0);
            assertEquals(48, p.width());
            assertEquals(32, p.height()); // 80x64 -> 48x38 -> multiple of 16
        }
        assertTrue(Files.readString(out.resolve("deraining_datasets/Rain100L/train_paths.txt"))
                .startsWith("./deraining_datasets/Rain100L/train/rainy/"));
        assertTrue(Files.isRegularFile(out.resolve("LICENSES.tsv")));

        JsonNode m = new ObjectMapper().readTree(out.resolve("manifest.json").toFile());
        assertEquals(3, m.get("seed").asLong());
        assertEquals(5, m.get("images").size());
        JsonNode img = m.get("images").get(0);
        assertEquals("a/p0.png", img.get("source").asText());
        assertEquals(7, img.get("degraded").size());
        JsonNode haze = img.get("degraded").get(4);
        assertEquals("dehaze", haze.get("degradation").asText());
        assertTrue(haze.get("params").get("beta").asDouble() >= 0.04);
        // Each degraded file is the spec applied to the written clean file with the recorded seed.
        RgbImage clean = ImageCodec.read(out.resolve(haze.get("clean").asText()));
        RgbImage expect = SynthSpec.parse("dehaze").synthesize(clean, haze.get("seed").asLong()).image();
        assertArrayEquals(expect.pixels(), ImageCodec.read(out.resolve(haze.get("file").asText())).pixels());

        Path again = tmp.resolve("again");
        DatasetWriter.write(new DatasetWriter.Options(in, again, all(), 0.4, 3, 48, 0, 1, false), null);
        Map<String, byte[]> a = files(out), b = files(again);
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertArrayEquals(a.get(k), b.get(k), k + " is reproducible");

        Path other = tmp.resolve("other");
        DatasetWriter.write(new DatasetWriter.Options(in, other, List.of(SynthSpec.of(Degradation.DERAIN)), 0.4, 4, 48, 0, 1, false), null);
        String rainA = Files.readString(out.resolve("deraining_datasets/Rain100L/test_paths.txt"));
        String rainB = Files.readString(other.resolve("deraining_datasets/Rain100L/test_paths.txt"));
        assertNotEquals(rainA, rainB, "another seed, another split");
    }

    @Test
    void refusesUnsafeOutputsAndBadOptions() {
        Path in = photos(), out = tmp.resolve("ds");
        TestImages.writeText(out.resolve("something.txt"), "x");
        DatasetException e = assertThrows(DatasetException.class,
                () -> DatasetWriter.write(new DatasetWriter.Options(in, out, all(), 0.5, 0, 0, 0, 1, false), null));
        assertEquals("output " + out + " is not empty; pass --force to write into it", e.getMessage());
        assertThrows(DatasetException.class,
                () -> DatasetWriter.write(new DatasetWriter.Options(in, in.resolve("x"), all(), 0.5, 0, 0, 0, 1, false), null));
        assertThrows(IllegalArgumentException.class, () -> new DatasetWriter.Options(in, out, all(), 1.5, 0, 0, 0, 1, false));
        assertThrows(IllegalArgumentException.class, () -> new DatasetWriter.Options(in, out, all(), 0.5, 0, 0, 8, 1, false));
        assertThrows(IllegalArgumentException.class,
                () -> new DatasetWriter.Options(in, out, List.of(SynthSpec.of(Degradation.DERAIN), SynthSpec.parse("derain:angle=3")), 0.5, 0, 0, 0, 1, false));
    }

    @Test
    void testOnlyDatasetAndCrop() throws Exception {
        Path in = photos(), out = tmp.resolve("samples");
        DatasetWriter.Report r = DatasetWriter.write(new DatasetWriter.Options(in, out, List.of(SynthSpec.of(Degradation.DEHAZE)), 1.0, 0, 0, 32, 1, false), null);
        assertEquals(0, r.train());
        assertEquals(5, r.test());
        assertEquals(List.of("dehazing_datasets/test_paths.txt"), r.lists());
        List<TestSet> sets = AuthorsLayout.test(out, "H");
        assertEquals(32, sets.get(0).load(3).width());
        assertEquals(32, sets.get(0).load(3).height());
        assertArrayEquals(new boolean[] {false, false, false}, DatasetWriter.split(3, 0, 1));
        boolean[] s = DatasetWriter.split(10, 0.01, 1);
        int n = 0;
        for (boolean b : s) if (b) n++;
        assertEquals(1, n, "a positive fraction makes at least one test photo");
    }
}
