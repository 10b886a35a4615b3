package org.vlunet.infer;

import ai.djl.ndarray.NDArray;

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
