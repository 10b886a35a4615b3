package org.vlunet.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The authors' list files: one {@code degraded,clean} pair per line, paths written relative to the datasets root
 * with a leading {@code ./} (the original code replaced the line's first '.' by its root). Blank lines are
 * ignored; every malformed line is reported at once, with file and line.
 */
public final class PairList {
    private PairList() {}

    public static List<PairEntry> read(Path listFile, Path datasetsRoot, Degradation degradation) {
        if (!Files.isRegularFile(listFile)) throw new DatasetException(listFile + ": no such list file");
        List<String> lines;
        try {
            lines = Files.readAllLines(listFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DatasetException(listFile + ": cannot read list file (" + e.getMessage() + ")");
        }
        List<PairEntry> out = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (n == 0 && line.startsWith("\uFEFF")) line = line.substring(1).strip();
            if (line.isEmpty()) continue;
            String[] f = line.split(",", -1);
            if (f.length != 2 || f[0].isBlank() || f[1].isBlank()) {
                bad.add(listFile + " line " + (n + 1) + ": expected 'degraded,clean', got '" + abbreviate(line) + "'");
                continue;
            }
            out.add(new PairEntry(resolve(f[0].strip(), datasetsRoot), resolve(f[1].strip(), datasetsRoot), degradation, listFile, n + 1));
        }
        if (!bad.isEmpty()) {
            throw new DatasetException(bad.size() + " malformed line" + (bad.size() == 1 ? "" : "s") + " in " + listFile
                    + ": " + DataCheck.summarise(bad, null), bad);
        }
        return out;
    }

    /**
     * The path rule: {@code ./x} is {@code root/x}; an absolute path stays; any other relative path is also taken
     * against the root (the lists were written for running from the folder above {@code datasets}).
     */
    public static Path resolve(String entry, Path datasetsRoot) {
        String e = entry.replace('\\', '/');
        while (e.startsWith("./")) e = e.substring(2);
        Path p = Path.of(e);
        return p.isAbsolute() ? p : datasetsRoot.resolve(p).normalize();
    }

    /** Writes a list in the authors' form ({@code ./}-relative to the root where possible). */
    public static String format(List<Path[]> pairs, Path datasetsRoot) {
        StringBuilder b = new StringBuilder();
        Path root = datasetsRoot.toAbsolutePath().normalize();
        for (Path[] p : pairs) b.append(relative(p[0], root)).append(',').append(relative(p[1], root)).append('\n');
        return b.toString();
    }

    static String relative(Path p, Path root) {
        Path a = p.toAbsolutePath().normalize();
        if (!a.startsWith(root)) return a.toString();
        return "./" + root.relativize(a).toString().replace('\\', '/');
    }

    private static String abbreviate(String s) {
        return s.length() > 120 ? s.substring(0, 117) + "..." : s;
    }
}
