package org.vlunet.model.restormer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import org.vlunet.model.ModuleBlock;
import org.vlunet.model.TorchOps;

/**
 * A bias-free square 2-D convolution, stride 1, "same" padding (k/2), as every conv of the network is. With
 * {@code groups == in == out} it is the depthwise conv of MDTA and GDFN. Key: {@code weight}
 * (out, in/groups, k, k).
 */
public final class Conv extends ModuleBlock {
    private final Parameter weight;
    private final Shape padding;
    private final int in, out, kernel, groups;

    public Conv(int in, int out, int kernel, int groups) {
        if (in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException("conv groups " + groups + " must divide in " + in + " and out " + out);
        }
        this.weight = weight("weight", out, in / groups, kernel, kernel);
        this.padding = new Shape(kernel / 2, kernel / 2);
        this.groups = groups;
        this.in = in;
        this.out = out;
        this.kernel = kernel;
    }

    public int in() {
        return in;
    }

    public int out() {
        return out;
    }

    public int kernel() {
        return kernel;
    }

    public int groups() {
        return groups;
    }

    /** Pointwise (1x1) conv. */
    public static Conv pointwise(int in, int out) {
        return new Conv(in, out, 1, 1);
    }

    /** 3x3 conv. */
    public static Conv full3x3(int in, int out) {
        return new Conv(in, out, 3, 1);
    }

    /** 3x3 depthwise conv over {@code channels}. */
    public static Conv depthwise3x3(int channels) {
        return new Conv(channels, channels, 3, channels);
    }

    public NDArray forward(NDArray x) {
        return TorchOps.conv2d(x, weight.getArray(), padding, groups);
    }
}
