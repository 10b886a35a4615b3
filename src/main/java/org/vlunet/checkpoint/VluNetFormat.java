package org.vlunet.checkpoint;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.vlunet.config.ClipConfig;
import org.vlunet.config.ConfigException;
import org.vlunet.config.VluNetConfig;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.Safetensors;
import org.vlunet.weights.WeightsException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Our checkpoint format: one safetensors file that needs nothing beside it (written by {@link ModelWriter}).
 * <ul>
 * <li>tensors: the backbone under its reference keys ({@code patch_embed.proj.weight}, ...), CLIP under
 * {@code clip.} + its open_clip key ({@code clip.visual.conv1.weight}, ...), the adapters under their own keys
 * ({@code ad_imageEncoder.adapter.0.weight}, {@code ad_textEncoder.adapter.0.weight}, ...); dtypes as given;</li>
 * <li>metadata: {@code format} = {@value #FORMAT}, {@code format_version} = {@value #VERSION}, {@code config}
 * (VluNetConfig JSON, with the classes under "degradations"), or {@code clip_config} when there is no backbone,
 * {@code classes} (JSON list of class keys in GDM order), {@code prompts} (JSON list: the text adapter's prompts
 * in logit order), {@code parts}, and {@code provenance} (JSON: command, epochs, steps, date, source, note).</li>
 * </ul>
 */
public final class VluNetFormat {
    private VluNetFormat() {}

    public static final String FORMAT = "vlunet-checkpoint";
    public static final String VERSION = "1";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The metadata of {@code ck} in this format ({@code provenance}, or else the checkpoint's own); {@code extra} keys
     * come first and the format's own keys replace any of the same name.
     */
    static Map<String, String> metadata(Checkpoint ck, Provenance provenance, Map<String, String> extra) {
        Map<String, String> meta = new LinkedHashMap<>(extra);
        meta.put("format", FORMAT);
        meta.put("format_version", VERSION);
        if (ck.config() != null) meta.put("config", ck.config().toJson());
        else if (ck.clipConfig() != null) meta.put("clip_config", json(ck.clipConfig()));
        if (ck.config() != null && ck.config().degradations() != null) meta.put("classes", json(ck.config().degradations()));
        if (ck.prompts() != null) meta.put("prompts", json(ck.prompts()));
        meta.put("parts", String.join(",", ck.parts()));
        Provenance p = provenance != null ? provenance : ck.provenance();
        if (p != null) meta.put("provenance", p.toJson());
        return meta;
    }

    /** Compact JSON, as every metadata value of these files is written. */
    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean isOurs(Map<String, String> metadata) {
        return FORMAT.equals(metadata.get("format"));
    }

    /**
     * The configuration with the {@code classes} metadata: it must agree with the configuration's own list, or,
     * where that has none, name one known class per prompt of the network (never quietly replaced by defaults).
     */
    private static VluNetConfig withClasses(Path file, VluNetConfig config, String json, Map<String, HostTensor> backbone,
                                            ClipConfig clipConfig) {
        List<String> classes;
        try {
            classes = JSON.readValue(json, new TypeReference<List<String>>() {});
        } catch (IOException e) {
            throw new WeightsException(file + ": unreadable classes in the metadata (expected a JSON list of class names)");
        }
        if (classes == null || (config == null && backbone.isEmpty())) return config;
        if (config == null) { // no configuration stored: the network's shapes, with these classes
            try {
                return new VluNetConfig(ArchitectureInference.model(ArchitectureInference.shapes(backbone)), clipConfig, classes).validate();
            } catch (ConfigException e) {
                throw new WeightsException(file + ": metadata classes: " + e.getMessage());
            }
        }
        if (config.degradations() != null) {
            if (!config.degradations().equals(classes)) {
                throw new WeightsException(file + ": the metadata's classes " + classes + " disagree with its configuration's "
                        + config.degradations());
            }
            return config;
        }
        try {
            return new VluNetConfig(config.model(), config.clip(), classes).validate();
        } catch (ConfigException e) {
            throw new WeightsException(file + ": metadata classes: " + e.getMessage());
        }
    }

    /** Reads a file {@link #isOurs} said is ours. */
    static Checkpoint read(Path file, Safetensors f) {
        Map<String, String> m = f.metadata();
        String version = m.get("format_version");
        if (!VERSION.equals(version)) {
            throw new WeightsException(file + ": " + FORMAT + " version " + version + " (this build reads version " + VERSION + ")");
        }
        VluNetConfig config = null;
        ClipConfig clipConfig = null;
        try {
            if (m.containsKey("config")) config = VluNetConfig.fromJson(m.get("config"));
            if (m.containsKey("clip_config")) clipConfig = JSON.readValue(m.get("clip_config"), ClipConfig.class).validate();
        } catch (ConfigException | IOException e) {
            throw new WeightsException(file + ": unreadable configuration in the metadata (" + e.getMessage() + ")");
        }
        List<String> prompts = null;
        try {
            if (m.containsKey("prompts")) prompts = JSON.readValue(m.get("prompts"), new TypeReference<List<String>>() {});
        } catch (IOException e) {
            throw new WeightsException(file + ": unreadable prompts in the metadata");
        }
        Provenance prov = m.containsKey("provenance") ? Provenance.fromJson(m.get("provenance"), file.toString()) : null;
        Map<String, HostTensor> all = new LinkedHashMap<>();
        for (String k : f.names()) all.put(k, f.read(k));
        PartMapping.Split<HostTensor> s = PartMapping.split(all);
        if (!s.ignored().isEmpty()) throw new WeightsException(file + ": keys of no part: " + s.ignored());
        if (m.containsKey("classes")) config = withClasses(file, config, m.get("classes"), s.backbone(), clipConfig);
        return new Checkpoint(file, "VLU-Net checkpoint", s.backbone(), s.clip(), s.adapter(), config, clipConfig, prompts, prov,
                Map.of(), List.of());
    }
}
