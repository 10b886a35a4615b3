package org.vlunet.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * {@code --ckpt} (alias {@code --pretrained_ckpt_path}, the authors' name) of the commands that run a trained model.
 * Kept as text: the Spark job also takes Hadoop URIs. Each command's wording: SharedOptions.properties.
 */
@Command(resourceBundle = SharedOptions.BUNDLE)
public final class CheckpointOption {

    @Option(names = {"--ckpt", "--pretrained_ckpt_path"}, required = true, paramLabel = "FILE", descriptionKey = "shared.ckpt")
    public String ckpt;

    /** The checkpoint as a local file. */
    public Path path() {
        return Path.of(ckpt);
    }
}
