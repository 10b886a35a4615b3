package org.vlunet.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.List;

/**
 * The gradients of one network's parameters, read without a native call per parameter and step. libtorch
 * accumulates a backward pass into a parameter's existing gradient tensor in place once it exists (and zeroing
 * is in place too), so a flat view of each gradient is fetched once, the first time it exists, and kept; a step
 * then gathers any run of them with one {@code cat}.
 */
public final class GradientViews implements GradientSource, AutoCloseable {
    private final List<Parameter> params;
    private final NDArray[] flat;
    private final long[] sizes;
    private final NDManager manager;

    /** @param manager keeps the views (a sub-manager of it, closed with this) */
    public GradientViews(List<Parameter> params, NDManager manager) {
        this.params = List.copyOf(params);
        this.flat = new NDArray[params.size()];
        this.sizes = new long[params.size()];
        for (int i = 0; i < sizes.length; i++) sizes[i] = params.get(i).getArray().size();
        this.manager = manager.newSubManager();
    }

    public int size() {
        return params.size();
    }

    @Override
    public void prepare() {
        for (int i = 0; i < flat.length; i++) {
            if (flat[i] != null) continue;
            NDArray g = Gradients.of(params.get(i), manager); // null while no backward pass has reached it
            if (g == null) continue;
            // a view of the gradient itself: libtorch gives a gradient the strides of its parameter ("gradient
            // layout contract"), and parameters are contiguous
            flat[i] = g.reshape(-1);
            flat[i].attach(manager);
            g.close();
        }
    }

    @Override
    public boolean has(int i) {
        return flat[i] != null;
    }

    @Override
    public NDArray gather(int first, int end, NDManager into) {
        PtNDArray[] parts = new PtNDArray[end - first];
        NDManager zeros = null; // temporaries
        for (int i = first; i < end; i++) {
            NDArray g = flat[i];
            if (g == null) {
                if (zeros == null) zeros = into.newSubManager();
                g = zeros.zeros(new Shape(sizes[i]), DataType.FLOAT32, params.get(i).getArray().getDevice());
            }
            parts[i - first] = (PtNDArray) g;
        }
        NDArray out = JniUtils.cat(parts, 0); // a copy, also of a single part
        out.attach(into);
        if (zeros != null) zeros.close();
        return out;
    }

    /** Zeroes every gradient in place, one native call per parameter (DJL cannot set a gradient to None). */
    public void zero() {
        for (Parameter p : params) JniUtils.zeroGrad((PtNDArray) p.getArray());
    }

    @Override
    public void close() {
        manager.close();
    }
}
