package org.vlunet.config;

/**
 * The CLIP degradation encoder (open_clip layout, {@code model_degradation.} in the authors' checkpoints). JSON keys as under "clip" in configs/*.json.
 */
public record ClipConfig(int embedDim, Vision vision, Text text) {

    public record Vision(int imageSize, int layers, int width, int patchSize, int headWidth) {
        public int heads() {
            return width / headWidth;
        }

        public int gridSize() {
            return imageSize / patchSize;
        }
    }

    public record Text(int contextLength, int vocabSize, int width, int heads, int layers) {}

    /** open_clip ViT-B-32. */
    public static ClipConfig vitB32() {
        return new ClipConfig(512, new Vision(224, 12, 768, 32, 64), new Text(77, 49408, 512, 8, 12));
    }

    public ClipConfig validate() {
        ModelConfig.need(embedDim > 0, "clip.embedDim must be positive, got " + embedDim);
        ModelConfig.need(vision != null && text != null, "clip needs both \"vision\" and \"text\"");
        ModelConfig.need(vision.layers > 0 && vision.width > 0 && vision.patchSize > 0 && vision.headWidth > 0,
                "clip.vision sizes must be positive: " + vision);
        ModelConfig.need(vision.width % vision.headWidth == 0,
                "clip.vision.headWidth " + vision.headWidth + " must divide width " + vision.width);
        ModelConfig.need(vision.imageSize % vision.patchSize == 0,
                "clip.vision.patchSize " + vision.patchSize + " must divide imageSize " + vision.imageSize);
        ModelConfig.need(text.layers > 0 && text.width > 0 && text.heads > 0 && text.contextLength > 0 && text.vocabSize > 0,
                "clip.text sizes must be positive: " + text);
        ModelConfig.need(text.width % text.heads == 0, "clip.text.heads " + text.heads + " must divide width " + text.width);
        return this;
    }
}
