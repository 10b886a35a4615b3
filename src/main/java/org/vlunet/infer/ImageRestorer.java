package org.vlunet.infer;

import ai.djl.ndarray.NDManager;
import org.vlunet.data.RgbImage;

/**
 * One decoded image in, its restoration out: the step that {@link RestoreJob} (the {@code restore} command) and the
 * Spark job share, so both give the same pixels. Each image runs in its own memory scope under the model's manager.
 * Not for concurrent use: callers that share one model between threads take turns (see the Spark job's model cache).
 */
public final class ImageRestorer {

    /** The restored image (the input's size, not clamped), what the degradation encoder saw, and the passes taken. */
    public record Result(RgbImage image, Readout readout, int tiles) {}

    private final ImageModel model;
    private final NDManager manager;
    private final TiledRestorer.Options options;

    public ImageRestorer(ImageModel model, NDManager manager, TiledRestorer.Options options) {
        this.model = model;
        this.manager = manager;
        this.options = options.withMultiple(model.sizeMultiple());
    }

    public TiledRestorer.Options options() {
        return options;
    }

    /** Restores one image; a size padding cannot handle, or a non-finite result, is an error. */
    public Result restore(RgbImage img) {
        return restore(img, notice -> { });
    }

    /** As {@link #restore(RgbImage)}, telling {@code notices} what it had to change (smaller tiles after running out of memory). */
    public Result restore(RgbImage img, java.util.function.Consumer<String> notices) {
        try (NDManager sub = manager.newSubManager()) {
            new TiledRestorer(null, sub, options).checkSize(img.width(), img.height()); // before any network work
            // conditioned from the host pixels: no full-size array is kept while the tiles run
            ImageModel.Conditioned c = model.condition(img, sub);
            TiledRestorer r = new TiledRestorer(c.network(), sub, options, notices);
            int tiles = r.passes(img.width(), img.height());
            RgbImage restored = r.restore(img); // every pass is checked for NaN and infinity there
            return new Result(restored, c.readout(), tiles);
        }
    }
}
