package org.vlunet.data;

import java.util.function.Function;

/**
 * The authors' training sampling: each pair centre-cropped to a multiple of 16, an aligned random
 * {@code patch×patch} crop (the same place in both; offsets uniform in [0, H−patch] and [0, W−patch] as Python's
 * randint), then one of the 7 non-identity flips/rotations applied to both. Everything random derives from
 * (seed, epoch, sample index) alone, so any worker may make any sample and the result is the same.
 */
public final class TrainSampler {
    private static final long ORDER = 0x4F52444552L, SAMPLE = 0x53414D504CL;

    private final TrainSet set;
    private final int patch;
    private final long seed;
    private final Function<RgbImage, float[]> clipInput;
    private final ImageCache cache;

    /**
     * @param clipInput the CLIP preprocessing of a degraded patch (e.g. ClipPreprocessor::preprocess), or null
     * @param cache     a decoded-image cache shared by the workers, or null
     */
    public TrainSampler(TrainSet set, int patchSize, long seed, Function<RgbImage, float[]> clipInput, ImageCache cache) {
        if (patchSize < 1) throw new IllegalArgumentException("patch size must be positive, got " + patchSize);
        this.set = set;
        this.patch = patchSize;
        this.seed = seed;
        this.clipInput = clipInput;
        this.cache = cache;
    }

    public TrainSet set() {
        return set;
    }

    public int size() {
        return set.size();
    }

    public int patchSize() {
        return patch;
    }

    public long seed() {
        return seed;
    }

    public boolean hasClip() {
        return clipInput != null;
    }

    /** The order in which epoch {@code epoch} visits the samples (a seeded permutation). */
    public int[] epochOrder(int epoch) {
        return Rng.of(seed, epoch, ORDER).permutation(set.size());
    }

    public Sample sample(int epoch, int index) {
        Example ex = set.get(index);
        PairView pair = ex.view(cache);
        int w = pair.width(), h = pair.height();
        if (w < patch || h < patch) {
            throw new ImageException(ex.describe() + ": image " + w + "x" + h + " (after the centre crop to a multiple of 16) is smaller than the "
                    + patch + "x" + patch + " training patch (--patch_size)");
        }
        Rng rng = Rng.of(seed, epoch, index, SAMPLE);
        int y0 = rng.nextInt(0, h - patch), x0 = rng.nextInt(0, w - patch);
        int mode = rng.nextInt(1, Augment.MODES - 1);
        ImagePair crop = pair.crop(x0, y0, patch, patch);
        RgbImage d = Augment.apply(crop.degraded(), mode);
        RgbImage c = Augment.apply(crop.clean(), mode);
        float[] clip = clipInput == null ? null : clipInput.apply(d);
        return new Sample(index, ex.degradation(), d, c, clip, x0, y0, mode);
    }
}
