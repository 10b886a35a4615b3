package org.vlunet.infer;

import ai.djl.ndarray.NDArray;

/**
 * A restoration network as the {@link TiledRestorer} sees it: a batch (N, 3, H, W) in [0, 1] with H and W multiples of
 * the network's size multiple, to a batch of the same shape.
 */
@FunctionalInterface
public interface Network {
    NDArray apply(NDArray batch01);
}
