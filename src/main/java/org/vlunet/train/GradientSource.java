package org.vlunet.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Where an optimizer step reads the gradients of its parameters (in the optimizer's order): one network's own
 * ({@link GradientViews}) or the sum over data-parallel replicas ({@link DataParallel#gradients()}).
 */
public interface GradientSource {
    /** Called once at the start of every step, after the backward passes. */
    void prepare();

    /** Whether parameter {@code i} has a gradient this step (torch: {@code grad is not None}). */
    boolean has(int i);

    /**
     * The gradients of parameters {@code [first, end)}, flattened and concatenated in order into a new 1-d array
     * on {@code into} (zeros for a parameter without one); the caller may overwrite it.
     */
    NDArray gather(int first, int end, NDManager into);
}
