package org.vlunet.checkpoint;

import org.vlunet.config.ClipConfig;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.Safetensors;
import org.vlunet.weights.WeightsException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one writer of model files: the networks hand over their tensors and never see a path. Our format
 * ({@link VluNetFormat}) for whatever the commands save; CLIP alone in open_clip's layout, or the DA adapters
 * alone under the authors' keys, for files read as open_clip's or the authors' own. Each file is written to a
 * temporary name and moved into place.
 */
public final class ModelWriter {
    private ModelWriter() {}

    /** {@code format} of an open_clip-layout CLIP file. */
    static final String OPEN_CLIP_FORMAT = "open_clip CLIP state_dict";
    /** Metadata key of an open_clip-layout file's {@link ClipConfig} (JSON): its heads are not visible in the shapes. */
    static final String CLIP_CONFIG = "vlunet_clip_config";

    /** {@code ck} in our format, with {@code provenance} (null: the checkpoint's own). */
    public static void write(Path file, Checkpoint ck, Provenance provenance) {
        write(file, ck, provenance, Map.of());
    }

    /** As {@link #write(Path, Checkpoint, Provenance)}, with {@code extra} metadata (the format's keys win). */
    public static void write(Path file, Checkpoint ck, Provenance provenance, Map<String, String> extra) {
        store(file, ck.tensors(), VluNetFormat.metadata(ck, provenance, extra == null ? Map.of() : extra));
    }

    /** CLIP alone under open_clip's keys, its configuration in the metadata, then {@code extra}. */
    public static void openClip(Path file, Map<String, HostTensor> clip, ClipConfig config, Map<String, String> extra) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", OPEN_CLIP_FORMAT);
        meta.put(CLIP_CONFIG, VluNetFormat.json(config));
        if (extra != null) meta.putAll(extra);
        store(file, clip, meta);
    }

    /** The DA adapters alone under the authors' keys ({@code ad_imageEncoder.adapter.0.weight}, ...). */
    public static void adapters(Path file, Map<String, HostTensor> adapter, Map<String, String> extra) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "DA_adapter adapters");
        if (extra != null) meta.putAll(extra);
        store(file, adapter, meta);
    }

    private static void store(Path file, Map<String, HostTensor> tensors, Map<String, String> meta) {
        try {
            Safetensors.write(file, tensors, meta);
        } catch (IOException e) {
            throw new WeightsException(file + ": cannot write (" + e.getMessage() + ")", e);
        }
    }
}
