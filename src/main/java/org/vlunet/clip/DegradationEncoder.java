package org.vlunet.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.vlunet.checkpoint.PartMapping;
import org.vlunet.checkpoint.Provenance;
import org.vlunet.checkpoint.VluNetFormat;
import org.vlunet.config.ClipConfig;
import org.vlunet.config.VluNetConfig;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.Safetensors;
import org.vlunet.weights.StateDict;
import org.vlunet.weights.WeightsException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * VLU-Net's degradation encoder (the authors' {@code model_degradation}): frozen CLIP followed by the DA adapter.
 * {@link #features} is the 512-d vector that drives every GDM of the restoration network.
 */
public final class DegradationEncoder {
    /** Metadata key under which saved CLIP files carry their {@link ClipConfig} as JSON. */
    public static final String CONFIG_METADATA = "vlunet_clip_config";

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

    /** Loads an open_clip-layout CLIP state dict (strict; F16/BF16 widen to float32). */
    public void loadClip(Map<String, HostTensor> tensors, String what) {
        StateDict.load(clip, tensors, true, what);
    }

    public void loadClip(Path safetensors) {
        loadClip(Safetensors.readAll(safetensors), "CLIP weights " + safetensors);
    }

    /** Loads the DA adapter's keys ({@code ad_imageEncoder.adapter.*}, {@code ad_textEncoder.adapter.*}), strict. */
    public void loadAdapter(Map<String, HostTensor> tensors, String what) {
        StateDict.load(adapter, tensors, true, what);
    }

    public void loadAdapter(Path safetensors) {
        loadAdapter(Safetensors.readAll(safetensors), "DA adapter " + safetensors);
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

    /** CLIP's parameters in open_clip's layout (float32), with this encoder's config in the metadata. */
    public void saveClip(Path path, Map<String, String> metadata) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "open_clip CLIP state_dict");
        meta.put(CONFIG_METADATA, clipConfigJson(clip.config()));
        if (metadata != null) meta.putAll(metadata);
        Safetensors.write(path, StateDict.save(clip), meta);
    }

    /** The adapter's parameters under the authors' keys (float32). */
    public void saveAdapter(Path path, Map<String, String> metadata) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "DA_adapter adapters");
        if (metadata != null) meta.putAll(metadata);
        Safetensors.write(path, StateDict.save(adapter), meta);
    }

    /**
     * CLIP and/or the adapter in the project's checkpoint format ({@link VluNetFormat}: CLIP under {@code clip.},
     * the adapter keys as they are; {@code clip_config}, {@code prompts}, {@code parts}, {@code provenance} in the
     * metadata), so that every command's checkpoint reader takes it; {@code extra} metadata is added. Atomic.
     */
    public void saveCheckpoint(Path path, boolean withClip, boolean withAdapter, List<String> prompts, Provenance provenance,
                               Map<String, String> extra) throws IOException {
        if (!withClip && !withAdapter) throw new IllegalArgumentException("nothing to save");
        LinkedHashMap<String, HostTensor> t = new LinkedHashMap<>();
        if (withClip) t.putAll(StateDict.prefix(StateDict.save(clip), PartMapping.CLIP));
        if (withAdapter) t.putAll(StateDict.save(adapter));
        Map<String, String> meta = new LinkedHashMap<>();
        if (extra != null) meta.putAll(extra);
        meta.put("format", VluNetFormat.FORMAT);
        meta.put("format_version", VluNetFormat.VERSION);
        meta.put("clip_config", clipConfigJson(clip.config()));
        if (prompts != null) meta.put("prompts", AdapterFinetuner.json(prompts));
        List<String> parts = new java.util.ArrayList<>();
        if (withClip) parts.add("clip");
        if (withAdapter) parts.addAll(List.of("image adapter", "text adapter"));
        meta.put("parts", String.join(",", parts));
        if (provenance != null) meta.put("provenance", provenance.toJson());
        Safetensors.write(path, t, meta);
    }

    /** The CLIP config a file saved by {@link #saveClip} carries, or null when it has none. */
    public static ClipConfig storedConfig(Path clipSafetensors) {
        try (Safetensors st = Safetensors.open(clipSafetensors)) {
            String json = st.metadata().get(CONFIG_METADATA);
            if (json == null) return null;
            try {
                return VluNetConfig.JSON.readValue(json, ClipConfig.class).validate();
            } catch (IOException e) {
                throw new WeightsException(clipSafetensors + ": unreadable " + CONFIG_METADATA + " metadata (" + e.getMessage() + ")");
            }
        }
    }

    static String clipConfigJson(ClipConfig c) {
        try {
            return VluNetConfig.JSON.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(c);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
