package org.vlunet.model.restormer;

import ai.djl.ndarray.NDArray;
import org.vlunet.model.ModuleBlock;
import org.vlunet.model.TorchOps;
import org.vlunet.model.ModuleList;

/** 3x3 conv n → n/2, then PixelUnshuffle(2): 2n channels at half the size. Key: {@code body.0.weight}. */
public final class Downsample extends ModuleBlock {
    private final Conv conv;

    public Downsample(int channels) {
        if (channels % 2 != 0) throw new IllegalArgumentException("Downsample needs an even width, got " + channels);
        conv = child("body", new ModuleList<Conv>()).add(Conv.full3x3(channels, channels / 2)).get(0);
    }

    public NDArray forward(NDArray x) {
        return pixelUnshuffle(conv.forward(x));
    }

    /** torch's PixelUnshuffle(2): output channel c·4 + 2·i + j holds input pixel (2y + i, 2x + j) of channel c. */
    public static NDArray pixelUnshuffle(NDArray x) {
        long[] s = x.getShape().getShape();
        long b = s[0], c = s[1], h = s[2], w = s[3];
        return TorchOps.reshape(TorchOps.permute(TorchOps.reshape(x, b, c, h / 2, 2, w / 2, 2), 0, 1, 3, 5, 2, 4), b, c * 4, h / 2, w / 2);
    }
}
