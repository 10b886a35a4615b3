package org.vlunet.model.restormer;

import ai.djl.ndarray.NDArray;
import org.vlunet.model.ForwardScope;
import org.vlunet.model.ModuleBlock;

/** Restormer's pre-norm block: x + MDTA(norm1(x)), then + GDFN(norm2(x)). Keys: norm1, attn, norm2, ffn. */
public final class TransformerBlock extends ModuleBlock {
    private final LayerNorm2d norm1;
    private final ChannelAttention attn;
    private final LayerNorm2d norm2;
    private final GatedFeedForward ffn;

    public TransformerBlock(int dim, int heads, double ffnExpansionFactor) {
        norm1 = child("norm1", new LayerNorm2d(dim));
        attn = child("attn", new ChannelAttention(dim, heads));
        norm2 = child("norm2", new LayerNorm2d(dim));
        ffn = child("ffn", new GatedFeedForward(dim, ffnExpansionFactor));
    }

    public NDArray forward(NDArray x) {
        return ForwardScope.run(() -> {
            // the residual sums go into the branches' outputs in place: a convolution's backward needs its input,
            // not its output, so no copy is made and no second array
            NDArray y = ForwardScope.run(() -> attn.forward(norm1.forward(x)).addi(x), x);
            return ForwardScope.run(() -> ffn.forward(norm2.forward(y)).addi(y), y);
        }, x);
    }
}
