package org.vlunet.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;

/** torch.nn.Linear with bias: {@code weight} (out, in), {@code bias} (out); y = x Wᵀ + b over the last axis. */
public final class Dense extends ModuleBlock {
    private final Parameter weight;
    private final Parameter bias;

    public Dense(long in, long out) {
        weight = weight("weight", out, in);
        bias = param("bias", Init.FAN_IN_UNIFORM, in, out);
    }

    public NDArray forward(NDArray x) {
        return TorchOps.linear(x, weight.getArray(), bias.getArray());
    }
}
