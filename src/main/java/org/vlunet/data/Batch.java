package org.vlunet.data;

/**
 * A training batch, flattened for tensors: {@code degraded} and {@code clean} are (size, 3, patch, patch),
 * {@code clipInput} is (size, 3, 224, 224) or whatever the CLIP function returns per sample (null without one);
 * {@code samples} are the training-set indices; {@code epoch} and {@code index} locate the batch for resuming.
 */
public record Batch(int epoch, int index, int size, int patchSize, int[] samples, float[] degraded, float[] clean,
                    int[] classes, float[] clipInput) {

    /** The length of one sample's CLIP input, 0 without one. */
    public int clipLength() {
        return clipInput == null ? 0 : clipInput.length / size;
    }
}
