package org.vlunet;

import ai.djl.Device;
import org.vlunet.train.Devices;

/**
 * The device the parity tests compute on: {@code -Dvlunet.test.device=cpu} (the default), {@code gpu} (the first
 * GPU) or {@code gpu:N}, read with the commands' own --device parser. scripts/gpu-check.sh sets it.
 */
public final class TestDevice {
    public static final String PROPERTY = "vlunet.test.device";

    private TestDevice() {}

    public static Device get() {
        return Devices.parse(System.getProperty(PROPERTY, "cpu")).get(0);
    }
}
