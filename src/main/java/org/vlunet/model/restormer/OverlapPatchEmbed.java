package org.vlunet.model.restormer;

import ai.djl.ndarray.NDArray;
import org.vlunet.model.ModuleBlock;

/** The stem: a 3x3 conv from RGB to the base width. Key: {@code proj.weight}. */
public final class OverlapPatchEmbed extends ModuleBlock {
    private final Conv proj;

    public OverlapPatchEmbed(int in, int dim) {
        proj = child("proj", Conv.full3x3(in, dim));
    }

    public NDArray forward(NDArray x) {
        return proj.forward(x);
    }
}
