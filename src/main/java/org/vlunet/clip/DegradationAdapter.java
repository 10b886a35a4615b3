package org.vlunet.clip;

import ai.djl.ndarray.NDArray;
import org.vlunet.model.Dense;
import org.vlunet.model.ModuleBlock;
import org.vlunet.model.ModuleList;
import org.vlunet.model.TorchOps;

/**
 * The authors' DA adapter: one small MLP on CLIP's image embedding ({@code ad_imageEncoder.adapter}) and one on
 * its text embedding ({@code ad_textEncoder.adapter}), each
 * Linear, LayerNorm, GELU, Linear, LayerNorm, GELU, Linear, LayerNorm (indices 0..7; the GELUs hold nothing).
 * The image side's output is the degradation feature that drives the restoration network's GDMs.
 */
public final class DegradationAdapter extends ModuleBlock {
    private final int dim;
    private final Tower image;
    private final Tower text;

    public DegradationAdapter(int dim) {
        this.dim = dim;
        image = child("ad_imageEncoder", new Tower(dim));
        text = child("ad_textEncoder", new Tower(dim));
    }

    public int dim() {
        return dim;
    }

    /** CLIP image embedding (b, dim) → degradation feature (b, dim), not normalised. */
    public NDArray imageFeatures(NDArray clipImageEmbedding) {
        return image.forward(clipImageEmbedding);
    }

    /** CLIP text embedding (k, dim) → text feature (k, dim), not normalised. */
    public NDArray textFeatures(NDArray clipTextEmbedding) {
        return text.forward(clipTextEmbedding);
    }

    /** {@code <name>.adapter}: the three Linear+LayerNorm pairs with GELU between them. */
    static final class Tower extends ModuleBlock {
        private final Dense fc0, fc3, fc6;
        private final ClipLayerNorm ln1, ln4, ln7;
        private final int dim;

        Tower(int dim) {
            this.dim = dim;
            fc0 = new Dense(dim, dim);
            ln1 = new ClipLayerNorm(dim);
            fc3 = new Dense(dim, dim);
            ln4 = new ClipLayerNorm(dim);
            fc6 = new Dense(dim, dim);
            ln7 = new ClipLayerNorm(dim);
            child("adapter", new ModuleList<>().add(0, fc0).add(1, ln1).add(3, fc3).add(4, ln4).add(6, fc6).add(7, ln7));
        }

        NDArray forward(NDArray x) {
            if (x.getShape().dimension() != 2 || x.getShape().get(1) != dim) {
                throw new IllegalArgumentException("DA adapter input must be (b, " + dim + "), got " + x.getShape());
            }
            x = TorchOps.gelu(ln1.forward(fc0.forward(x)));
            x = TorchOps.gelu(ln4.forward(fc3.forward(x)));
            return ln7.forward(fc6.forward(x));
        }
    }
}
