package org.vlunet.engine;

/**
 * Whether this process keeps the memory libtorch frees on the CPU for reuse. libtorch allocates every tensor with
 * malloc; glibc's defaults hand large freed blocks back to the kernel, so each step faults its working set in
 * again (a third of a large CPU forward's time). The setting is glibc's GLIBC_TUNABLES, read at process start, so
 * only a launcher can make it: {@code bin/vlunet} and the benchmark scripts do (scripts/cpu-memory.sh).
 */
public final class CpuMemory {
    private CpuMemory() {}

    /** True when GLIBC_TUNABLES keeps freed memory in the process: one arena, no mmap'd blocks. */
    public static boolean reused() {
        String t = System.getenv("GLIBC_TUNABLES");
        return t != null && t.contains("glibc.malloc.arena_max=1") && t.contains("glibc.malloc.mmap_max=0");
    }

    /** One line for diagnostics and benchmarks. */
    public static String describe() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return "CPU memory: the system allocator's defaults";
        }
        return reused() ? "CPU memory: freed memory kept for reuse (GLIBC_TUNABLES)"
                : "CPU memory: glibc's defaults, freed memory goes back to the system (run through bin/vlunet to keep it: faster on the CPU)";
    }
}
