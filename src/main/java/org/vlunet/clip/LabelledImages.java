package org.vlunet.clip;

import org.vlunet.data.Degradation;
import org.vlunet.data.RgbImage;

/**
 * The training data of {@code finetune-clip}: degraded images, each labelled with its degradation class.
 * Implementations must return the same image for the same index (CLIP is frozen, so its embeddings are
 * computed once and reused every epoch) and may be called from several threads.
 */
public interface LabelledImages {
    int size();

    Degradation label(int index);

    /** The image in [0, 1]; errors name the file. */
    RgbImage image(int index);

    /** Where the image comes from, for messages. */
    String describe(int index);
}
