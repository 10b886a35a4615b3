package org.vlunet.train;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The weight files a training run was started with, as its state records them (the run's options), so that a bare
 * {@code --resume} needs no option repeated. An option given again replaces the recorded file; the encoder digest
 * check in {@link Trainer#plan} then refuses other weights than the run's.
 */
record StartedWith(Path clipWeights, Path adapter, Path init) {

    static StartedWith of(TrainState state) {
        String json = state.metadata().get("options");
        if (json == null) return new StartedWith(null, null, null);
        try {
            JsonNode n = TrainState.JSON.readTree(json);
            return new StartedWith(path(n, "clipWeights"), path(n, "adapter"), path(n, "init"));
        } catch (IOException | RuntimeException e) {
            throw new TrainException("the training checkpoint's recorded options cannot be read (" + e.getMessage() + ")", e);
        }
    }

    /** The options with every weight file not given taken from the record. */
    TrainOptions fillIn(TrainOptions o) {
        return new TrainOptions(o.recipe(), o.config(), o.dataRoot(), o.outputPath(), o.ckptPath(), o.name(),
                o.clipWeights() != null ? o.clipWeights() : clipWeights, o.adapter() != null ? o.adapter() : adapter,
                o.init() != null ? o.init() : init, o.resume(), o.device(), o.numWorkers(), o.saveEvery(), o.valEvery(),
                o.valImages(), o.maxSteps(), o.cacheMb());
    }

    boolean recorded(Path file) {
        return file.equals(clipWeights) || file.equals(adapter) || file.equals(init);
    }

    /** "--clip_weights A --adapter B" of the record. */
    String files() {
        return describe(clipWeights, adapter, init);
    }

    static String describe(Path clipWeights, Path adapter, Path init) {
        List<String> out = new ArrayList<>();
        if (clipWeights != null) out.add("--clip_weights " + clipWeights);
        if (adapter != null) out.add("--adapter " + adapter);
        if (init != null) out.add("--init " + init);
        return out.isEmpty() ? "no weight files recorded" : String.join(" ", out);
    }

    /** Jackson writes a Path as a file: URI; older or hand-made records may hold a plain path. */
    private static Path path(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull() || v.asText().isEmpty()) return null;
        String s = v.asText();
        return s.startsWith("file:") ? Path.of(URI.create(s)) : Path.of(s);
    }
}
