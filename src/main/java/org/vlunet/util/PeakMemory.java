package org.vlunet.util;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's resident memory as the kernel counts it (Linux {@code /proc/self/status}): Java heap, native
 * tensors, allocator caches and all. Used by the restore benchmark and the bounded-memory test.
 */
public final class PeakMemory {
    private PeakMemory() {}

    /** The high-water mark of resident memory since the process started (VmHWM), in MiB. */
    public static long peakMegabytes() {
        return field("VmHWM");
    }

    /** Starts the high-water mark afresh from the current resident memory (Linux 4.0 and later). */
    public static void resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reset the peak through /proc/self/clear_refs (" + e.getMessage() + ")", e);
        }
    }

    /** Resident memory now (VmRSS), in MiB. */
    public static long residentMegabytes() {
        return field("VmRSS");
    }

    private static long field(String name) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith(name + ":")) return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/status (memory is measured on Linux only)", e);
        }
        throw new IllegalStateException("/proc/self/status has no " + name);
    }
}
