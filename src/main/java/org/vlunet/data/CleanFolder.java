package org.vlunet.data;

import org.vlunet.data.synth.SynthSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A folder of clean photos and degradation specs: each photo gives one example per spec, its degraded side
 * synthesised on the fly, seeded by (seed, class id, image index) so a run is reproducible.
 */
public final class CleanFolder {
    private CleanFolder() {}

    /** The images under {@code dir} (recursively), sorted by path. */
    public static List<Path> images(Path dir) {
        if (!Files.isDirectory(dir)) throw new DatasetException(dir + ": no such folder");
        List<Path> out;
        try (Stream<Path> s = Files.walk(dir)) {
            out = s.filter(PairFolder::isImage).sorted().toList();
        } catch (IOException e) {
            throw new DatasetException(dir + ": cannot list folder (" + e.getMessage() + ")");
        }
        if (out.isEmpty()) throw new DatasetException(dir + ": no images (expected .png, .jpg, .jpeg, .bmp, .tif or .tiff)");
        return out;
    }

    /** The seed of image {@code index}'s degradation for a spec's class. */
    public static long imageSeed(long seed, Degradation d, int index) {
        return Rng.of(seed, d.id, index).nextLong();
    }

    public static List<SynthEntry> entries(Path dir, SynthSpec spec, long seed) {
        List<Path> imgs = images(dir);
        List<SynthEntry> out = new ArrayList<>();
        for (int i = 0; i < imgs.size(); i++) out.add(new SynthEntry(imgs.get(i), spec, imageSeed(seed, spec.degradation, i), dir));
        return out;
    }

    /** Training examples for each spec (classes in the given order), repeated by {@code repeats} (default 1). */
    public static TrainSet train(Path dir, List<SynthSpec> specs, long seed, Map<Degradation, Integer> repeats) {
        if (specs.isEmpty()) throw new DatasetException("no degradations to synthesise for " + dir);
        Map<Degradation, List<SynthEntry>> byClass = new LinkedHashMap<>();
        Map<Degradation, Integer> r = new LinkedHashMap<>();
        for (SynthSpec s : specs) {
            if (byClass.containsKey(s.degradation)) throw new DatasetException("degradation " + s.degradation.key + " is given twice");
            byClass.put(s.degradation, entries(dir, s, seed));
            r.put(s.degradation, repeats.getOrDefault(s.degradation, 1));
        }
        return TrainSet.repeated(byClass, r);
    }

    /** One test set per spec, named after the folder. */
    public static List<TestSet> test(Path dir, List<SynthSpec> specs, long seed) {
        List<TestSet> out = new ArrayList<>();
        Path f = dir.toAbsolutePath().normalize().getFileName();
        for (SynthSpec s : specs) {
            out.add(new TestSet(f == null ? "images" : f.toString(), TestSet.typeOf(s.degradation), s.degradation, entries(dir, s, seed)));
        }
        return out;
    }
}
