package org.vlunet.engine;

import ai.djl.engine.Engine;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

import java.util.Locale;

/**
 * What libtorch prints to stderr on its own, kept out of the user's output. Two sources were seen in every run:
 * <ul>
 *   <li>a one-time deprecation warning for the guard DJL's native code uses when it copies data into an array
 *       ({@code NDArray.set(Buffer)}; LegacyTypeDispatch.h, "AutoNonVariableTypeMode is deprecated ... silent wrong
 *       result"): it is about that guard's use in C++ code and says nothing about this program's numbers;</li>
 *   <li>"Could not initialize NNPACK! Reason: Unsupported hardware.", once for every CPU convolution on processors
 *       NNPACK does not support: PyTorch asks whether NNPACK is available before looking at the problem.</li>
 * </ul>
 * Both go through c10's logging, whose level libtorch reads from {@code TORCH_CPP_LOG_LEVEL} only when a host
 * calls {@code c10::initLogging()}, which DJL does not. So the level is set here: ERROR, or what the user's
 * {@code TORCH_CPP_LOG_LEVEL} says. NNPACK is also switched off: PyTorch would use it only for forward-only
 * batches of 16 or more with oneDNN off, which the kernel check ({@link CpuKernels}) never runs, so it would be an unchecked route anyway.
 */
public final class EngineNoise {
    private static final int ERROR = 2; // c10's levels: 0 INFO, 1 WARNING, 2 ERROR, 3 FATAL
    private static boolean done;

    private EngineNoise() {}

    /** Applies the log level and the NNPACK switch once per process (loads the engine). */
    public static synchronized void quiet() {
        if (done) return;
        done = true;
        Engine.getEngine("PyTorch"); // loads libc10 and libtorch_cpu, whose symbols are used below
        NativeLibrary c10 = NativeLibrary.getInstance("c10");
        if (userLevel() != null) {
            c10.getFunction("_ZN3c1011initLoggingEv").invokeVoid(new Object[0]); // reads TORCH_CPP_LOG_LEVEL
        } else {
            c10.getGlobalVariableAddress("FLAGS_caffe2_log_level").setInt(0, ERROR);
        }
        NativeLibrary torch = NativeLibrary.getInstance("torch_cpu");
        Pointer context = torch.getFunction("_ZN2at13globalContextEv").invokePointer(new Object[0]);
        torch.getFunction("_ZN2at7Context20setUserEnabledNNPACKEb").invokeVoid(new Object[] {context, (byte) 0});
    }

    /** c10's current minimum level of what it prints (0 INFO … 3 FATAL). */
    public static int logLevel() {
        return NativeLibrary.getInstance("c10").getGlobalVariableAddress("FLAGS_caffe2_log_level").getInt(0);
    }

    /** Whether PyTorch may use NNPACK for CPU convolutions. */
    public static boolean nnpackEnabled() {
        Engine.getEngine("PyTorch");
        NativeLibrary torch = NativeLibrary.getInstance("torch_cpu");
        Pointer context = torch.getFunction("_ZN2at13globalContextEv").invokePointer(new Object[0]);
        return (torch.getFunction("_ZNK2at7Context17userEnabledNNPACKEv").invokeInt(new Object[] {context}) & 0xFF) != 0; // a C++ bool: the low byte
    }

    /** One line for {@code doctor}. */
    public static String describe() {
        String user = userLevel();
        return "engine log: " + (user != null ? "TORCH_CPP_LOG_LEVEL=" + user + " (level " + logLevel() + ")"
                : "warnings hidden (TORCH_CPP_LOG_LEVEL=WARNING shows them)") + "; NNPACK: " + (nnpackEnabled() ? "on" : "off");
    }

    private static String userLevel() {
        String v = System.getenv("TORCH_CPP_LOG_LEVEL");
        return v == null || v.isBlank() ? null : v.trim().toUpperCase(Locale.ROOT);
    }
}
