package org.vlunet.cli;

import ai.djl.Device;

import java.util.List;

/** The {@code --device} option of the single-device commands: cpu, gpu (the first GPU) or gpu:N. */
final class Devices {
    private Devices() {}

    static Device one(String spec) {
        List<Device> all = org.vlunet.train.Devices.parse(spec);
        if (spec.contains(",")) throw new IllegalArgumentException("--device " + spec + ": this command runs on one device (cpu, gpu or gpu:N)");
        return all.get(0);
    }
}
