package org.vlunet.checkpoint;

import org.vlunet.clip.Clip;
import org.vlunet.config.ClipConfig;
import org.vlunet.config.ConfigException;
import org.vlunet.config.ModelConfig;
import org.vlunet.config.VluNetConfig;
import org.vlunet.data.Degradation;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.StateDict;
import org.vlunet.weights.WeightsException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a checkpoint holds, in three parts under their reference names: the backbone (VLUNet keys), CLIP
 * (open_clip keys) and the adapters ({@code ad_imageEncoder.adapter.*}, {@code ad_textEncoder.adapter.*}); any
 * part may be empty. Read with {@link CheckpointReader}; {@link #resolve} settles the configuration (given, stored
 * in the file, or inferred from the shapes) and refuses weights that do not fit it.
 */
public final class Checkpoint {

    private final Path path;
    private final String kind;
    private final LinkedHashMap<String, HostTensor> backbone, clip, adapter;
    private final VluNetConfig config;
    private final ClipConfig clipConfig;
    private final List<String> prompts;
    private final Provenance provenance;
    private final LinkedHashMap<String, String> details;
    private final List<String> ignored;

    Checkpoint(Path path, String kind, Map<String, HostTensor> backbone, Map<String, HostTensor> clip, Map<String, HostTensor> adapter,
               VluNetConfig config, ClipConfig clipConfig, List<String> prompts, Provenance provenance,
               Map<String, String> details, List<String> ignored) {
        this.path = path;
        this.kind = kind;
        this.backbone = new LinkedHashMap<>(backbone);
        this.clip = new LinkedHashMap<>(clip);
        this.adapter = new LinkedHashMap<>(adapter);
        this.config = config;
        this.clipConfig = config != null && config.clip() != null ? config.clip() : clipConfig;
        this.prompts = prompts == null ? null : List.copyOf(prompts);
        this.provenance = provenance;
        this.details = new LinkedHashMap<>(details);
        this.ignored = List.copyOf(ignored);
    }

    /** A checkpoint made from parts in memory (e.g. a trained model), with its configuration. */
    public static Checkpoint of(Map<String, HostTensor> backbone, Map<String, HostTensor> clip, Map<String, HostTensor> adapter,
                                VluNetConfig config, List<String> prompts, Provenance provenance) {
        return new Checkpoint(null, "in memory", backbone, clip, adapter, config, null, prompts, provenance, Map.of(), List.of());
    }

    /** CLIP and/or DA adapters made in memory (e.g. a fine-tuned adapter), with CLIP's configuration. */
    public static Checkpoint ofEncoder(Map<String, HostTensor> clip, Map<String, HostTensor> adapter, ClipConfig clipConfig,
                                       List<String> prompts, Provenance provenance) {
        return new Checkpoint(null, "in memory", Map.of(), clip, adapter, null, clipConfig, prompts, provenance, Map.of(), List.of());
    }

    /** Its CLIP and DA adapters alone (a whole model read for its encoder: the restoration network is left out). */
    public Checkpoint encoderOnly() {
        return new Checkpoint(path, kind, Map.of(), clip, adapter, null, clipConfig, prompts, provenance, details, ignored);
    }

    /** Its DA adapters alone. */
    public Checkpoint adaptersOnly() {
        return new Checkpoint(path, kind, Map.of(), Map.of(), adapter, null, null, prompts, provenance, details, ignored);
    }

    /** The file it was read from (null if made in memory). */
    public Path path() {
        return path;
    }

    /** What kind of file it was, e.g. "Lightning checkpoint". */
    public String kind() {
        return kind;
    }

    public Map<String, HostTensor> backbone() {
        return Collections.unmodifiableMap(backbone);
    }

    public Map<String, HostTensor> clip() {
        return Collections.unmodifiableMap(clip);
    }

    /** Both adapters under their keys ({@code ad_imageEncoder.adapter.0.weight}, ...). */
    public Map<String, HostTensor> adapter() {
        return Collections.unmodifiableMap(adapter);
    }

    /** The adapter whose keys start with {@code prefix} (e.g. {@link ReferenceLayout#IMAGE_ADAPTER}), prefix kept. */
    public Map<String, HostTensor> adapter(String prefix) {
        LinkedHashMap<String, HostTensor> out = new LinkedHashMap<>();
        adapter.forEach((k, v) -> { if (k.startsWith(prefix)) out.put(k, v); });
        return out;
    }

