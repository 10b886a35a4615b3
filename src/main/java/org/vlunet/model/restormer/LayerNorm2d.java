package org.vlunet.model.restormer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import org.vlunet.model.ModuleBlock;
import org.vlunet.model.TorchOps;

/**
 * Restormer's "WithBias" LayerNorm over the channel axis at every pixel: (x − mean)/sqrt(var + 1e-5)·w + b with
 * the biased variance. One fused layer_norm on a channels-last view (the authors' to_3d/to_4d rearrange).
 * Keys: {@code body.weight}, {@code body.bias}.
 */
public final class LayerNorm2d extends ModuleBlock {
    private static final float EPS = 1e-5f;

    /** The authors' WithBias_LayerNorm, which holds the affine parameters under the child name "body". */
    static final class Body extends ModuleBlock {
        final Parameter weight;
        final Parameter bias;

        Body(int channels) {
            weight = param("weight", Init.ONES, 0, channels);
            bias = param("bias", Init.ZEROS, 0, channels);
        }
    }

    private final Body body;
    private final Shape normalized;

    public LayerNorm2d(int channels) {
        body = child("body", new Body(channels));
        normalized = new Shape(channels);
    }

    public NDArray forward(NDArray x) {
        NDArray channelsLast = TorchOps.permute(x, 0, 2, 3, 1);
        NDArray y = TorchOps.layerNorm(channelsLast, normalized, body.weight.getArray(), body.bias.getArray(), EPS);
        // a channels-last view: the convolutions that follow take it as it is
        return TorchOps.permute(y, 0, 3, 1, 2);
    }
}
