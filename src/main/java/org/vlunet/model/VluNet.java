package org.vlunet.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import org.vlunet.config.ModelConfig;
import org.vlunet.model.restormer.Conv;
import org.vlunet.model.restormer.Downsample;
import org.vlunet.model.restormer.OverlapPatchEmbed;
import org.vlunet.model.restormer.Upsample;
import org.vlunet.model.unfolding.UnfoldingStage;

import java.util.Arrays;

/**
 * The VLU-Net restoration network (authors' {@code VLUNet}): a four-level U-shaped deep-unfolding network whose
 * every stage is a CLIP-guided gradient step (GDM) followed by Restormer blocks. Two branches run side by side:
 * the features x and the image branch i that each GDM pulls them towards. Children carry the reference
 * state-dict names, including the authors' quirks: {@code down1_2} also downsamples the image branch of level
 * 2 ({@code down1_2_i} exists but is unused), and decoder level 1 concatenates without a channel reduction.
 */
public final class VluNet extends ModuleBlock {
    private final ModelConfig config;

    private final OverlapPatchEmbed patchEmbed;
    private final OverlapPatchEmbed patchEmbedI;
    private final UnfoldingStage encoderLevel1;
    private final Downsample down12;
    private final UnfoldingStage encoderLevel2;
    private final Downsample down23;
    private final Downsample down23I;
    private final UnfoldingStage encoderLevel3;
    private final Downsample down34;
    private final Downsample down34I;
    private final UnfoldingStage latent;
    private final Upsample up43;
    private final Upsample up43I;
    private final Conv reduceChanLevel3;
    private final Conv reduceChanLevel3Img;
    private final UnfoldingStage decoderLevel3;
    private final Upsample up32;
    private final Upsample up32I;
    private final Conv reduceChanLevel2;
    private final Conv reduceChanLevel2Img;
    private final UnfoldingStage decoderLevel2;
    private final Upsample up21;
    private final Upsample up21I;
    private final UnfoldingStage decoderLevel1;
    private final UnfoldingStage refinement;
    private final Conv output;

    /** Builds the network with parameter shapes fixed (nothing allocated until {@link #initialize}). */
    public VluNet(ModelConfig c) {
        this.config = c.validate();
        int d = c.dim();
        int[] nb = c.numBlocks();
        int[] h = c.heads();
        patchEmbed = child("patch_embed", new OverlapPatchEmbed(3, d));
        patchEmbedI = child("patch_embed_i", new OverlapPatchEmbed(3, d));
        encoderLevel1 = child("encoder_level1", new UnfoldingStage(c, 1, nb[0], d, h[0]));
        down12 = child("down1_2", new Downsample(d));
        child("down1_2_i", new Downsample(d)); // in the authors' weights, never used in their forward
        encoderLevel2 = child("encoder_level2", new UnfoldingStage(c, 2, nb[1], d * 2, h[1]));
        down23 = child("down2_3", new Downsample(d * 2));
        down23I = child("down2_3_i", new Downsample(d * 2));
        encoderLevel3 = child("encoder_level3", new UnfoldingStage(c, 3, nb[2], d * 4, h[2]));
        down34 = child("down3_4", new Downsample(d * 4));
        down34I = child("down3_4_i", new Downsample(d * 4));
        latent = child("latent", new UnfoldingStage(c, 4, nb[3], d * 8, h[3]));
        up43 = child("up4_3", new Upsample(d * 8));
        up43I = child("up4_3_i", new Upsample(d * 8));
        reduceChanLevel3 = child("reduce_chan_level3", Conv.pointwise(d * 8, d * 4));
        reduceChanLevel3Img = child("reduce_chan_level3_img", Conv.pointwise(d * 8, d * 4));
        decoderLevel3 = child("decoder_level3", new UnfoldingStage(c, 3, nb[2], d * 4, h[2]));
        up32 = child("up3_2", new Upsample(d * 4));
        up32I = child("up3_2_i", new Upsample(d * 4));
        reduceChanLevel2 = child("reduce_chan_level2", Conv.pointwise(d * 4, d * 2));
        reduceChanLevel2Img = child("reduce_chan_level2_img", Conv.pointwise(d * 4, d * 2));
        decoderLevel2 = child("decoder_level2", new UnfoldingStage(c, 2, nb[1], d * 2, h[1]));
        up21 = child("up2_1", new Upsample(d * 2));
        up21I = child("up2_1_i", new Upsample(d * 2));
        decoderLevel1 = child("decoder_level1", new UnfoldingStage(c, 1, nb[0], d * 2, h[0]));
        refinement = child("refinement", new UnfoldingStage(c, 1, c.numRefinementBlocks(), d * 2, h[0]));
        output = child("output", Conv.full3x3(d * 2, 3));
    }

