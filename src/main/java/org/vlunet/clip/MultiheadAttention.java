package org.vlunet.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import org.vlunet.model.Dense;
import org.vlunet.model.ModuleBlock;

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
     * @param x     (b, n, w)
     * @param scale a scalar NDArray holding {@link #scale()} on x's device (kept by the caller, made once)
     * @param mask  additive (n, n) mask (0 or -inf), or null
     */
    public NDArray forward(NDArray x, NDArray scale, NDArray mask) {
        Shape s = x.getShape();
        long b = s.get(0), n = s.get(1);
        NDArray qkv = Linear.linear(x, inProjWeight.getArray(), inProjBias.getArray()).singletonOrThrow()
                .reshape(b, n, 3, heads, width / heads)
                .transpose(2, 0, 3, 1, 4); // (3, b, heads, n, d)
        NDArray q = qkv.get(0).mul(scale);
        NDArray k = qkv.get(1);
        NDArray v = qkv.get(2);
        NDArray logits = q.matMul(k.transpose(0, 1, 3, 2));
        if (mask != null) logits = logits.add(mask);
        NDArray out = logits.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(b, n, width);
        return outProj.forward(out);
    }
}
