package org.vlunet.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlunet.data.synth.SynthSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class FoldersTest {
    @TempDir
    Path root;

    private void pairFolder(Path dir, int n) {
        for (int i = 0; i < n; i++) {
            RgbImage c = TestImages.pattern(32, 32, i);
            TestImages.write(TestImages.inverted(c), dir.resolve("input/" + i + ".png"));
            TestImages.write(c, dir.resolve("target/" + i + ".png"));
        }
    }

    @Test
    void pairFolderMatchesByStemWithClassFromOptionOrName() throws Exception {
        Path rain = root.resolve("Rain100L");
        pairFolder(rain, 3);
        // a target in another format still pairs by stem
        Files.delete(rain.resolve("target/2.png"));
        javax.imageio.ImageIO.write(ImageCodec.toBuffered(TestImages.pattern(32, 32, 2)), "bmp", rain.resolve("target/2.bmp").toFile());
        List<PairEntry> e = PairFolder.scan(rain, null);
        assertEquals(3, e.size());
        assertEquals(Degradation.DERAIN, e.get(0).degradation());
        assertEquals(rain.resolve("target/2.bmp"), e.get(2).clean());
        assertEquals(Degradation.DEBLUR, PairFolder.scan(rain, Degradation.DEBLUR).get(0).degradation());
        ImagePair p = e.get(1).load(null);
        TestImages.assertSameImage(TestImages.inverted(p.clean()), p.degraded(), "pair order");

        // A root of class folders.
        pairFolder(root.resolve("SOTS-outdoor"), 2);
        pairFolder(root.resolve("noise_sigma25"), 1);
        TrainSet t = PairFolder.train(root, null, Map.of(Degradation.DERAIN, 4));
        assertEquals(Map.of(Degradation.DENOISE_25, 1, Degradation.DERAIN, 12, Degradation.DEHAZE, 2), t.counts());
        List<TestSet> sets = PairFolder.test(root, null);
        assertEquals(List.of("Rain100L Derain", "SOTS-outdoor Dehaze", "noise_sigma25 Denoise25"),
                sets.stream().map(s -> s.name() + " " + s.type()).toList());
        assertEquals(rain.resolve("input/0.png"), sets.get(0).file(0));
    }

    @Test
    void unmatchedFilesAndUnknownNamesAreReported() {
        Path d = root.resolve("mine");
        pairFolder(d, 2);
        TestImages.write(TestImages.pattern(16, 16, 0), d.resolve("input/extra.png"));
        TestImages.write(TestImages.pattern(16, 16, 0), d.resolve("target/lonely.png"));
        DatasetException e = assertThrows(DatasetException.class, () -> PairFolder.scan(d, Degradation.DERAIN));
        assertEquals(2, e.problems().size());
        assertTrue(e.getMessage().startsWith("2 unmatched images in " + d + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("extra.png has no target with the same name"));
        assertTrue(e.getMessage().contains("lonely.png has no input with the same name"));
        DatasetException n = assertThrows(DatasetException.class, () -> PairFolder.classOf(d));
        assertTrue(n.getMessage().contains("cannot tell the degradation class from the folder name; give it with --de_type"), n.getMessage());
        assertEquals(Degradation.DENOISE_15, PairFolder.classOf(Path.of("CBSD68_15")));
        assertEquals(Degradation.DENOISE_50, PairFolder.classOf(Path.of("noise50")));
        assertEquals(Degradation.DELOWLIGHT, PairFolder.classOf(Path.of("LOL")));
        assertEquals(Degradation.DEBLUR, PairFolder.classOf(Path.of("GoPro")));
        assertEquals(Degradation.DEHAZE, PairFolder.classOf(Path.of("dehaze")));
        assertThrows(DatasetException.class, () -> PairFolder.scan(root.resolve("absent"), null));
    }

    @Test
    void cleanFolderSynthesisesDeterministically() {
        Path d = root.resolve("photos");
        for (int i = 0; i < 3; i++) TestImages.write(TestImages.pattern(40, 40, i), d.resolve("sub" + (i % 2) + "/p" + i + ".png"));
        List<SynthSpec> specs = List.of(SynthSpec.parse("denoise_25"), SynthSpec.parse("dehaze:beta=0.1"));
        TrainSet t = CleanFolder.train(d, specs, 9, Map.of());
        assertEquals(6, t.size());
        assertEquals(Degradation.DEHAZE, t.get(3).degradation());
        ImagePair a = t.get(1).load(null), b = CleanFolder.train(d, specs, 9, Map.of()).get(1).load(new ImageCache(1 << 20));
        assertEquals(32, a.width()); // centre crop to a multiple of 16
        TestImages.assertSameImage(a.degraded(), b.degraded(), "same seed and index");
        TestImages.assertSameImage(TestImages.pattern(40, 40, 2).cropToMultiple(16), a.clean(), "clean side (sorted by path: sub0/p0, sub0/p2, sub1/p1)");
        ImagePair other = CleanFolder.train(d, specs, 10, Map.of()).get(1).load(null);
        assertFalse(Arrays.equals(a.degraded().pixels(), other.degraded().pixels()), "another seed");
        assertFalse(Arrays.equals(a.degraded().pixels(), t.get(0).load(null).degraded().pixels()));
        // On the fly equals the spec applied to the cropped clean image with the image's seed.
        SynthEntry s = (SynthEntry) t.get(1);
        assertEquals(CleanFolder.imageSeed(9, Degradation.DENOISE_25, 1), s.seed());
        TestImages.assertSameImage(specs.get(0).synthesize(a.clean(), s.seed()).image(), a.degraded(), "synthesis");
        assertEquals(2, CleanFolder.test(d, specs, 9).size());
        assertEquals(d.resolve("sub0/p2.png"), CleanFolder.test(d, specs, 9).get(0).file(1));
    }
}
