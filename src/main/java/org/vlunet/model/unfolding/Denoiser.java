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
        NDArray y = x;
        for (TransformerBlock b : blocks.items()) {
            NDArray next = b.forward(y);
            if (y != x) y.close(); // only the last block's output is needed (autograd keeps what backward needs)
            y = next;
        }
        return y;
    }
}
