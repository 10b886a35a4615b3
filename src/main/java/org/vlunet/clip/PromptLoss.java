package org.vlunet.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** The fine-tuning objective: cross-entropy of the prompt logits against the class index (torch's mean reduction). */
public final class PromptLoss {
    private PromptLoss() {}

    /** logits (b, k), labels (b) integer class indices → scalar mean cross-entropy. */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        long b = logits.getShape().get(0);
        NDArray index = labels.toType(DataType.INT64, false).reshape(b, 1);
        return logits.logSoftmax(1).gather(index, 1).mean().neg();
    }

    /** How many rows have their largest logit at the label. */
    public static int correct(NDArray logits, NDArray labels) {
        long[] pred = logits.argMax(1).toType(DataType.INT64, false).toLongArray();
        long[] want = labels.toType(DataType.INT64, false).toLongArray();
        int n = 0;
        for (int i = 0; i < pred.length; i++) if (pred[i] == want[i]) n++;
        return n;
    }
}
