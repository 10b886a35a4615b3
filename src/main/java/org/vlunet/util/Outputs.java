package org.vlunet.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;

/**
 * Where a command will write, checked before it computes anything: a location that cannot be written, an output
 * that exists or that is one of the inputs must fail at once, not after the model has run on every image. The
 * checks leave nothing behind (no folder is created; a probe file is removed at once).
 */
public final class Outputs {
    private Outputs() {}

    /**
     * A folder the command writes into ({@code what} names it for the message, e.g. "-o restored"): a folder, or a
     * path that can become one, where files can be created.
     */
    public static void folder(Path dir, String what) {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs)) throw new IllegalArgumentException(what + ": exists and is not a folder");
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null || !Files.isDirectory(existing)) {
            throw new IllegalArgumentException(what + ": cannot be created (" + existing + " is not a folder)");
        }
        try {
            Files.delete(Files.createTempFile(existing, ".vlunet-probe.", AtomicFiles.TEMP_SUFFIX));
        } catch (IOException | SecurityException e) {
            throw new IllegalArgumentException(what + ": cannot write in " + existing + " (" + reason(e) + ")");
        }
    }

    /**
     * A file the command writes: its folder as {@link #folder}, not one of {@code inputs} (compared as real
     * paths), and absent unless {@code overwrite}.
     */
    public static void file(Path file, String what, boolean overwrite, Collection<Path> inputs) {
        Path abs = file.toAbsolutePath().normalize();
        if (Files.isDirectory(abs)) throw new IllegalArgumentException(what + ": is a folder, expected a file to write");
        for (Path in : inputs) {
            if (same(abs, in)) throw new IllegalArgumentException(what + ": is also an input; choose another output");
        }
        if (Files.exists(abs) && !overwrite) throw new IllegalArgumentException(what + ": exists (use --overwrite to replace it)");
        folder(abs.getParent() == null ? abs.getRoot() : abs.getParent(), what);
    }

    /** Whether two paths name the same file (either may not exist yet). */
    public static boolean same(Path a, Path b) {
        return real(a).equals(real(b));
    }

    /** The real path, or for a file not there yet its real folder and its name. */
    public static Path real(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        try {
            return abs.toRealPath();
        } catch (IOException e) {
            Path parent = abs.getParent();
            try {
                return parent == null ? abs : parent.toRealPath().resolve(abs.getFileName());
            } catch (IOException e2) {
                return abs;
            }
        }
    }

    private static String reason(Exception e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) return f.getReason();
        if (e instanceof java.nio.file.FileSystemException) return "the system creates no file there"; // e.g. /proc
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
