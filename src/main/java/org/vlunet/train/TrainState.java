package org.vlunet.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.vlunet.config.VluNetConfig;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.Safetensors;
import org.vlunet.weights.StateDict;
import org.vlunet.weights.WeightsException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training checkpoint: everything {@code --resume} needs in one safetensors file, written to a temporary name
 * and moved into place. Tensors: the network's weights under {@code net.<reference key>} (as in the authors'
 * Lightning checkpoints) and the optimizer state under {@code optimizer.<param>.{step,exp_avg,exp_avg_sq}}.
 * Metadata: the format tag, the model configuration, the recipe, the position (epoch, batch, step), the batches
 * per epoch and the settings of the run that wrote it. There is no other random state: model initialisation is
 * seeded, and every batch is a function of (seed, epoch, batch index). A run that trains the DA adapter alone
 * ({@link AdapterTraining}) has no model configuration ({@code config} null) and keeps the adapter under {@code net.}.
 */
public record TrainState(Map<String, HostTensor> net, Map<String, HostTensor> optimizer, VluNetConfig config,
                         Recipe recipe, Position position, int batchesPerEpoch, Map<String, String> metadata) {

    public static final String FORMAT = "vlunet-train-state/1";
    static final ObjectMapper JSON = new ObjectMapper();

    public void write(Path file) {
        LinkedHashMap<String, HostTensor> tensors = new LinkedHashMap<>(StateDict.prefix(net, "net."));
        tensors.putAll(StateDict.prefix(optimizer, "optimizer."));
        LinkedHashMap<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("format", FORMAT);
        if (config != null) meta.put("config", config.toJson());
        try {
            meta.put("recipe", JSON.writeValueAsString(recipe));
            meta.put("position", JSON.writeValueAsString(position));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        meta.put("batches_per_epoch", Integer.toString(batchesPerEpoch));
        try {
            Safetensors.write(file, tensors, meta);
        } catch (IOException e) {
            throw new TrainException(file + ": cannot write the training checkpoint (" + e.getMessage() + ")", e);
        }
    }

    /** Reads a training checkpoint; a file of another kind gets one message saying what it is not. */
    public static TrainState read(Path file) {
        if (!Files.isRegularFile(file)) throw new TrainException(file + ": no such training checkpoint");
        Map<String, String> meta;
        Map<String, HostTensor> all;
        try {
            try (Safetensors st = Safetensors.open(file)) {
                meta = st.metadata();
            }
            if (!FORMAT.equals(meta.get("format"))) {
                throw new TrainException(file + ": not a training checkpoint of this tool (format '" + meta.get("format")
                        + "', expected '" + FORMAT + "'); --resume needs a *.state.safetensors file written by train");
            }
            all = Safetensors.readAll(file);
        } catch (WeightsException e) {
            throw new TrainException(file + ": cannot read the training checkpoint: " + e.getMessage(), e);
        }
        try {
            VluNetConfig config = meta.get("config") == null ? null : VluNetConfig.fromJson(meta.get("config"));
            Recipe recipe = JSON.readValue(meta.get("recipe"), Recipe.class);
            Position position = JSON.readValue(meta.get("position"), Position.class);
            int perEpoch = Integer.parseInt(meta.get("batches_per_epoch"));
            Map<String, String> rest = new LinkedHashMap<>(meta);
            for (String k : new String[] {"format", "config", "recipe", "position", "batches_per_epoch"}) rest.remove(k);
            return new TrainState(StateDict.strip(all, "net."), StateDict.strip(all, "optimizer."), config, recipe,
                    position, perEpoch, rest);
        } catch (IOException | RuntimeException e) {
            if (e instanceof TrainException te) throw te;
            throw new TrainException(file + ": corrupt training checkpoint metadata (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Checks that this checkpoint can continue a run with {@code config} and {@code recipe} over data with
     * {@code batchesPerEpoch} batches per epoch; the message lists every difference.
     */
    public void checkResumable(Path file, VluNetConfig config, Recipe recipe, int batchesPerEpoch) {
        if (this.config == null) throw new TrainException(file + " is the state of a finetune-clip run, not of train");
        java.util.List<String> problems = new java.util.ArrayList<>();
        if (!this.config.model().equals(config.model())) {
            problems.add("model " + this.config.model() + " vs " + config.model());
        }
        problems.addAll(this.recipe.differences(recipe));
        if (this.batchesPerEpoch != batchesPerEpoch) {
            problems.add("batches per epoch " + this.batchesPerEpoch + " vs " + batchesPerEpoch + " (the training data changed)");
        }
        if (!problems.isEmpty()) {
            throw new TrainException(file + " is a checkpoint of another configuration (checkpoint vs now): "
                    + String.join("; ", problems));
        }
    }
}
