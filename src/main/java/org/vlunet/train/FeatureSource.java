package org.vlunet.train;

import ai.djl.ndarray.NDArray;

/**
 * The frozen degradation encoder (CLIP image tower + DA adapter): (N,3,S,S) CLIP input to (N,D) features. Called
 * with gradient recording off; the result is a constant for the restoration network.
 */
@FunctionalInterface
public interface FeatureSource {
    NDArray features(NDArray clipInput);
}
