package org.vlunet.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.Collection;

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

    /** Zeroes the gradient in place (one native call; nothing if it was never written). */
    public static void zero(Parameter p) {
        JniUtils.zeroGrad((PtNDArray) p.getArray());
    }

    public static void zero(Collection<Parameter> params) {
        for (Parameter p : params) zero(p);
    }

    /**
     * torch.nn.utils.clip_grad_norm_: the 2-norm of all gradients together; when it exceeds {@code maxNorm} every
     * gradient is scaled by maxNorm / (norm + 1e-6). Returns the norm before clipping.
     */
    public static double clipGlobalNorm(Collection<Parameter> params, double maxNorm, NDManager manager) {
        try (NDManager sub = manager.newSubManager()) {
            java.util.List<NDArray> grads = new java.util.ArrayList<>();
            NDArray sumSq = null;
            for (Parameter p : params) {
                NDArray g = of(p, sub);
                if (g == null) continue;
                grads.add(g);
                NDArray sq = g.square().sum();
                sumSq = sumSq == null ? sq : sumSq.addi(sq);
            }
            if (sumSq == null) return 0;
            double norm = Math.sqrt(sumSq.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble());
            double coef = maxNorm / (norm + 1e-6);
            if (coef < 1) {
                NDArray c = sub.create((float) coef).toDevice(grads.get(0).getDevice(), false);
                for (NDArray g : grads) g.muli(c);
            }
            return norm;
        }
    }
}