    public boolean hasBackbone() {
        return !backbone.isEmpty();
    }

    public boolean hasClip() {
        return !clip.isEmpty();
    }

    public boolean hasImageAdapter() {
        return adapter.keySet().stream().anyMatch(k -> k.startsWith(ReferenceLayout.IMAGE_ADAPTER));
    }

    public boolean hasTextAdapter() {
        return adapter.keySet().stream().anyMatch(k -> k.startsWith(ReferenceLayout.TEXT_ADAPTER));
    }

    /** Names of the parts present: backbone, clip, image adapter, text adapter. */
    public List<String> parts() {
        List<String> p = new ArrayList<>();
        if (hasBackbone()) p.add("backbone");
        if (hasClip()) p.add("clip");
        if (hasImageAdapter()) p.add("image adapter");
        if (hasTextAdapter()) p.add("text adapter");
        return p;
    }

    /** The whole-model configuration: stored in the file, or settled by {@link #resolve}; null if neither. */
    public VluNetConfig config() {
        return config;
    }

    /** CLIP's configuration where known without a backbone one. */
    public ClipConfig clipConfig() {
        return clipConfig;
    }

    /** The degradation classes in GDM order (from the configuration); null if not known. */
    public List<Degradation> classes() {
        if (config == null || config.degradations() == null) return null;
        return config.degradations().stream().map(Degradation::of).toList();
    }

    /** The text adapter's prompts in the order of its logits; null if not known. */
    public List<String> prompts() {
        return prompts;
    }

    public Provenance provenance() {
        return provenance;
    }

    /** What the source file said besides weights (epoch, global_step, versions, ...). */
    public Map<String, String> details() {
        return Collections.unmodifiableMap(details);
    }

    /** Source keys that belong to no part (left out). */
    public List<String> ignored() {
        return ignored;
    }

    /** Every tensor as written in our format: backbone as is, CLIP under {@code clip.}, adapters as is. */
    public LinkedHashMap<String, HostTensor> tensors() {
        LinkedHashMap<String, HostTensor> out = new LinkedHashMap<>(backbone);
        clip.forEach((k, v) -> out.put(PartMapping.CLIP + k, v));
        out.putAll(adapter);
        return out;
    }

    /** This checkpoint with the parts {@code later} has replacing its own (configuration settled again by resolve). */
    public Checkpoint merge(Checkpoint later) {
        String k = kind + " + " + later.kind;
        Map<String, HostTensor> b = later.hasBackbone() ? later.backbone : backbone;
        Map<String, HostTensor> c = later.hasClip() ? later.clip : clip;
        LinkedHashMap<String, HostTensor> a = new LinkedHashMap<>(later.hasImageAdapter() ? later.adapter(ReferenceLayout.IMAGE_ADAPTER)
                : adapter(ReferenceLayout.IMAGE_ADAPTER));
        a.putAll(later.hasTextAdapter() ? later.adapter(ReferenceLayout.TEXT_ADAPTER) : adapter(ReferenceLayout.TEXT_ADAPTER));
        LinkedHashMap<String, String> d = new LinkedHashMap<>(details);
        d.putAll(later.details);
        List<String> ign = new ArrayList<>(ignored);
        ign.addAll(later.ignored);
        VluNetConfig cfg = later.hasBackbone() || config == null ? later.config : config;
        return new Checkpoint(path, k, b, c, a, cfg, later.hasClip() ? later.clipConfig : clipConfig,
                later.prompts != null ? later.prompts : prompts, later.provenance != null ? later.provenance : provenance, d, ign);
    }

