package org.vlunet.model.restormer;

import ai.djl.ndarray.NDArray;
import org.vlunet.model.ForwardScope;
import org.vlunet.model.ModuleBlock;
import org.vlunet.model.TorchOps;

/**
 * Gated-Dconv Feed-forward Network (GDFN, Restormer's {@code FeedForward}): 1x1 conv to two hidden halves, a 3x3
 * depthwise conv, gelu(x1)·x2 with the exact (erf) GELU, 1x1 conv back. hidden = int(dim·factor).
 * Keys: {@code project_in}, {@code dwconv}, {@code project_out}.
 */
public final class GatedFeedForward extends ModuleBlock {
    private final Conv projectIn;
    private final Conv dwconv;
    private final Conv projectOut;
    private final long hiddenWidth;

    public GatedFeedForward(int dim, double expansionFactor) {
        int hidden = (int) (dim * expansionFactor);
        hiddenWidth = hidden;
        projectIn = child("project_in", Conv.pointwise(dim, hidden * 2));
        dwconv = child("dwconv", Conv.depthwise3x3(hidden * 2));
        projectOut = child("project_out", Conv.pointwise(hidden, dim));
    }

    public NDArray forward(NDArray x) {
        // The widest arrays of the network (2·hidden channels): each is freed as soon as the next one exists.
        return ForwardScope.run(() -> {
            NDArray hidden = ForwardScope.run(() -> dwconv.forward(projectIn.forward(x)), x);
            NDArray[] halves = TorchOps.split(hidden, 1, hiddenWidth, hiddenWidth);
            // torch::gelu with its default approximate="none": the erf form
            NDArray gated = TorchOps.gelu(halves[0]).mul(halves[1]);
            for (NDArray a : halves) a.close();
            hidden.close();
            return projectOut.forward(gated);
        }, x);
    }
}
