package org.vlunet.model.unfolding;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import org.vlunet.model.ModuleBlock;
import org.vlunet.model.TorchOps;
import org.vlunet.model.restormer.ChannelAttention;
import org.vlunet.model.restormer.Conv;

/**
 * The GDM's degradation operator φ (authors' {@code CrossAttention}): transposed attention where queries and
 * values come from the features and keys from the degradation prompt. Keys: {@code temperature} (heads,1,1),
 * {@code qv}, {@code qv_dwconv}, {@code k}, {@code k_dwconv}, {@code project_out}.
 */
public final class PromptCrossAttention extends ModuleBlock {
    private final int heads;
    private final long width;
    private final Parameter temperature;
    private final Conv qv;
    private final Conv qvDwconv;
    private final Conv k;
    private final Conv kDwconv;
    private final Conv projectOut;

    public PromptCrossAttention(int dim, int heads, int promptDim) {
        if (dim % heads != 0) throw new IllegalArgumentException("cross-attention width " + dim + " is not divisible by " + heads + " heads");
        this.heads = heads;
        this.width = dim;
        temperature = param("temperature", Init.ONES, 0, heads, 1, 1);
        qv = child("qv", Conv.pointwise(dim, dim * 2));
        qvDwconv = child("qv_dwconv", Conv.depthwise3x3(dim * 2));
        k = child("k", Conv.pointwise(promptDim, dim));
        kDwconv = child("k_dwconv", Conv.depthwise3x3(dim));
        projectOut = child("project_out", Conv.pointwise(dim, dim));
    }

    /** {@code x} (b, dim, h, w), {@code prompt} (b, promptDim, h, w). */
    public NDArray forward(NDArray x, NDArray prompt) {
        NDArray[] qvParts = TorchOps.split(qvDwconv.forward(qv.forward(x)), 1, width, width);
        NDArray key = kDwconv.forward(k.forward(prompt));
        return projectOut.forward(ChannelAttention.attend(qvParts[0], key, qvParts[1], temperature.getArray(), heads));
    }
}
