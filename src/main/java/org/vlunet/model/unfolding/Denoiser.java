package org.vlunet.model.unfolding;

import ai.djl.ndarray.NDArray;
import org.vlunet.model.ModuleBlock;
import org.vlunet.model.ModuleList;
import org.vlunet.model.restormer.TransformerBlock;

/** The proximal step of a stage: a run of Restormer blocks. Keys: {@code blocks.i.…}. */
public final class Denoiser extends ModuleBlock {
    private final ModuleList<TransformerBlock> blocks;

    public Denoiser(int n, int dim, int heads, double ffnExpansionFactor) {
        blocks = child("blocks", new ModuleList<>());
        for (int i = 0; i < n; i++) blocks.add(new TransformerBlock(dim, heads, ffnExpansionFactor));
    }

    public NDArray forward(NDArray x) {
        for (TransformerBlock b : blocks.items()) x = b.forward(x);
        return x;
    }
}
