package org.vlunet.engine;

/**
 * Which convolution kernels the CPU engine runs, from fastest to safest. A route found wrong on a processor is
 * left for the next one down; only {@link #NATIVE} can be entered after oneDNN's first use.
 */
public enum Route {
    /** oneDNN at the processor's best instruction set (PyTorch's default). */
    DEFAULT("oneDNN at the processor's full instruction set"),
    /** oneDNN capped at SSE4.1 ({@code ONEDNN_MAX_CPU_ISA=SSE41}); must be chosen before oneDNN's first use. */
    SSE41("oneDNN capped at SSE4.1 (ONEDNN_MAX_CPU_ISA=SSE41)"),
    /** PyTorch's own convolutions, oneDNN off: right where oneDNN is not, several times slower. */
    NATIVE("PyTorch's own convolutions (oneDNN off, slower)");

    private final String description;

    Route(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** The next route to try after this one gave a wrong result (SSE4.1 exists only on x86). */
    Route next(boolean x86) {
        return this == DEFAULT && x86 ? SSE41 : NATIVE;
    }
}
