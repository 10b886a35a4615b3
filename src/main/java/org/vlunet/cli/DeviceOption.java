package org.vlunet.cli;

import ai.djl.Device;
import org.vlunet.train.Devices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code --device}, with the one default and the one parser of {@link Devices}. Each command's wording: SharedOptions.properties. */
@Command(resourceBundle = SharedOptions.BUNDLE)
public final class DeviceOption {

    @Option(names = "--device", defaultValue = Devices.DEFAULT, descriptionKey = "shared.device")
    public String device;

    /** The one device of a single-device command. */
    public Device one() {
        return Devices.one(device);
    }
}
