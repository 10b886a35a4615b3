package org.vlunet.train;

import ai.djl.nn.Block;
import org.vlunet.config.VluNetConfig;
import org.vlunet.weights.StateDict;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The checkpoints of one run, in {@code <ckpt_path>/<name>/}: {@code last.state.safetensors}, the training state
 * ({@link TrainState}) to resume from, rewritten at every save; and the model alone for the test command,
 * {@code last.<ext>} and, at the end of every --save_every epoch, {@code epoch_NNN.<ext>}. Every file is written to
 * a temporary name and moved into place, the state last, so a crash at any moment leaves a consistent set.
 */
public final class Checkpoints<M extends Block> implements TrainLoop.Checkpointer {

    /** Writes the network (first replica) in the model-checkpoint format to {@code target}; {@code next}: the run's position. */
    @FunctionalInterface
    public interface ModelWriter {
        void write(Path target, Position next) throws IOException;
    }

    public static final String STATE = "last.state.safetensors";

    private final Path dir;
    private final String modelExt;
    private final ModelWriter modelWriter;
    private final DataParallel<M> model;
    private final AdamW optimizer;
    private final VluNetConfig config;
    private final Recipe recipe;
    private final int batchesPerEpoch;
    private final Map<String, String> metadata;
    private final TrainLog log;
    private long lastSavedStep = -1;

    public Checkpoints(Path dir, String modelExt, ModelWriter modelWriter, DataParallel<M> model, AdamW optimizer,
                       VluNetConfig config, Recipe recipe, int batchesPerEpoch, Map<String, String> metadata, TrainLog log) {
        this.dir = dir;
        this.modelExt = modelExt;
        this.modelWriter = modelWriter;
        this.model = model;
        this.optimizer = optimizer;
        this.config = config;
        this.recipe = recipe;
        this.batchesPerEpoch = batchesPerEpoch;
        this.metadata = new LinkedHashMap<>(metadata);
        this.log = log;
    }

    public Path dir() {
        return dir;
    }

    public Path statePath() {
        return dir.resolve(STATE);
    }

    public Path lastModelPath() {
        return dir.resolve("last." + modelExt);
    }

    public Path epochModelPath(int epochsDone) {
        return dir.resolve(String.format(Locale.ROOT, "epoch_%03d.%s", epochsDone, modelExt));
    }

    /** Nothing is written twice for the same step (an epoch end that is also the --max_steps limit). */
    @Override
    public void save(Position next, boolean epochEnd) {
        if (next.step() == lastSavedStep) return;
        try {
            Files.createDirectories(dir);
            if (epochEnd) modelWriter.write(epochModelPath(next.epoch()), next);
            modelWriter.write(lastModelPath(), next);
        } catch (IOException e) {
            throw new TrainException(dir + ": cannot write the model checkpoint (" + e.getMessage() + ")", e);
        }
        LinkedHashMap<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("saved_at", java.time.Instant.now().toString());
        new TrainState(StateDict.save(model.replicas().get(0).model()), optimizer.state(), config, recipe, next,
                batchesPerEpoch, meta).write(statePath());
        lastSavedStep = next.step();
        if (log != null) {
            var n = log.event("checkpoint");
            n.put("epoch", next.epoch());
            n.put("batch", next.index());
            n.put("step", next.step());
            n.put("path", statePath().toString());
            log.write(n);
        }
    }
}
