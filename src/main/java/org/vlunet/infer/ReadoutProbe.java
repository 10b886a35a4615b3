package org.vlunet.infer;

import ai.djl.ndarray.NDArray;

/** What the degradation encoder sees in a batch of one image (1, 3, H, W) in [0, 1]. */
@FunctionalInterface
public interface ReadoutProbe {
    Readout read(NDArray batch01);
}
