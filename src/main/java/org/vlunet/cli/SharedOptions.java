package org.vlunet.cli;

/**
 * {@link CheckpointOption}, {@link ConfigOption} and {@link DeviceOption} are declared once for every command that
 * has them; each command's own wording of them in its --help is in the resource bundle
 * {@code org/vlunet/cli/SharedOptions.properties}.
 */
final class SharedOptions {
    static final String BUNDLE = "org.vlunet.cli.SharedOptions";

    private SharedOptions() {}
}
