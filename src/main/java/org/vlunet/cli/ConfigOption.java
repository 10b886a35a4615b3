package org.vlunet.cli;

import org.vlunet.config.VluNetConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code -c/--config}: a configuration JSON file or preset name. Each command's wording: SharedOptions.properties. */
@Command(resourceBundle = SharedOptions.BUNDLE)
public final class ConfigOption {

    @Option(names = {"-c", "--config"}, paramLabel = "JSON|PRESET", descriptionKey = "shared.config")
    public String config;

    /** The configuration given, or null when none was (then the checkpoint's, or what its shapes tell). */
    public VluNetConfig load() {
        return config == null ? null : VluNetConfig.load(config);
    }
}
