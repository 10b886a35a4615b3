package org.vlunet.data;

import org.vlunet.util.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The check before anything runs: every file a dataset names exists, is a readable non-empty file (and, if asked,
 * has a decodable image header). All problems are reported in one exception, not just the first.
 */
public final class DataCheck {
    private DataCheck() {}

    /** How many problems the one-line message spells out before pointing to the full report. */
    static final int SHOWN = 5;

    public static void requireReadable(Collection<? extends Example> examples) {
        requireReadable(examples, false);
    }

    /** @param headers also open each distinct file's image header (slower: one open and a few reads per file) */
    public static void requireReadable(Collection<? extends Example> examples, boolean headers) {
        fail(problems(examples, headers), " missing or unreadable: ");
    }

    /**
     * The thorough check before training: every file readable with a decodable header, each pair's two sides of
     * one size, and each image at least {@code patch}×{@code patch} after the centre crop to a multiple of 16. Reads
     * headers only (no pixels); all problems in one exception.
     */
    public static void requireUsable(Collection<? extends Example> examples, int patch) {
        List<String> problems = problems(examples, true);
        if (problems.isEmpty()) {
            Map<Path, int[]> sizes = new java.util.HashMap<>();
            java.util.Set<List<Path>> seen = new java.util.HashSet<>();
            for (Example e : examples) {
                List<FileRef> f = e.files();
                if (!seen.add(f.stream().map(FileRef::file).toList())) continue;
                int[] a = sizes.computeIfAbsent(f.get(0).file(), ImageCodec::readSize);
                if (f.size() > 1) {
                    int[] b = sizes.computeIfAbsent(f.get(1).file(), ImageCodec::readSize);
                    if (cropped(a[0]) != cropped(b[0]) || cropped(a[1]) != cropped(b[1])) {
                        problems.add(f.get(0).file() + " is " + a[0] + "x" + a[1] + " but " + f.get(1).file() + " is " + b[0] + "x" + b[1]
                                + " (" + f.get(0).where() + ")");
                        continue;
                    }
                }
                if (cropped(a[0]) < patch || cropped(a[1]) < patch) {
                    problems.add(f.get(0).file() + " is " + a[0] + "x" + a[1] + ", under the " + patch + "x" + patch
                            + " patch after the centre crop to a multiple of 16 (" + f.get(0).where() + ")");
                }
            }
        }
        fail(problems, " unusable for training: ");
    }

    private static int cropped(int n) {
        return n - n % Example.MULTIPLE;
    }

    private static void fail(List<String> problems, String what) {
        if (problems.isEmpty()) return;
        Path report = null;
        if (problems.size() > SHOWN) {
            try {
                report = Files.createTempFile("vlunet-missing-files-", ".txt");
                AtomicFiles.writeString(report, String.join("\n", problems) + "\n");
            } catch (IOException e) {
                report = null;
            }
        }
        throw new DatasetException(problems.size() + " listed file" + (problems.size() == 1 ? " is" : "s are")
                + what + summarise(problems, report), problems);
    }

    /** One line per bad file ("PATH: what (LIST line N)"), each distinct file once, in listing order. */
    public static List<String> problems(Collection<? extends Example> examples, boolean headers) {
        Map<Path, FileRef> files = new LinkedHashMap<>();
        for (Example e : examples) for (FileRef f : e.files()) files.putIfAbsent(f.file(), f);
        List<String> out = new ArrayList<>();
        for (FileRef f : files.values()) {
            String what = problem(f.file(), headers);
            if (what != null) out.add(f.file() + ": " + what + " (" + f.where() + ")");
        }
        return out;
    }

    private static String problem(Path p, boolean headers) {
        if (!Files.exists(p)) return "missing";
        if (!Files.isRegularFile(p)) return "not a regular file";
        if (!Files.isReadable(p)) return "not readable";
        try {
            if (Files.size(p) == 0) return "empty";
        } catch (IOException e) {
            return "not readable (" + e.getMessage() + ")";
        }
        if (headers) {
            try {
                ImageCodec.readSize(p);
            } catch (ImageException e) {
                String m = e.getMessage();
                return m.startsWith(p + ": ") ? m.substring(p.toString().length() + 2) : m;
            }
        }
        return null;
    }

    /** The first few items on one line, then how many more and where they all are. */
    static String summarise(List<String> items, Path report) {
        return summarise(items, report, SHOWN);
    }

    static String summarise(List<String> items, Path report, int shown) {
        int n = Math.min(items.size(), shown);
        StringBuilder b = new StringBuilder(String.join("; ", items.subList(0, n)));
        if (items.size() > n) {
            b.append("; and ").append(items.size() - n).append(" more");
            if (report != null) b.append(" (all listed in ").append(report).append(')');
        }
        return b.toString();
    }
}
