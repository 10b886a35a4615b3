package org.vlunet.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.vlunet.config.ClipConfig;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.StateDict;
import org.vlunet.weights.WeightsException;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * VLU-Net's degradation encoder (the authors' {@code model_degradation}): frozen CLIP followed by the DA adapter.
 * {@link #features} is the 512-d vector that drives every GDM of the restoration network. It reads no files and
 * writes none: weights come in as tensors and leave through {@link org.vlunet.weights.StateDict#save}.
 */
public final class DegradationEncoder {
    private final Clip clip;
    private final DegradationAdapter adapter;

    private DegradationEncoder(Clip clip, DegradationAdapter adapter) {
        this.clip = clip;
        this.adapter = adapter;
    }

    /** CLIP and adapter allocated on {@code manager} with their default (random) initialisation; CLIP frozen. */
    public static DegradationEncoder create(ClipConfig config, NDManager manager) {
        Clip clip = new Clip(config);
        DegradationAdapter adapter = new DegradationAdapter(config.embedDim());
        clip.initialize(manager);
        adapter.initialize(manager);
        clip.freezeParameters(true);
        return new DegradationEncoder(clip, adapter);
    }

    public Clip clip() {
        return clip;
    }

    public DegradationAdapter adapter() {
        return adapter;
    }

    public ClipConfig config() {
        return clip.config();
    }

    /** The degradation feature d = image adapter(encode_image(x)): clipInput (b, 3, S, S) preprocessed → (b, 512). */
    public NDArray features(NDArray clipInput) {
        return adapter.imageFeatures(clip.encodeImage(clipInput));
    }

    /** The text feature of each prompt: text adapter(encode_text(tokens)), tokens (k, 77) → (k, 512). */
    public NDArray textFeatures(NDArray tokens) {
        return adapter.textFeatures(clip.encodeText(tokens));
    }

    /** Fine-tuning logits: image features @ text featuresᵀ (no scale, no normalisation), (b, k). */
    public NDArray promptMatch(NDArray clipInput, NDArray tokens) {
        return features(clipInput).matMul(textFeatures(tokens).transpose());
    }

    // ---- weights ------------------------------------------------------------------------------------------

    /** Loads an open_clip-layout CLIP state dict (strict but for {@link Clip#completed}; F16/BF16 widen to float32). */
    public void loadClip(Map<String, HostTensor> tensors, String what) {
        StateDict.load(clip, Clip.completed(tensors), true, what);
    }

    /** Loads the DA adapter's keys ({@code ad_imageEncoder.adapter.*}, {@code ad_textEncoder.adapter.*}), strict. */
    public void loadAdapter(Map<String, HostTensor> tensors, String what) {
        StateDict.load(adapter, tensors, true, what);
    }

    /**
     * Loads the authors' {@code model_degradation} sub-dict (prefix already removed): CLIP under
     * {@code ad_imageEncoder.clip_model.} (the copy under {@code ad_textEncoder.clip_model.} holds the same
     * tensors and is ignored) and the adapter keys.
     */
    public void loadModelDegradation(Map<String, HostTensor> tensors, String what) {
        Map<String, HostTensor> clipPart = StateDict.strip(tensors, "ad_imageEncoder.clip_model.");
        if (clipPart.isEmpty()) throw new WeightsException(what + ": no ad_imageEncoder.clip_model.* keys (expected the authors' model_degradation layout)");
        loadClip(clipPart, what + " (CLIP)");
        LinkedHashMap<String, HostTensor> adapterPart = new LinkedHashMap<>();
        tensors.forEach((k, v) -> { if (k.contains(".adapter.") && !k.contains(".clip_model.")) adapterPart.put(k, v); });
        loadAdapter(adapterPart, what + " (DA adapter)");
    }
}
