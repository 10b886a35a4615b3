package org.vlunet.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import org.vlunet.model.DeviceConstants;

/**
 * The text tower of open_clip's CLIP. Its parameters belong to {@link Clip} at the top level of the state dict
 * ({@code token_embedding}, {@code positional_embedding}, {@code transformer}, {@code ln_final},
 * {@code text_projection}), as in open_clip; this class is the computation over them: token + position
 * embeddings, the transformer under a causal mask (position i sees j ≤ i), ln_final, then the row of the end
 * token (the largest id) projected to the embedding.
 */
public final class TextTransformer {
    private final int contextLength;
    private final TokenEmbedding tokenEmbedding;
    private final Parameter positionalEmbedding;
    private final Transformer transformer;
    private final ClipLayerNorm lnFinal;
    private final Parameter textProjection;
    private final float scale;

    TextTransformer(int contextLength, TokenEmbedding tokenEmbedding, Parameter positionalEmbedding,
                    Transformer transformer, ClipLayerNorm lnFinal, Parameter textProjection) {
        this.contextLength = contextLength;
        this.tokenEmbedding = tokenEmbedding;
        this.positionalEmbedding = positionalEmbedding;
        this.transformer = transformer;
        this.lnFinal = lnFinal;
        this.textProjection = textProjection;
        this.scale = (float) transformer.scale();
    }

    /** The additive mask: 0 on and below the diagonal, -inf above. */
    static float[] causalMask(int n) {
        float[] m = new float[n * n];
        for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) m[i * n + j] = Float.NEGATIVE_INFINITY;
        return m;
    }

    private NDArray causalMask(Device device) {
        int n = contextLength;
        return DeviceConstants.of("causal mask " + n, device, m -> m.create(causalMask(n), new Shape(n, n)));
    }

    /** tokens (b, contextLength) int64 ids → (b, embedDim). */
    public NDArray forward(NDArray tokens) {
        Shape s = tokens.getShape();
        if (s.dimension() != 2 || s.get(1) != contextLength) {
            throw new IllegalArgumentException("CLIP token batch must be (b, " + contextLength + "), got " + s);
        }
        if (tokens.getDataType() != DataType.INT64 && tokens.getDataType() != DataType.INT32) {
            throw new IllegalArgumentException("CLIP tokens must be integer ids, got " + tokens.getDataType());
        }
        long b = s.get(0);
        NDArray x = tokenEmbedding.forward(tokens).add(positionalEmbedding.getArray());
        x = transformer.forward(x, DeviceConstants.scalar(scale, x.getDevice()), causalMask(x.getDevice()));
        x = lnFinal.forward(x);
        // End-token pooling: the end token (49407) has the largest id in every row.
        long w = x.getShape().get(2);
        NDArray rows = tokens.argMax(1).toType(DataType.INT64, false).reshape(b, 1, 1).broadcast(b, 1, w);
        NDArray pooled = x.gather(rows, 1).reshape(b, w);
        return pooled.matMul(textProjection.getArray());
    }
}
