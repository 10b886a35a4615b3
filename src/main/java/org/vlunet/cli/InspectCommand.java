package org.vlunet.cli;

import org.vlunet.checkpoint.Checkpoint;
import org.vlunet.checkpoint.CheckpointReader;
import org.vlunet.checkpoint.CheckpointReport;
import org.vlunet.config.ConfigException;
import org.vlunet.config.VluNetConfig;
import org.vlunet.weights.WeightsException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code inspect}: what a checkpoint holds: kind, parts, parameter counts, architecture, classes, metadata. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Prints what checkpoint files hold: their kind, parts (backbone, CLIP, adapters), parameter counts,"
                + " architecture, classes, prompts and provenance.")
public final class InspectCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "CHECKPOINT", description = "checkpoint file(s)")
    List<Path> files;

    @Mixin
    ConfigOption config = new ConfigOption();

    @Override
    public Integer call() {
        VluNetConfig cfg = config.load();
        int rc = 0;
        for (Path f : files) {
            try {
                Checkpoint ck = CheckpointReader.read(f);
                for (String line : CheckpointReport.describe(ck.resolve(cfg), configSource(config.config, ck))) System.out.println(line);
            } catch (WeightsException | ConfigException e) {
                // report it and go on with the other files
                System.err.println(Main.prefix("inspect") + e.getMessage());
                rc = 1;
            }
            if (files.size() > 1) System.out.println();
        }
        return rc;
    }

    /** Where the configuration of a (not yet resolved) checkpoint comes from, in words. */
    static String configSource(String configOption, Checkpoint ck) {
        if (configOption != null) return "from --config " + configOption;
        if (ck.config() != null || ck.clipConfig() != null) return "stored in the file";
        return "inferred from the shapes; CLIP heads assume open_clip's head width 64";
    }
}
