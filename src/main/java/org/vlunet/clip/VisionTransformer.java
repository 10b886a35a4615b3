package org.vlunet.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import org.vlunet.config.ClipConfig;
import org.vlunet.model.ModuleBlock;
import org.vlunet.model.TorchOps;

/**
 * open_clip's VisionTransformer (key prefix {@code visual.}): patches by a stride-p conv, a class token, learned
 * positions, ln_pre, the transformer, ln_post of the class token, and the projection to the embedding.
 */
public final class VisionTransformer extends ModuleBlock {
    private final ClipConfig.Vision cfg;
    private final Parameter classEmbedding;
    private final Parameter positionalEmbedding;
    private final Parameter proj;
    private final PatchConv conv1;
    private final ClipLayerNorm lnPre;
    private final Transformer transformer;
    private final ClipLayerNorm lnPost;
    private final float scale;

    public VisionTransformer(ClipConfig.Vision cfg, int embedDim) {
        this.cfg = cfg;
        int w = cfg.width();
        long tokens = (long) cfg.gridSize() * cfg.gridSize() + 1;
        classEmbedding = param("class_embedding", Init.NORMAL, 0, w);
        positionalEmbedding = param("positional_embedding", Init.NORMAL, 0, tokens, w);
        proj = param("proj", Init.NORMAL, 0, w, embedDim);
        conv1 = child("conv1", new PatchConv(w, cfg.patchSize()));
        lnPre = child("ln_pre", new ClipLayerNorm(w));
        transformer = child("transformer", new Transformer(w, cfg.layers(), cfg.heads()));
        lnPost = child("ln_post", new ClipLayerNorm(w));
        scale = (float) transformer.scale();
    }

    /** images (b, 3, S, S), already preprocessed → (b, embedDim). */
    public NDArray forward(NDArray images) {
        Shape s = images.getShape();
        int size = cfg.imageSize();
        if (s.dimension() != 4 || s.get(1) != 3 || s.get(2) != size || s.get(3) != size) {
            throw new IllegalArgumentException("CLIP image batch must be (b, 3, " + size + ", " + size + "), got " + s);
        }
        long b = s.get(0);
        int w = cfg.width();
        NDArray x = TorchOps.transpose(TorchOps.reshape(conv1.forward(images), b, w, -1), 1, 2); // (b, g*g, w)
        // a view of the parameter would attach to the parameters' manager, and so would every later result
        NDArray clsView = classEmbedding.getArray().reshape(1, 1, w);
        if (clsView != classEmbedding.getArray()) clsView.attach(x.getManager());
        NDArray cls = clsView.broadcast(b, 1, w);
        x = TorchOps.add(NDArrays.concat(new NDList(cls, x), 1), positionalEmbedding.getArray());
        x = lnPre.forward(x);
        x = transformer.forward(x, org.vlunet.model.DeviceConstants.scalar(scale, x.getDevice()), null);
        NDArray classToken = TorchOps.split(x, 1, 1, (long) cfg.gridSize() * cfg.gridSize())[0]; // (b, 1, w), a view
        return TorchOps.reshape(TorchOps.matmul(lnPost.forward(classToken), proj.getArray()), b, -1);
    }

    /** The patch embedding: a p×p, stride-p convolution 3→w without bias ({@code conv1.weight}). */
    public static final class PatchConv extends ModuleBlock {
        private final Parameter weight;
        private final int width, patch;
        private final Shape stride;
        private final Shape padding = new Shape(0, 0);
        private final Shape dilation = new Shape(1, 1);

        PatchConv(int width, int patch) {
            weight = weight("weight", width, 3, patch, patch);
            stride = new Shape(patch, patch);
            this.width = width;
            this.patch = patch;
        }

        public int width() {
            return width;
        }

        public int patch() {
            return patch;
        }

        NDArray forward(NDArray x) {
            return Conv2d.conv2d(x, weight.getArray(), null, stride, padding, dilation, 1).singletonOrThrow();
        }
    }
}
