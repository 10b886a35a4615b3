package org.vlunet.cli;

import org.vlunet.data.DatasetWriter;
import org.vlunet.data.Degradation;
import org.vlunet.data.Task;
import org.vlunet.data.synth.SynthSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code vlunet datasets}: a dataset in the authors' layout from a folder of clean photos. */
@Command(name = "datasets", mixinStandardHelpOptions = true,
        description = {"Writes a dataset in the authors' layout (images, list files, train and test splits) from a folder of"
                + " clean photos with synthetic degradations.",
                "Also writes a manifest.json of what was made. Deterministic for a given --seed."})
public final class DatasetsCommand implements Callable<Integer> {
    @Option(names = "--input", required = true, description = "Folder of clean photos (searched recursively).")
    Path input;

    @Option(names = "--output", defaultValue = "datasets", description = "The datasets root to write (default: ${DEFAULT-VALUE}).")
    Path output;

    @Option(names = "--de_type", arity = "1..*", description = {"Degradations, each KEY or KEY:name=value,...",
            "(e.g. denoise_25 derain dehaze:beta=0.1,A=0.9 deblur:kind=defocus), or a task (N, NHR, NHRBL).",
            "Default: all seven classes."})
    List<String> deType;

    @Option(names = "--test_fraction", defaultValue = "0.1", description = "Share of photos for the test split (default: ${DEFAULT-VALUE}).")
    double testFraction;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the split and the degradations (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max_size", defaultValue = "0", description = "Downscale so the longer side is at most this many pixels (0: keep).")
    int maxSize;

    @Option(names = "--crop", defaultValue = "0", description = "Centre-crop each photo to at most NxN after downscaling (0: keep).")
    int crop;

    @Option(names = "--threads", description = "Worker threads (default: the number of CPUs).")
    Integer threads;

    @Option(names = "--force", description = "Write into a non-empty output folder (files of the same names are replaced).")
    boolean force;

    @Option(names = "--quiet", description = "Print only the summary.")
    boolean quiet;

    /** Failures propagate to {@link Main#commandLine()}, which prints them on one line and exits with 1. */
    @Override
    public Integer call() {
        DatasetWriter.Options o = new DatasetWriter.Options(input, output, specs(deType), testFraction, seed, maxSize, crop,
                threads != null ? threads : Runtime.getRuntime().availableProcessors(), force);
        DatasetWriter.Report r = DatasetWriter.write(o, quiet ? null : line -> System.out.println("  " + line));
        System.out.println("wrote " + r.train() + " training and " + r.test() + " test photos x " + o.specs().size()
                + " degradations under " + output + " (" + r.lists().size() + " lists; manifest " + r.manifest() + ")");
        return 0;
    }

    /** Specs from the option values: a task name stands for its classes; none means all seven. */
    static List<SynthSpec> specs(List<String> values) {
        List<SynthSpec> out = new ArrayList<>();
        if (values == null || values.isEmpty()) {
            for (Degradation d : Degradation.values()) out.add(SynthSpec.of(d));
            return out;
        }
        for (String v : values) {
            String u = v.trim().toUpperCase(Locale.ROOT);
            Task task = null;
            for (Task t : Task.values()) if (t.name().equals(u)) task = t;
            if (task != null) {
                for (Degradation d : task.classes) out.add(SynthSpec.of(d));
            } else {
                out.add(SynthSpec.parse(v));
            }
        }
        return out;
    }
}
