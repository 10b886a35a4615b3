package org.vlunet.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/** Image files in a folder (by extension; hidden and temporary files skipped) and file-name stems. */
public final class ImageFiles {
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "tif", "tiff", "gif");

    private ImageFiles() {}

    public static boolean isImage(Path p) {
        String n = p.getFileName().toString();
        if (n.startsWith(".")) return false;
        int dot = n.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT)) && Files.isRegularFile(p);
    }

    /** The image files directly inside {@code dir}, sorted by name. */
    public static List<Path> list(Path dir, String what) {
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(what + " " + dir + ": not a folder");
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(ImageFiles::isImage).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(what + " " + dir + ": cannot list (" + e.getMessage() + ")", e);
        }
    }

    /** "0001.png" → "0001". */
    public static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
