package org.vlunet.model.unfolding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.ConstantInitializer;
import org.vlunet.model.Dense;
import org.vlunet.model.ForwardScope;
import org.vlunet.model.ModuleBlock;
import org.vlunet.model.TorchOps;
import org.vlunet.model.restormer.ChannelAttention;

/**
 * The Gradient Descent Module (authors' {@code GDM}): one unrolled proximal-gradient step
 * x ← x − r·φᵀ(φ(x, prompt) − img), where the degradation operator φ is a cross-attention driven by a prompt
 * mixed from {@code deDim} learned prompts with softmax weights predicted from the CLIP degradation feature.
 * Keys: {@code r} (1), {@code prompt_param} (1, deDim, promptDim, s, s), {@code phi}, {@code phit}, {@code linear}.
 */
public final class GradientDescentModule extends ModuleBlock {
    private final int deDim;
    private final int promptDim;
    private final int promptSize;
    private final Parameter r;
    private final Parameter promptParam;
    private final PromptCrossAttention phi;
    private final ChannelAttention phit;
    private final Dense linear;
    private final BilinearResize resize = new BilinearResize();

    /**
     * @param dim feature width at this stage; the prompt width is (dim / 10)·stage
     * @param stage 1..4; the prompt side is promptSize / stage
     */
    public GradientDescentModule(int deDim, int dim, int stage, int promptSize, int degradationDim) {
        this.deDim = deDim;
        this.promptDim = (dim / 10) * stage;
        this.promptSize = promptSize / stage;
        if (promptDim <= 0) throw new IllegalArgumentException("GDM prompt width (" + dim + " / 10) * " + stage + " is 0; the width must be at least 10");
        // Initial values only matter when training from scratch; the reference does not state them. We follow the
        // code VLU-Net builds on: step size 0.5 as DGUNet, prompts U[0, 1) as PromptIR's torch.rand.
        r = addParameter(Parameter.builder().setName("r").setType(Parameter.Type.OTHER).optShape(new Shape(1))
                .optInitializer(new ConstantInitializer(0.5f)).build());
        promptParam = addParameter(Parameter.builder().setName("prompt_param").setType(Parameter.Type.OTHER)
                .optShape(new Shape(1, deDim, promptDim, this.promptSize, this.promptSize))
                .optInitializer((m, shape, type) -> m.randomUniform(0f, 1f, shape, type)).build());
        phi = child("phi", new PromptCrossAttention(dim, 2, promptDim));
        phit = child("phit", new ChannelAttention(dim, 2));
        linear = child("linear", new Dense(degradationDim, deDim));
    }

    /** Softmax weights of the {@code deDim} prompts for CLIP features {@code degradation} (b, degradationDim). */
    public NDArray weights(NDArray degradation) {
        return linear.forward(degradation).softmax(1);
    }

    /** The prompt Σₖ wₖ·promptₖ resized to (h, w): (b, promptDim, h, w). */
    public NDArray prompt(NDArray degradation, long h, long w) {
        NDArray wts = weights(degradation);
        NDArray bank = promptParam.getArray().reshape(deDim, (long) promptDim * promptSize * promptSize);
        bank.attach(wts.getManager()); // the view must not pile up on the parameters' manager
        NDArray mixed = TorchOps.reshape(TorchOps.matmul(wts, bank), -1, promptDim, promptSize, promptSize);
        return resize.resize(mixed, h, w, promptParam.getArray().getManager());
    }

    /** One gradient step on features {@code x} towards the image-branch features {@code img} (same shape). */
    public NDArray forward(NDArray x, NDArray img, NDArray degradation) {
        long[] s = x.getShape().getShape();
        return ForwardScope.run(() -> {
            NDArray prompt = prompt(degradation, s[2], s[3]);
            NDArray residual = phi.forward(x, prompt).sub(img);
            return x.sub(phit.forward(residual).mul(r.getArray()));
        }, x, img, degradation);
    }
}
