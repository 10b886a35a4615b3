package org.vlunet.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import org.vlunet.config.ClipConfig;
import org.vlunet.model.ModuleBlock;
import org.vlunet.weights.HostTensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * open_clip's CLIP (ViT-B-32 layout) with its state-dict names: the vision tower under {@code visual.}, the
 * text tower at the top level, and {@code logit_scale} (0-d; unused by VLU-Net but part of the layout).
 */
public final class Clip extends ModuleBlock {
    private final ClipConfig config;
    private final VisionTransformer visual;
    private final TextTransformer text;

    /** The one key a CLIP file may lack: unused by VLU-Net, and dropped by some open_clip exports. */
    private static final String LOGIT_SCALE = "logit_scale";
    private static final float LOGIT_SCALE_INIT = (float) Math.log(1 / 0.07); // open_clip's initial value

    public Clip(ClipConfig config) {
        this.config = config.validate();
        ClipConfig.Text t = config.text();
        Parameter positional = param("positional_embedding", Init.NORMAL, 0, t.contextLength(), t.width());
        Parameter textProjection = param("text_projection", Init.NORMAL, 0, t.width(), config.embedDim());
        addParameter(Parameter.builder().setName(LOGIT_SCALE).setType(Parameter.Type.OTHER)
                .optShape(new ai.djl.ndarray.types.Shape())
                .optInitializer(new ai.djl.training.initializer.ConstantInitializer(LOGIT_SCALE_INIT)).build());
        visual = child("visual", new VisionTransformer(config.vision(), config.embedDim()));
        Transformer transformer = child("transformer", new Transformer(t.width(), t.layers(), t.heads()));
        TokenEmbedding tokenEmbedding = child("token_embedding", new TokenEmbedding(t.vocabSize(), t.width()));
        ClipLayerNorm lnFinal = child("ln_final", new ClipLayerNorm(t.width()));
        text = new TextTransformer(t.contextLength(), tokenEmbedding, positional, transformer, lnFinal, textProjection);
    }

    /** CLIP weights as read, with a missing {@code logit_scale} given open_clip's initial value (the one exception to strict loading). */
    public static Map<String, HostTensor> completed(Map<String, HostTensor> tensors) {
        if (tensors.containsKey(LOGIT_SCALE)) return tensors;
        LinkedHashMap<String, HostTensor> out = new LinkedHashMap<>(tensors);
        out.put(LOGIT_SCALE, HostTensor.ofFloats(new long[0], new float[] {LOGIT_SCALE_INIT}));
        return out;
    }

    public ClipConfig config() {
        return config;
    }

    public VisionTransformer visual() {
        return visual;
    }

    public TextTransformer text() {
        return text;
    }

    /** open_clip's encode_image (not normalised): images (b, 3, S, S) preprocessed → (b, embedDim). */
    public NDArray encodeImage(NDArray images) {
        return visual.forward(images);
    }

    /** open_clip's encode_text (not normalised): tokens (b, contextLength) int64 → (b, embedDim). */
    public NDArray encodeText(NDArray tokens) {
        return text.forward(tokens);
    }
}
