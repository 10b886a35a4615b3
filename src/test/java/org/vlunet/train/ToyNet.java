package org.vlunet.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import org.vlunet.model.ModuleBlock;

/** A small image-to-image network conditioned on a feature vector, with one parameter it never uses. */
final class ToyNet extends ModuleBlock {
    final Parameter conv1, conv2, proj, unused;

    ToyNet(int featureDim) {
        conv1 = weight("conv1", 4, 3, 3, 3);
        proj = weight("proj", featureDim, 4);
        conv2 = weight("conv2", 3, 4, 3, 3);
        unused = weight("unused", 3);
    }

    NDArray forward(NDArray x, NDArray f) {
        Shape pad = new Shape(1, 1), one = new Shape(1, 1);
        NDArray h = Conv2d.conv2d(x, conv1.getArray(), null, one, pad).singletonOrThrow();
        NDArray s = f.matMul(proj.getArray()).reshape(f.getShape().get(0), 4, 1, 1);
        h = Activation.gelu(h.mul(s));
        return Conv2d.conv2d(h, conv2.getArray(), null, one, pad).singletonOrThrow().add(x);
    }
}
