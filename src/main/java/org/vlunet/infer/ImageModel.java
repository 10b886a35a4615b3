package org.vlunet.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.vlunet.data.RgbImage;

/**
 * A restoration model as the tools use it. What depends on the whole image (for VLU-Net, the CLIP degradation
 * feature and its read-out) is computed once per image, so every tile of a large image is restored under the same
 * guidance as the whole would be.
 */
public interface ImageModel {

    /** A network conditioned on one image, and what its degradation encoder saw (read-out may be null). */
    record Conditioned(Network network, Readout readout) {}

    /**
     * Reads the whole image (1, 3, H, W) in [0, 1], any size. Arrays it keeps belong to the image's manager, which
     * the caller closes after the image is done.
     */
    Conditioned condition(NDArray image01);

    /**
     * As {@link #condition(NDArray)} for an image held on the host, with what the model keeps on {@code manager}.
     * Models that read the image on the host override this so that no full-size array outlives the call (VLU-Net
     * only needs CLIP's 224-pixel input); by default the whole image becomes an array on {@code manager}.
     */
    default Conditioned condition(RgbImage image, NDManager manager) {
        return condition(manager.create(image.pixels(), new Shape(1, 3, image.height(), image.width())));
    }

    /** The side multiple the network needs (8 for VLU-Net). */
    int sizeMultiple();

    /** A model whose network does not depend on the image; {@code probe} may be null. */
    static ImageModel of(Network network, ReadoutProbe probe, int multiple) {
        return new ImageModel() {
            @Override
            public Conditioned condition(NDArray image01) {
                return new Conditioned(network, probe == null ? null : probe.read(image01));
            }

            @Override
            public int sizeMultiple() {
                return multiple;
            }
        };
    }
}
