package org.vlunet.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Autograd plumbing on the PyTorch engine, without DJL's GradientCollector (a process-wide singleton, so it
 * cannot serve one replica per thread, and it never zeroes gradients).
 */
public final class Gradients {
    private Gradients() {}

    /** Turns gradient recording on or off for the calling thread (PyTorch's grad mode is per thread). */
    public static void record(boolean on) {
        JniUtils.setGradMode(on);
    }

    public static boolean recording() {
        return JniUtils.isGradMode();
    }

    /** d(loss)/d(leaves), accumulated into the leaves' gradients; {@code loss} must be a scalar. */
    public static void backward(NDArray loss) {
        try (NDArray seed = loss.onesLike()) {
            JniUtils.backward((PtNDArray) loss, (PtNDArray) seed, false, false);
        }
    }

    /**
     * The parameter's gradient, attached to {@code into}, or null when no backward pass reached it (torch's
     * {@code grad is None}; DJL's getGradient would invent zeros, and AdamW must skip such a parameter
     * entirely, weight decay included, as torch does). The array shares the gradient's storage.
     */
    public static NDArray of(Parameter p, NDManager into) {
        NDArray g = JniUtils.getGradient((PtNDArray) p.getArray());
        if (g != null) g.attach(into);
        return g;
    }
}
