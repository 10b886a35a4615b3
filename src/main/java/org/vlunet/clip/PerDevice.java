package org.vlunet.clip;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A constant NDArray (such as the causal mask) made once per device and kept as long as the model's parameters (so hot paths never
 * copy a Java scalar or a mask to the device on each call).
 */
final class PerDevice {
    private final Parameter anchor;
    private final Function<NDManager, NDArray> maker;
    private final Map<Device, NDArray> made = new ConcurrentHashMap<>();

    /** {@code anchor}: a parameter of the model, whose manager owns the constants. */
    PerDevice(Parameter anchor, Function<NDManager, NDArray> maker) {
        this.anchor = anchor;
        this.maker = maker;
    }

    NDArray on(Device device) {
        return made.computeIfAbsent(device, d -> maker.apply(anchor.getArray().getManager().newSubManager(d)));
    }

}
