package org.vlunet.checkpoint;

import org.vlunet.config.VluNetConfig;
import org.vlunet.weights.WeightsException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** Any readable checkpoint(s) → our format ({@link VluNetFormat}), with the provenance saying where it came from. */
public final class Conversion {
    private Conversion() {}

    /**
     * Reads {@code sources} (parts of later ones replace earlier ones), settles the configuration ({@code config}
     * may be null) and writes {@code output}. Refuses to replace an existing file unless {@code overwrite}, and
     * never writes over a source.
     */
    public static Checkpoint convert(List<Path> sources, VluNetConfig config, Path output, boolean overwrite) {
        for (Path s : sources) {
            if (Files.exists(output) && Files.exists(s) && sameFile(s, output)) {
                throw new WeightsException(output + ": is also a source; write the conversion to another file");
            }
        }
        try {
            org.vlunet.util.Outputs.file(output, output.toString(), overwrite, sources);
        } catch (IllegalArgumentException e) {
            throw new WeightsException(e.getMessage(), e);
        }
        Checkpoint ck = CheckpointReader.read(sources).resolve(config);
        ModelWriter.write(output, ck, provenance(ck, sources));
        return ck;
    }

    /** Keeps the training counters of the source: Lightning's 0-based epoch of an end-of-epoch save, plus one. */
    static Provenance provenance(Checkpoint ck, List<Path> sources) {
        String from = sources.stream().map(p -> p.getFileName().toString()).collect(Collectors.joining(" + "));
        Provenance old = ck.provenance();
        if (old != null) {
            return Provenance.now("convert", old.epochs(), old.steps(), from, "originally " + old.describe());
        }
        Long epochs = null, steps = null;
        String epoch = ck.details().get("epoch"), step = ck.details().get("global_step");
        try {
            if (epoch != null) epochs = Long.parseLong(epoch) + 1;
            if (step != null) steps = Long.parseLong(step);
        } catch (NumberFormatException ignored) {
            // counters of an unusual type: keep them in the note only
        }
        String note = ck.kind() + (ck.details().isEmpty() ? "" : ", " + ck.details().entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", ")));
        return Provenance.now("convert", epochs, steps, from, note);
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
