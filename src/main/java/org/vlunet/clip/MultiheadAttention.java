package org.vlunet.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import org.vlunet.model.Dense;
import org.vlunet.model.ModuleBlock;
import org.vlunet.model.TorchOps;

/**
 * torch.nn.MultiheadAttention (self-attention, batch first) with the packed in-projection:
 * {@code in_proj_weight} (3w, w) and {@code in_proj_bias} (3w) make q, k, v in one matMul;
 * softmax(q kᵀ / sqrt(d) + mask) v per head, then {@code out_proj}.
 */
public final class MultiheadAttention extends ModuleBlock {
    private final int width;
    private final int heads;
    private final Parameter inProjWeight;
    private final Parameter inProjBias;
    private final Dense outProj;

    public MultiheadAttention(int width, int heads) {
        if (width % heads != 0) throw new IllegalArgumentException("attention width " + width + " is not a multiple of heads " + heads);
        this.width = width;
        this.heads = heads;
        inProjWeight = weight("in_proj_weight", 3L * width, width);
        inProjBias = param("in_proj_bias", Init.ZEROS, 0, 3L * width);
        outProj = child("out_proj", new Dense(width, width));
    }

    public int heads() {
        return heads;
    }

    /** 1/sqrt(head width), the logit scale of every head. */
    public double scale() {
        return 1.0 / Math.sqrt((double) width / heads);
    }

    /**
     * @param x     (b, n, w), of which the caller knows b and n (a shape query is a native call)
     * @param scale a scalar NDArray holding {@link #scale()} on x's device (kept by the caller, made once)
     * @param mask  additive (n, n) mask (0 or -inf), or null
     */
    public NDArray forward(NDArray x, long b, long n, NDArray scale, NDArray mask) {
        long d = width / heads;
        // (b, n, 3w) → (b, 3·heads, n, d): q, k, v are consecutive runs of heads, split without a copy
        NDArray qkv = TorchOps.permute(TorchOps.reshape(TorchOps.linear(x, inProjWeight.getArray(), inProjBias.getArray()),
                b, n, 3L * heads, d), 0, 2, 1, 3);
        NDArray[] qkvs = TorchOps.split(qkv, 1, heads, heads, heads);
        NDArray q = TorchOps.mul(qkvs[0], scale);
        NDArray logits = TorchOps.matmul(q, TorchOps.transpose(qkvs[1], 2, 3));
        if (mask != null) logits = TorchOps.addInPlace(logits, mask);
        NDArray weights = TorchOps.softmax(logits, -1, inProjWeight.getArray().getDataType());
        NDArray out = TorchOps.reshape(TorchOps.permute(TorchOps.matmul(weights, qkvs[2]), 0, 2, 1, 3), b, n, width);
        return outProj.forward(out);
    }
}
