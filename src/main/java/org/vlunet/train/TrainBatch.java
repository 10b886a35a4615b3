package org.vlunet.train;

import ai.djl.ndarray.NDArray;

/**
 * One training batch on the host: degraded and clean crops (N,3,P,P) in [0,1], the CLIP encoder's input for each
 * degraded crop (N,3,S,S, already preprocessed), and each sample's degradation class id.
 */
public record TrainBatch(NDArray degraded, NDArray clean, NDArray clipInput, int[] classes) implements AutoCloseable {

    public TrainBatch {
        long n = degraded.getShape().get(0);
        if (clean.getShape().get(0) != n || clipInput.getShape().get(0) != n || classes.length != n) {
            throw new IllegalArgumentException("batch parts disagree on the batch size: degraded " + degraded.getShape()
                    + ", clean " + clean.getShape() + ", clip input " + clipInput.getShape() + ", " + classes.length + " classes");
        }
        if (!degraded.getShape().equals(clean.getShape())) {
            throw new IllegalArgumentException("degraded " + degraded.getShape() + " and clean " + clean.getShape() + " differ in shape");
        }
    }

    public int size() {
        return classes.length;
    }

    @Override
    public void close() {
        degraded.close();
        clean.close();
        clipInput.close();
    }
}
