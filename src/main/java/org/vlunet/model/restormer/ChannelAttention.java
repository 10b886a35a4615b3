package org.vlunet.model.restormer;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import org.vlunet.model.ModuleBlock;
import org.vlunet.model.TorchOps;

/**
 * Multi-Dconv head Transposed Attention (MDTA, Restormer's {@code Attention}): attention across channels, not
 * pixels, so its cost is linear in the image size. q, k, v come from a 1x1 conv and a 3x3 depthwise conv;
 * q and k are L2-normalised along the pixels and scaled by a learned per-head temperature.
 * The forward issues one native call per op (see {@link TorchOps}) and splits the fused qkv into heads once.
 * Keys: {@code temperature} (heads,1,1), {@code qkv}, {@code qkv_dwconv}, {@code project_out}.
 */
public final class ChannelAttention extends ModuleBlock {
    private final int heads;
    private final Parameter temperature;
    private final Conv qkv;
    private final Conv qkvDwconv;
    private final Conv projectOut;

    public ChannelAttention(int dim, int heads) {
        if (dim % heads != 0) throw new IllegalArgumentException("attention width " + dim + " is not divisible by " + heads + " heads");
        this.heads = heads;
        temperature = param("temperature", Init.ONES, 0, heads, 1, 1);
        qkv = child("qkv", Conv.pointwise(dim, dim * 3));
        qkvDwconv = child("qkv_dwconv", Conv.depthwise3x3(dim * 3));
        projectOut = child("project_out", Conv.pointwise(dim, dim));
    }

    public NDArray forward(NDArray x) {
        NDArray qkvFused = qkvDwconv.forward(qkv.forward(x)); // (b, 3c, h, w)
        long[] s = qkvFused.getShape().getShape();
        long b = s[0], c = s[1] / 3, h = s[2], w = s[3];
        // q, k, v split into heads with one reshape: channel j·c + i·(c/heads) + r is part j, head i, row r
        NDArray[] qkAndV = TorchOps.split(TorchOps.reshape(qkvFused, b, 3L * heads, c / heads, h * w), 1, 2L * heads, heads);
        NDArray[] qk = TorchOps.split(TorchOps.l2NormalizeLast(qkAndV[0]), 1, heads, heads); // q and k normalised together
        return projectOut.forward(attendNormalized(qk[0], qk[1], qkAndV[1], temperature.getArray(), b, c, h, w));
    }

    /**
     * The transposed attention core shared with the GDM's cross-attention: q, k, v (b, c, h, w) split into heads
     * (b, heads, c/heads, h·w), q̂ and k̂ L2-normalised along the pixels (F.normalize), softmax((q̂ k̂ᵀ)·temperature) v,
     * back to (b, c, h, w).
     */
    public static NDArray attend(NDArray q, NDArray k, NDArray v, NDArray temperature, int heads) {
        long[] s = v.getShape().getShape();
        long b = s[0], c = s[1], h = s[2], w = s[3];
        long ch = c / heads;
        NDArray qh = TorchOps.l2NormalizeLast(TorchOps.reshape(q, b, heads, ch, h * w));
        NDArray kh = TorchOps.l2NormalizeLast(TorchOps.reshape(k, b, heads, ch, h * w));
        return attendNormalized(qh, kh, TorchOps.reshape(v, b, heads, ch, h * w), temperature, b, c, h, w);
    }

    /** softmax((q̂ k̂ᵀ)·temperature) v for normalised heads (b, heads, c/heads, h·w), reshaped to (b, c, h, w). */
    private static NDArray attendNormalized(NDArray qh, NDArray kh, NDArray vh, NDArray temperature, long b, long c, long h, long w) {
        NDArray logits = TorchOps.matmul(qh, TorchOps.transpose(kh, 2, 3)).mul(temperature);
        NDArray weights = TorchOps.softmax(logits, -1, temperature.getDataType());
        return TorchOps.reshape(TorchOps.matmul(weights, vh), b, c, h, w);
    }
}
