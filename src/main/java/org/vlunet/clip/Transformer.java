package org.vlunet.clip;

import ai.djl.ndarray.NDArray;
import org.vlunet.model.ModuleBlock;
import org.vlunet.model.ModuleList;

import java.util.List;

/** A stack of {@link ResidualAttentionBlock}s under {@code resblocks.i}. */
public final class Transformer extends ModuleBlock {
    private final List<ResidualAttentionBlock> blocks;
    private final double scale;

    public Transformer(int width, int layers, int heads) {
        ModuleList<ResidualAttentionBlock> list = new ModuleList<>();
        for (int i = 0; i < layers; i++) list.add(new ResidualAttentionBlock(width, heads));
        blocks = child("resblocks", list).items();
        scale = blocks.get(0).attention().scale();
    }

    /** The attention scale 1/sqrt(head width) shared by all layers. */
    public double scale() {
        return scale;
    }

    /** x (b, n, w); {@code scale} a scalar NDArray of {@link #scale()}; {@code mask} (n, n) additive or null. */
    public NDArray forward(NDArray x, NDArray scale, NDArray mask) {
        long[] s = x.getShape().getShape();
        for (ResidualAttentionBlock b : blocks) x = b.forward(x, s[0], s[1], scale, mask);
        return x;
    }
}
