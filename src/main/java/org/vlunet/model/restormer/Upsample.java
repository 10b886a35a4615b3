package org.vlunet.model.restormer;

import ai.djl.ndarray.NDArray;
import org.vlunet.model.ModuleBlock;
import org.vlunet.model.TorchOps;
import org.vlunet.model.ModuleList;

/** 3x3 conv n → 2n, then PixelShuffle(2): n/2 channels at double the size. Key: {@code body.0.weight}. */
public final class Upsample extends ModuleBlock {
    private final Conv conv;

    public Upsample(int channels) {
        conv = child("body", new ModuleList<Conv>()).add(Conv.full3x3(channels, channels * 2)).get(0);
    }

    public NDArray forward(NDArray x) {
        return pixelShuffle(conv.forward(x));
    }

    /** torch's PixelShuffle(2), the inverse of {@link Downsample#pixelUnshuffle}. */
    public static NDArray pixelShuffle(NDArray x) {
        long[] s = x.getShape().getShape();
        long b = s[0], c = s[1] / 4, h = s[2], w = s[3];
        return TorchOps.reshape(TorchOps.permute(TorchOps.reshape(x, b, c, 2, 2, h, w), 0, 1, 4, 2, 5, 3), b, c, h * 2, w * 2);
    }
}
