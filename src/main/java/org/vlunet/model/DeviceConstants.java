package org.vlunet.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Scalar constants as float32 0-d NDArrays, made once per device and kept for the life of the JVM: an op with a
 * Java number argument would copy it to the device on every call.
 */
public final class DeviceConstants {
    private static final Map<Device, NDManager> MANAGERS = new ConcurrentHashMap<>();
    private static final Map<String, NDArray> VALUES = new ConcurrentHashMap<>();

    private DeviceConstants() {}

    public static NDArray scalar(float value, Device device) {
        return VALUES.computeIfAbsent(Float.floatToIntBits(value) + "@" + device,
                k -> MANAGERS.computeIfAbsent(device, NDManager::newBaseManager).create(value));
    }
}
