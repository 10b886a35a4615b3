package org.vlunet.engine;

import ai.djl.engine.Engine;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The two switches that decide which CPU convolution kernels PyTorch runs, reached through JNA (which DJL brings):
 * oneDNN's instruction-set cap, an environment variable oneDNN reads once, at its first primitive, so it must be
 * set in the C library's environment before then; and PyTorch's own "use mkldnn" flag, which may change at any
 * time (off: PyTorch's native convolutions, slower, oneDNN unused).
 */
interface NativeControls {
    /** Sets {@code ONEDNN_MAX_CPU_ISA} for this process (effective only before oneDNN's first use). */
    void capInstructionSet(String isa);

    /** {@code at::globalContext().setUserEnabledMkldnn(on)}. */
    void useOneDnn(boolean on);

    /** The real switches of this process. */
    NativeControls PROCESS = new NativeControls() {
        @Override
        public void capInstructionSet(String isa) {
            Function setenv = NativeLibrary.getInstance("c").getFunction("setenv");
            if (setenv.invokeInt(new Object[] {"ONEDNN_MAX_CPU_ISA", isa, 1}) != 0) {
                throw new IllegalStateException("setenv(ONEDNN_MAX_CPU_ISA) failed");
            }
        }

        @Override
        public void useOneDnn(boolean on) {
            Engine.getEngine("PyTorch"); // loads libtorch, whose symbols are looked up below
            NativeLibrary torch = NativeLibrary.getInstance("torch_cpu");
            Pointer context = torch.getFunction("_ZN2at13globalContextEv").invokePointer(new Object[0]);
            torch.getFunction("_ZN2at7Context20setUserEnabledMkldnnEb").invokeVoid(new Object[] {context, (byte) (on ? 1 : 0)});
        }
    };
}
