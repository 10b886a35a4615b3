package org.vlunet.model.restormer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import org.vlunet.model.DeviceConstants;
import org.vlunet.model.ModuleBlock;

/**
 * Multi-Dconv head Transposed Attention (MDTA, Restormer's {@code Attention}): attention across channels, not
 * pixels, so its cost is linear in the image size. q, k, v come from a 1x1 conv and a 3x3 depthwise conv;
 * q and k are L2-normalised along the pixels and scaled by a learned per-head temperature.
 * Keys: {@code temperature} (heads,1,1), {@code qkv}, {@code qkv_dwconv}, {@code project_out}.
 */
public final class ChannelAttention extends ModuleBlock {
    private static final int[] LAST = {-1};

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
        NDList qkvParts = qkvDwconv.forward(qkv.forward(x)).split(3, 1);
        NDArray out = attend(qkvParts.get(0), qkvParts.get(1), qkvParts.get(2), temperature.getArray(), heads);
        return projectOut.forward(out);
    }

    /**
     * The transposed attention core shared with the GDM's cross-attention: q, k, v (b, c, h, w) split into heads
     * (b, heads, c/heads, h·w), softmax((q̂ k̂ᵀ)·temperature) v, back to (b, c, h, w). q̂ and k̂ are q and k divided
     * by max(‖·‖₂, 1e-12) along the pixels (F.normalize); the division is applied to the small (c/heads)² matrix
     * q kᵀ instead of the full-size q and k, which saves two passes and their saved activations.
     */
    public static NDArray attend(NDArray q, NDArray k, NDArray v, NDArray temperature, int heads) {
        long[] s = v.getShape().getShape();
        long b = s[0], c = s[1], h = s[2], w = s[3];
        long ch = c / heads;
        NDArray qh = q.reshape(b, heads, ch, h * w);
        NDArray kh = k.reshape(b, heads, ch, h * w);
        NDArray vh = v.reshape(b, heads, ch, h * w);
        NDArray eps = DeviceConstants.scalar(1e-12f, q.getDevice());
        NDArray qNorm = qh.norm(2, LAST, true).maximum(eps); // (b, heads, ch, 1)
        NDArray kNorm = kh.norm(2, LAST, true).maximum(eps).swapAxes(2, 3); // (b, heads, 1, ch)
        NDArray logits = qh.matMul(kh.swapAxes(2, 3)).div(qNorm.mul(kNorm)).mul(temperature);
        return logits.softmax(-1).matMul(vh).reshape(b, c, h, w);
    }
}
