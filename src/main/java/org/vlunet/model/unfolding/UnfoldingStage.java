package org.vlunet.model.unfolding;

import ai.djl.ndarray.NDArray;
import org.vlunet.config.ModelConfig;
import org.vlunet.model.ForwardScope;
import org.vlunet.model.ModuleBlock;

/**
 * One deep-unfolding stage (authors' {@code DUN_BaseBlock}): a gradient-descent step (GDM) then the denoiser.
 * The image branch passes through unchanged, so callers keep it. Keys: {@code gradient_descent}, {@code denoiser}.
 */
public final class UnfoldingStage extends ModuleBlock {
    private final GradientDescentModule gradientDescent;
    private final Denoiser denoiser;

    public UnfoldingStage(ModelConfig c, int stage, int blocks, int dim, int heads) {
        gradientDescent = child("gradient_descent", new GradientDescentModule(c.deDim(), dim, stage, c.promptSize(), c.degradationDim()));
        denoiser = child("denoiser", new Denoiser(blocks, dim, heads, c.ffnExpansionFactor()));
    }

    public NDArray forward(NDArray x, NDArray img, NDArray degradation) {
        return ForwardScope.run(() -> denoiser.forward(gradientDescent.forward(x, img, degradation)), x, img, degradation);
    }

    public GradientDescentModule gradientDescent() {
        return gradientDescent;
    }
}
