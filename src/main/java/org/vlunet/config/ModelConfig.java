package org.vlunet.config;

import java.util.Arrays;

/**
 * The restoration network's shape (the authors' Restormer-based unfolding network, {@code net.} in their checkpoints). JSON keys as written under "model" in configs/*.json.
 *
 * @param dim base width C; level widths are C, 2C, 4C, 8C
 * @param numBlocks transformer blocks per level (4 levels)
 * @param numRefinementBlocks blocks of the refinement stage
 * @param heads attention heads per level (4 levels)
 * @param ffnExpansionFactor hidden width factor of the gated feed-forward
 * @param deDim number of degradation prompts (classes)
 * @param promptSize spatial size of the stage-1 prompt (96); stage s uses promptSize / s
 * @param degradationDim width of the CLIP feature that drives the GDMs (512)
 */
public record ModelConfig(int dim, int[] numBlocks, int numRefinementBlocks, int[] heads, double ffnExpansionFactor,
                          int deDim, int promptSize, int degradationDim) {

    /** JSON form: promptSize (96) and degradationDim (512) may be left out, as the authors' configs do. */
    @com.fasterxml.jackson.annotation.JsonCreator
    static ModelConfig fromJson(@com.fasterxml.jackson.annotation.JsonProperty("dim") int dim,
                                @com.fasterxml.jackson.annotation.JsonProperty("numBlocks") int[] numBlocks,
                                @com.fasterxml.jackson.annotation.JsonProperty("numRefinementBlocks") int numRefinementBlocks,
                                @com.fasterxml.jackson.annotation.JsonProperty("heads") int[] heads,
                                @com.fasterxml.jackson.annotation.JsonProperty("ffnExpansionFactor") double ffnExpansionFactor,
                                @com.fasterxml.jackson.annotation.JsonProperty("deDim") int deDim,
                                @com.fasterxml.jackson.annotation.JsonProperty("promptSize") Integer promptSize,
                                @com.fasterxml.jackson.annotation.JsonProperty("degradationDim") Integer degradationDim) {
        return new ModelConfig(dim, numBlocks, numRefinementBlocks, heads, ffnExpansionFactor, deDim,
                promptSize == null ? 96 : promptSize, degradationDim == null ? 512 : degradationDim);
    }

    public static ModelConfig paper(int deDim) {
        return new ModelConfig(48, new int[] {4, 6, 6, 8}, 4, new int[] {1, 2, 4, 8}, 2.66, deDim, 96, 512);
    }

    /** Checks every value; the message names the key and what was expected. */
    public ModelConfig validate() {
        need(dim > 0, "model.dim must be positive, got " + dim);
        need(numBlocks != null && numBlocks.length == 4, "model.numBlocks needs 4 values, got " + Arrays.toString(numBlocks));
        need(heads != null && heads.length == 4, "model.heads needs 4 values, got " + Arrays.toString(heads));
        for (int b : numBlocks) need(b > 0, "model.numBlocks must be positive, got " + Arrays.toString(numBlocks));
        need(numRefinementBlocks > 0, "model.numRefinementBlocks must be positive, got " + numRefinementBlocks);
        need(ffnExpansionFactor > 0, "model.ffnExpansionFactor must be positive, got " + ffnExpansionFactor);
        need(deDim > 0, "model.deDim must be positive, got " + deDim);
        need(degradationDim > 0, "model.degradationDim must be positive, got " + degradationDim);
        need(promptSize >= 4, "model.promptSize must be at least 4 (stage 4 uses promptSize/4), got " + promptSize);
        need(dim / 10 > 0, "model.dim must be at least 10 so that the prompt width (dim // 10) * stage is not 0, got " + dim);
        for (int l = 0; l < 4; l++) {
            int width = dim << l;
            need(heads[l] > 0 && width % heads[l] == 0,
                    "model.heads[" + l + "] = " + heads[l] + " must divide the level width " + width);
        }
        // Decoder and refinement levels run at width 2C with the level-1 heads and 2 heads in the GDM.
        need((2 * dim) % heads[0] == 0, "model.heads[0] must divide 2*dim");
        need(dim % 2 == 0, "model.dim must be even (the GDM attention has 2 heads), got " + dim);
        need((int) (dim * ffnExpansionFactor) > 0, "model.ffnExpansionFactor too small for dim " + dim);
        return this;
    }

    static void need(boolean ok, String message) {
        if (!ok) throw new ConfigException(message);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelConfig c && dim == c.dim && Arrays.equals(numBlocks, c.numBlocks)
                && numRefinementBlocks == c.numRefinementBlocks && Arrays.equals(heads, c.heads)
                && Double.compare(ffnExpansionFactor, c.ffnExpansionFactor) == 0 && deDim == c.deDim
                && promptSize == c.promptSize && degradationDim == c.degradationDim;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(dim, Arrays.hashCode(numBlocks), numRefinementBlocks, Arrays.hashCode(heads),
                ffnExpansionFactor, deDim, promptSize, degradationDim);
    }

    @Override
    public String toString() {
        return "ModelConfig{dim=" + dim + ", numBlocks=" + Arrays.toString(numBlocks) + ", numRefinementBlocks="
                + numRefinementBlocks + ", heads=" + Arrays.toString(heads) + ", ffnExpansionFactor=" + ffnExpansionFactor
                + ", deDim=" + deDim + ", promptSize=" + promptSize + ", degradationDim=" + degradationDim + "}";
    }
}
