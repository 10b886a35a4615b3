package org.vlunet.infer;

import java.util.Locale;

/**
 * Whether an engine error means a tensor could not be allocated. DJL's PyTorch engine turns libtorch's errors into
 * {@code EngineException}s carrying libtorch's message: "CUDA out of memory. Tried to allocate …" on a GPU,
 * "DefaultCPUAllocator: can't allocate memory: …" on the CPU.
 */
final class OutOfMemory {
    private OutOfMemory() {}

    static boolean is(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (m == null) continue;
            String s = m.toLowerCase(Locale.ROOT);
            if (s.contains("out of memory") || s.contains("can't allocate memory")) return true;
        }
        return false;
    }

    /** The first line of the engine's message (libtorch appends a long report). */
    static String summary(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
