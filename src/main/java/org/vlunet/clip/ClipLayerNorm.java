package org.vlunet.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import org.vlunet.model.ModuleBlock;
import org.vlunet.model.TorchOps;

/** torch.nn.LayerNorm over the last axis (eps 1e-5, biased variance), as one fused native op. */
public final class ClipLayerNorm extends ModuleBlock {
    static final float EPS = 1e-5f;

    private final Parameter weight;
    private final Parameter bias;
    private final Shape normalized;

    public ClipLayerNorm(long width) {
        weight = param("weight", Init.ONES, 0, width);
        bias = param("bias", Init.ZEROS, 0, width);
        normalized = new Shape(width);
    }

    public NDArray forward(NDArray x) {
        return TorchOps.layerNorm(x, normalized, weight.getArray(), bias.getArray(), EPS);
    }
}