    /**
     * Settles the configuration: {@code given} (may be null) first, then what the file stores, then what the
     * shapes say; CLIP heads not visible in the shapes come from the given or stored CLIP configuration, else
     * open_clip's head width 64. Classes default by class count (7: all, 5: the three-task set). Every present
     * part must fit: otherwise a WeightsException lists the keys and shapes that differ.
     */
    public Checkpoint resolve(VluNetConfig given) {
        String where = path == null ? "checkpoint" : path.toString();
        ModelConfig model = given != null ? given.model() : config != null ? config.model() : null;
        ModelConfig inferredModel = null;
        if (hasBackbone()) {
            try {
                inferredModel = ArchitectureInference.model(ArchitectureInference.shapes(backbone));
            } catch (ConfigException e) {
                if (model == null) throw new WeightsException(where + ": " + e.getMessage());
            }
            if (model == null) model = inferredModel;
        }
        ClipConfig hint = given != null && given.clip() != null ? given.clip() : clipConfig;
        ClipConfig clipCfg = given != null && given.clip() != null ? given.clip() : clipConfig;
        ClipConfig inferredClip = null;
        if (hasClip()) {
            try {
                inferredClip = ArchitectureInference.clip(ArchitectureInference.shapes(clip), hint);
            } catch (ConfigException e) {
                if (clipCfg == null) throw new WeightsException(where + ": " + e.getMessage());
            }
            if (clipCfg == null) clipCfg = inferredClip;
        }
        List<String> degradations = given != null && given.degradations() != null ? given.degradations()
                : config != null && config.degradations() != null ? config.degradations()
                : model != null ? defaultClasses(model.deDim()) : null;

        List<String> problems = new ArrayList<>();
        try {
            if (hasBackbone()) compare("backbone", ReferenceLayout.backbone(model), backbone, problems);
            if (hasClip()) {
                if (clipCfg == null) throw new WeightsException(where + ": no CLIP configuration");
                compare("clip", ReferenceLayout.clip(clipCfg), Clip.completed(clip), problems);
            }
            if (!adapter.isEmpty()) {
                long e = clipCfg != null ? clipCfg.embedDim() : model != null ? model.degradationDim()
                        : adapter.values().iterator().next().shape()[0];
                compare("adapter", ReferenceLayout.adapter(e, hasImageAdapter(), hasTextAdapter()), adapter, problems);
            }
        } catch (ConfigException e) { // shapes inferred from a file that make no valid network
            throw new WeightsException(where + ": " + e.getMessage());
        }
        if (!problems.isEmpty()) {
            String hintText = "";
            if (given != null && inferredModel != null && !inferredModel.equals(given.model())) {
                hintText = " (the backbone's shapes say " + inferredModel + ")";
            }
            throw new WeightsException(where + " does not fit the configuration" + hintText + ": " + String.join(" | ", problems));
        }
        VluNetConfig cfg = null;
        if (model != null) {
            try {
                cfg = new VluNetConfig(model, clipCfg, degradations).validate();
            } catch (ConfigException e) {
                throw new WeightsException(where + ": " + e.getMessage());
            }
        }
        List<String> p = prompts;
        if (p == null && degradations != null) p = defaultPrompts(degradations);
        return new Checkpoint(path, kind, backbone, clip, adapter, cfg, clipCfg, p, provenance, details, ignored);
    }

    /** The authors' class sets: seven for the five-task model, the first five (noise ×3, rain, haze) otherwise. */
    static List<String> defaultClasses(int deDim) {
        if (deDim < 1 || deDim > Degradation.values().length) return null;
        return Arrays.stream(Degradation.values()).limit(deDim).map(d -> d.key).toList();
    }

    /** The fine-tuning prompts of these classes, in the authors' prompt order. */
    static List<String> defaultPrompts(List<String> classes) {
        return Degradation.clipPromptOrder().stream().filter(d -> classes.contains(d.key)).map(d -> d.prompt).toList();
    }

    private static void compare(String part, Map<String, long[]> expected, Map<String, HostTensor> actual, List<String> out) {
        StateDict.Report r = StateDict.compare(expected, actual, "config");
        if (!r.clean()) out.add(r.describe(part + ": "));
    }

    /** Parameter counts per part (backbone, clip, image adapter, text adapter), for reports. */
    public LinkedHashMap<String, Long> parameterCounts() {
        LinkedHashMap<String, Long> c = new LinkedHashMap<>();
        if (hasBackbone()) c.put("backbone", count(backbone));
        if (hasClip()) c.put("clip", count(clip));
        if (hasImageAdapter()) c.put("image adapter", count(adapter(ReferenceLayout.IMAGE_ADAPTER)));
        if (hasTextAdapter()) c.put("text adapter", count(adapter(ReferenceLayout.TEXT_ADAPTER)));
        return c;
    }

    private static long count(Map<String, HostTensor> t) {
        long n = 0;
        for (HostTensor v : t.values()) n += v.numel();
        return n;
    }
}
