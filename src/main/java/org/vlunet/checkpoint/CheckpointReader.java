package org.vlunet.checkpoint;

import org.vlunet.config.ClipConfig;
import org.vlunet.config.ConfigException;
import org.vlunet.config.VluNetConfig;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.Safetensors;
import org.vlunet.weights.WeightsException;
import org.vlunet.weights.torch.Opaque;
import org.vlunet.weights.torch.TorchArchive;
import org.vlunet.weights.torch.TorchTensor;
import org.vlunet.weights.torch.Tuple;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads any supported checkpoint into its parts, telling the kinds apart by content:
 * the authors' Lightning checkpoints ({@code {'state_dict': …}}), their {@code clip_tuned.pth}
 * ({@code {'learnable_params': …}}), plain PyTorch state dicts, open_clip or VLUNet safetensors, and our format
 * ({@link VluNetFormat}). Only the tensors of the three parts are read from a PyTorch file.
 */
public final class CheckpointReader {
    private CheckpointReader() {}

    /** Reads one file (configuration not yet settled: see {@link Checkpoint#resolve}). */
    public static Checkpoint read(Path file) {
        byte[] head = new byte[9];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (NoSuchFileException e) {
            throw new WeightsException(file + ": no such file");
        } catch (IOException e) {
            throw new WeightsException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (n == 9 && head[8] == '{' && ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong() > 1) return readSafetensors(file);
        if (n >= 2 && head[0] == 'P' && head[1] == 'K') return readTorch(file);
        if (n >= 2 && (head[0] & 0xff) == 0x80) return readTorch(file); // a pickle: TorchArchive names the legacy format
        throw new WeightsException(file + ": not a checkpoint (expected a PyTorch file written by torch.save, or a safetensors file)");
    }

    /** Reads several files and merges them: parts of later files replace those of earlier ones. */
    public static Checkpoint read(List<Path> files) {
        if (files.isEmpty()) throw new WeightsException("no checkpoint given");
        Checkpoint ck = read(files.get(0));
        for (int i = 1; i < files.size(); i++) ck = ck.merge(read(files.get(i)));
        return ck;
    }

    private static Checkpoint readSafetensors(Path file) {
        try (Safetensors f = Safetensors.open(file)) {
            if (VluNetFormat.isOurs(f.metadata())) return VluNetFormat.read(file, f);
            LinkedHashMap<String, Safetensors.Entry> entries = new LinkedHashMap<>(f.entries());
            PartMapping.Split<Safetensors.Entry> s = PartMapping.split(entries);
            String kind = !s.clip().isEmpty() && s.backbone().isEmpty() && s.adapter().isEmpty() ? "open_clip safetensors" : "safetensors state dict";
            return build(file, kind, s, e -> f.read(e.name()), new LinkedHashMap<>(), storedClipConfig(file, f.metadata()));
        }
    }

    /** The configuration an open_clip-layout file written by {@link ModelWriter#openClip} carries, or null. */
    private static ClipConfig storedClipConfig(Path file, Map<String, String> metadata) {
        String json = metadata.get(ModelWriter.CLIP_CONFIG);
        if (json == null) return null;
        try {
            return VluNetConfig.JSON.readValue(json, ClipConfig.class).validate();
        } catch (IOException | ConfigException e) {
            throw new WeightsException(file + ": unreadable " + ModelWriter.CLIP_CONFIG + " metadata (" + e.getMessage() + ")");
        }
    }

    private static Checkpoint readTorch(Path file) {
        try (TorchArchive a = TorchArchive.open(file)) {
            if (!(a.root() instanceof Map<?, ?> root)) {
                throw new WeightsException(file + ": holds " + describe(a.root()) + ", not a checkpoint dict (expected a dict of"
                        + " tensors: a state_dict, a Lightning checkpoint" + (a.root() instanceof Opaque
                        ? "; a whole model saved with torch.save(model) cannot be read: save model.state_dict() instead)" : ")"));
            }
            LinkedHashMap<String, String> details = new LinkedHashMap<>();
            String kind;
            Map<?, ?> dict;
            if (root.get("state_dict") instanceof Map<?, ?> sd) {
                kind = "Lightning checkpoint";
                dict = sd;
                for (String k : new String[] {"epoch", "global_step", "pytorch-lightning_version"}) {
                    if (root.get(k) != null) details.put(k, String.valueOf(root.get(k)));
                }
            } else if (root.get("learnable_params") instanceof Map<?, ?> lp) {
                kind = "adapter checkpoint (learnable_params)";
                dict = lp;
                if (root.get("epoch") != null) details.put("epoch", String.valueOf(root.get("epoch")));
            } else if (root.values().stream().anyMatch(v -> v instanceof TorchTensor)) {
                kind = "PyTorch state dict";
                dict = root;
            } else if (root.get("model") instanceof Map<?, ?> m) {
                kind = "PyTorch state dict (under 'model')";
                dict = m;
            } else {
                throw new WeightsException(file + ": a PyTorch file without known weights (expected a Lightning checkpoint with "
                        + "'state_dict', a clip_tuned.pth with 'learnable_params', or a state dict); top-level keys: " + keys(root));
            }
            LinkedHashMap<String, TorchTensor> tensors = new LinkedHashMap<>();
            dict.forEach((k, v) -> { if (v instanceof TorchTensor t) tensors.put(String.valueOf(k), t); });
            return build(file, kind, PartMapping.split(tensors), TorchTensor::read, details, null);
        }
    }

    private static <T> Checkpoint build(Path file, String kind, PartMapping.Split<T> s, java.util.function.Function<T, HostTensor> read,
                                        LinkedHashMap<String, String> details, ClipConfig clipConfig) {
        if (s.backbone().isEmpty() && s.clip().isEmpty() && s.clipCopy().isEmpty() && s.adapter().isEmpty()) {
            throw new WeightsException(file + ": holds no backbone, CLIP or adapter weights (keys such as "
                    + String.join(", ", s.ignored().subList(0, Math.min(5, s.ignored().size()))) + ")");
        }
        LinkedHashMap<String, HostTensor> backbone = new LinkedHashMap<>(), clip = new LinkedHashMap<>(), adapter = new LinkedHashMap<>();
        s.backbone().forEach((k, v) -> backbone.put(k, read.apply(v)));
        s.clip().forEach((k, v) -> clip.put(k, read.apply(v)));
        // the text encoder holds the same CLIP: use its copy only for what the image encoder's lacks
        s.clipCopy().forEach((k, v) -> { if (!clip.containsKey(k)) clip.put(k, read.apply(v)); });
        s.adapter().forEach((k, v) -> adapter.put(k, read.apply(v)));
        if (!s.ignored().isEmpty()) details.put("ignored keys", String.valueOf(s.ignored().size()));
        return new Checkpoint(file, kind, backbone, clip, adapter, null, clipConfig, null, null, details, s.ignored());
    }

    private static String keys(Map<?, ?> m) {
        List<String> k = new ArrayList<>();
        for (Object o : m.keySet()) {
            if (k.size() == 10) {
                k.add("…");
                break;
            }
            k.add(String.valueOf(o));
        }
        return String.join(", ", k);
    }

    /** What a pickle's top-level value is, in Python's words. */
    private static String describe(Object o) {
        if (o == null) return "None";
        if (o instanceof Opaque op) return "a Python object of class " + op.type();
        if (o instanceof TorchTensor || o instanceof HostTensor) return "a single tensor";
        if (o instanceof Tuple) return "a tuple";
        if (o instanceof List<?>) return "a list";
        if (o instanceof CharSequence) return "a string";
        if (o instanceof Number || o instanceof Boolean) return "a number";
        return "a " + o.getClass().getSimpleName();
    }
}
