package org.vlunet.util;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;

/** Outputs are written to a temporary name beside the target and moved into place, so a crash loses nothing. */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFiles() {}

    /**
     * Every temporary file of this tool ends so ({@code .<target name>.<random digits>.vlunet.tmp}): after a kill
     * mid-write, {@link #removeStale} can tell them from anyone else's files.
     */
    public static final String TEMP_SUFFIX = ".vlunet.tmp";
    private static final java.util.regex.Pattern TEMP = java.util.regex.Pattern.compile("\\..+\\.\\d+" + java.util.regex.Pattern.quote(TEMP_SUFFIX));

    /** Something that writes a file's content. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    public static void write(Path target, Writer writer) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = newTemporary(dir, target.getFileName().toString());
        try {
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                writer.write(out);
            }
            moveIntoPlace(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Deletes the temporary files an interrupted write of this tool left in {@code dir} (not in its subfolders),
     * and returns them; files of any other naming are never touched. For a folder only one run writes into.
     */
    public static java.util.List<Path> removeStale(Path dir) {
        java.util.List<Path> removed = new java.util.ArrayList<>();
        if (!Files.isDirectory(dir)) return removed;
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> isTemp(p) && Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).sorted().toList()) {
                if (Files.deleteIfExists(p)) removed.add(p);
            }
        } catch (IOException e) {
            // a folder that cannot be listed or cleaned is no reason to stop: the write itself will say what is wrong
        }
        return removed;
    }

    /** One line for the user, or null when nothing was removed. */
    public static String removedLine(Path dir, java.util.List<Path> removed) {
        return removed.isEmpty() ? null : "removed " + removed.size() + " temporary file(s) left by an interrupted write in " + dir
                + " (" + removed.get(0).getFileName() + (removed.size() > 1 ? ", ..." : "") + ")";
    }

    static boolean isTemp(Path p) {
        Path n = p.getFileName();
        return n != null && TEMP.matcher(n.toString()).matches();
    }

    /**
     * An empty ".NAME.DIGITS.vlunet.tmp" beside the target. Not Files.createTempFile: its files are private (0600) whatever
     * the umask, and the moved file keeps that mode; a plain create gets the mode every other file of the user gets.
     */
    static Path newTemporary(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve("." + name + "." + Long.toUnsignedString(RANDOM.nextLong()) + TEMP_SUFFIX);
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 100) throw e;
            }
        }
    }

    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    public static void moveIntoPlace(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
