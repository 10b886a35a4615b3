package org.vlunet.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Constant arrays (scalars, CLIP's causal mask, the optimizer's betas) made once per device and kept for the life of
 * the JVM: an op with a Java number argument, or a constant made per call, would copy it to the device every time.
 */
public final class DeviceConstants {
    private static final Map<Device, NDManager> MANAGERS = new ConcurrentHashMap<>();
    private static final Map<String, NDArray> VALUES = new ConcurrentHashMap<>();

    private DeviceConstants() {}

    /** A float32 0-d array of {@code value}. */
    public static NDArray scalar(float value, Device device) {
        return of(Float.floatToIntBits(value) + "", device, m -> m.create(value));
    }

    /** The constant named {@code key} (which must say all it depends on), made by {@code maker} on its first use. */
    public static NDArray of(String key, Device device, Function<NDManager, NDArray> maker) {
        return VALUES.computeIfAbsent(key + "@" + device, k -> maker.apply(MANAGERS.computeIfAbsent(device, NDManager::newBaseManager)));
    }
}
