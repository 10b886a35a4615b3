package org.vlunet.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The paired-folder layout of Restormer, DGUNet and others: {@code DIR/input/*} and {@code DIR/target/*} matched by
 * file name stem (so {@code 1.jpg} pairs with {@code 1.png}). {@code degraded/} and {@code clean/} are accepted too.
 * The class comes from an option or, failing that, from the folder's name ("Rain100L" is derain); a folder without
 * input/target of its own may hold one such folder per class.
 */
public final class PairFolder {
    private PairFolder() {}

    private static final String[][] SIDES = {{"input", "target"}, {"degraded", "clean"}};

    /** Whether {@code dir} has an input/target (or degraded/clean) pair of subfolders. */
    public static boolean isPairFolder(Path dir) {
        return sides(dir) != null;
    }

    /**
     * All pairs under {@code dir}: its own input/target folders, or else those of each subfolder (one class each).
     * @param degradation the class of every pair, or null to infer it from the folder names
     */
    public static List<PairEntry> scan(Path dir, Degradation degradation) {
        if (!Files.isDirectory(dir)) throw new DatasetException(dir + ": no such folder");
        if (isPairFolder(dir)) return scanOne(dir, degradation != null ? degradation : classOf(dir));
        List<PairEntry> out = new ArrayList<>();
        for (Path sub : list(dir)) {
            if (Files.isDirectory(sub) && isPairFolder(sub)) out.addAll(scanOne(sub, degradation != null ? degradation : classOf(sub)));
        }
        if (out.isEmpty()) {
            throw new DatasetException(dir + ": expected input/ and target/ folders (or one such pair per class subfolder)");
        }
        return out;
    }

    /** A training set of the folder's pairs, repeated per class by {@code repeats} (default 1: no oversampling). */
    public static TrainSet train(Path dir, Degradation degradation, Map<Degradation, Integer> repeats) {
        Map<Degradation, List<PairEntry>> byClass = new TreeMap<>();
        for (PairEntry e : scan(dir, degradation)) byClass.computeIfAbsent(e.degradation(), k -> new ArrayList<>()).add(e);
        Map<Degradation, Integer> r = new TreeMap<>();
        for (Degradation d : byClass.keySet()) r.put(d, repeats.getOrDefault(d, 1));
        return TrainSet.repeated(byClass, r);
    }

    /** One test set per class found, named after its folder. */
    public static List<TestSet> test(Path dir, Degradation degradation) {
        Map<String, List<PairEntry>> bySet = new java.util.LinkedHashMap<>();
        for (PairEntry e : scan(dir, degradation)) {
            String set = e.listedIn().getFileName() + "\u0000" + e.degradation().key;
            bySet.computeIfAbsent(set, k -> new ArrayList<>()).add(e);
        }
        List<TestSet> out = new ArrayList<>();
        for (List<PairEntry> l : bySet.values()) {
            Degradation d = l.get(0).degradation();
            out.add(new TestSet(l.get(0).listedIn().getFileName().toString(), TestSet.typeOf(d), d, l));
        }
        return out;
    }

    private static List<PairEntry> scanOne(Path dir, Degradation d) {
        String[] s = sides(dir);
        Map<String, Path> in = byStem(dir.resolve(s[0])), tg = byStem(dir.resolve(s[1]));
        List<String> unmatched = new ArrayList<>();
        for (String k : in.keySet()) if (!tg.containsKey(k)) unmatched.add(in.get(k) + " has no " + s[1] + " with the same name");
        for (String k : tg.keySet()) if (!in.containsKey(k)) unmatched.add(tg.get(k) + " has no " + s[0] + " with the same name");
        if (!unmatched.isEmpty()) {
            throw new DatasetException(unmatched.size() + " unmatched image" + (unmatched.size() == 1 ? "" : "s") + " in " + dir + ": "
                    + DataCheck.summarise(unmatched, null), unmatched);
        }
        if (in.isEmpty()) throw new DatasetException(dir.resolve(s[0]) + ": no images (expected .png, .jpg, .jpeg, .bmp, .tif or .tiff)");
        List<PairEntry> out = new ArrayList<>();
        for (String k : in.keySet()) out.add(new PairEntry(in.get(k), tg.get(k), d, dir, 0));
        return out;
    }

    private static String[] sides(Path dir) {
        for (String[] s : SIDES) if (Files.isDirectory(dir.resolve(s[0])) && Files.isDirectory(dir.resolve(s[1]))) return s;
        return null;
    }

    /** Images in a folder (not recursive) by lower-cased stem, sorted; two files of one stem are an error. */
    static Map<String, Path> byStem(Path dir) {
        Map<String, Path> m = new TreeMap<>();
        for (Path p : list(dir)) {
            if (!isImage(p)) continue;
            String name = p.getFileName().toString();
            String stem = name.substring(0, name.lastIndexOf('.')).toLowerCase(Locale.ROOT);
            Path old = m.put(stem, p);
            if (old != null) throw new DatasetException(dir + ": " + old.getFileName() + " and " + name + " have the same name stem");
        }
        return m;
    }

    static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.startsWith(".") || !Files.isRegularFile(p)) return false;
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".bmp") || n.endsWith(".tif") || n.endsWith(".tiff");
    }

    static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new DatasetException(dir + ": cannot list folder (" + e.getMessage() + ")");
        }
    }

    /** The class a folder's name suggests: a class key, or a public set's or degradation's name. */
    public static Degradation classOf(Path dir) {
        Path f = dir.toAbsolutePath().normalize().getFileName();
        String n = f == null ? "" : f.toString().toLowerCase(Locale.ROOT);
        for (Degradation d : Degradation.values()) if (n.equals(d.key)) return d;
        if (n.matches(".*(noise|sigma|cbsd|bsd|urban|kodak|mcmaster).*")) {
            if (n.matches(".*\\D15(\\D.*|$)|^15\\D.*")) return Degradation.DENOISE_15;
            if (n.matches(".*\\D25(\\D.*|$)|^25\\D.*")) return Degradation.DENOISE_25;
            if (n.matches(".*\\D50(\\D.*|$)|^50\\D.*")) return Degradation.DENOISE_50;
        }
        if (n.contains("rain")) return Degradation.DERAIN;
        if (n.contains("haz") || n.contains("fog") || n.contains("sots") || n.contains("reside")) return Degradation.DEHAZE;
        if (n.contains("blur") || n.contains("gopro")) return Degradation.DEBLUR;
        if (n.contains("lol") || n.contains("lowlight") || n.contains("low_light") || n.contains("low-light") || n.contains("dark")) {
            return Degradation.DELOWLIGHT;
        }
        List<String> keys = new ArrayList<>();
        for (Degradation d : Degradation.values()) keys.add(d.key);
        throw new DatasetException(dir + ": cannot tell the degradation class from the folder name; give it with --de_type ("
                + String.join(", ", keys) + ")");
    }
}
