package org.vlunet.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import org.vlunet.model.ModuleBlock;

/** torch.nn.Embedding: {@code weight} (vocab, w); ids → rows. */
public final class TokenEmbedding extends ModuleBlock {
    private final Parameter weight;
    private final long vocab;

    public TokenEmbedding(long vocab, long width) {
        this.vocab = vocab;
        weight = param("weight", Init.NORMAL, 0, vocab, width);
    }

    public long vocab() {
        return vocab;
    }

    public NDArray forward(NDArray ids) {
        return Embedding.embedding(ids, weight.getArray(), SparseFormat.DENSE).singletonOrThrow();
    }
}