    public ModelConfig config() {
        return config;
    }

    /**
     * Restores {@code image} (b, 3, H, W), values in [0, 1], H and W multiples of 8, guided by the CLIP degradation
     * feature {@code degradation} (b, degradationDim). Returns (b, 3, H, W).
     */
    public NDArray forward(NDArray image, NDArray degradation) {
        checkInputs(image, degradation);
        // every intermediate array is freed on return; only the result stays on the image's manager
        return ForwardScope.run(() -> {
            NDArray x1 = patchEmbed.forward(image);
            NDArray i1 = patchEmbedI.forward(image);
            NDArray e1 = encoderLevel1.forward(x1, i1, degradation);

            NDArray i2 = down12.forward(i1); // the authors' code downsamples the image branch with down1_2 too
            NDArray e2 = encoderLevel2.forward(down12.forward(e1), i2, degradation);

            NDArray i3 = down23I.forward(i2);
            NDArray e3 = encoderLevel3.forward(down23.forward(e2), i3, degradation);

            NDArray i4 = down34I.forward(i3);
            NDArray l = latent.forward(down34.forward(e3), i4, degradation);

            NDArray d3 = reduceChanLevel3.forward(NDArrays.concat(new NDList(up43.forward(l), e3), 1));
            NDArray j3 = reduceChanLevel3Img.forward(NDArrays.concat(new NDList(up43I.forward(i4), i3), 1));
            d3 = decoderLevel3.forward(d3, j3, degradation);

            NDArray d2 = reduceChanLevel2.forward(NDArrays.concat(new NDList(up32.forward(d3), e2), 1));
            NDArray j2 = reduceChanLevel2Img.forward(NDArrays.concat(new NDList(up32I.forward(j3), i2), 1));
            d2 = decoderLevel2.forward(d2, j2, degradation);

            NDArray d1 = NDArrays.concat(new NDList(up21.forward(d2), e1), 1);
            NDArray j1 = NDArrays.concat(new NDList(up21I.forward(j2), i1), 1);
            d1 = decoderLevel1.forward(d1, j1, degradation);

            NDArray r = refinement.forward(d1, j1, degradation);
            return output.forward(r).add(image);
        }, image, degradation);
    }

    /** The degradation read-out: softmax weights (b, deDim) of the first stage's GDM for the CLIP features. */
    public NDArray gdmWeights(NDArray degradation) {
        checkDegradation(degradation, -1);
        return encoderLevel1.gradientDescent().weights(degradation);
    }

    private void checkInputs(NDArray image, NDArray degradation) {
        long[] s = image.getShape().getShape();
        if (s.length != 4 || s[1] != 3) {
            throw new IllegalArgumentException("image must be (batch, 3, height, width), got " + Arrays.toString(s));
        }
        if (s[2] % 8 != 0 || s[3] % 8 != 0 || s[2] == 0 || s[3] == 0) {
            throw new IllegalArgumentException("image size " + s[2] + "x" + s[3]
                    + " (height x width) must be a positive multiple of 8 in both sides; pad or crop it first");
        }
        checkDegradation(degradation, s[0]);
    }

    private void checkDegradation(NDArray degradation, long batch) {
        long[] d = degradation.getShape().getShape();
        if (d.length != 2 || d[1] != config.degradationDim() || (batch >= 0 && d[0] != batch)) {
            throw new IllegalArgumentException("degradation feature must be (" + (batch >= 0 ? batch : "batch") + ", "
                    + config.degradationDim() + "), got " + Arrays.toString(d));
        }
    }
}
