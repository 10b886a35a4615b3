package org.vlunet.train;

import ai.djl.ndarray.NDArray;

/** How the trained network restores a batch: {@code VluNet::forward} (degraded (N,3,H,W), features (N,D)). */
@FunctionalInterface
public interface Restorer<M> {
    NDArray restore(M model, NDArray degraded, NDArray features);
}
