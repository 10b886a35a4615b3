package org.vlunet.data;

import java.util.List;

/**
 * One training or test example: a pair of files ({@link PairEntry}) or a clean file whose degraded side is
 * synthesised ({@link SynthEntry}). {@link #load} returns both sides centre-cropped to a multiple of 16, the
 * authors' rule.
 */
public sealed interface Example permits PairEntry, SynthEntry {
    Degradation degradation();

    /** Both sides, decoded (through the cache when given) and centre-cropped to a multiple of 16. */
    default ImagePair load(ImageCache cache) {
        return view(cache).full();
    }

    /** Both sides as decoded (cached) images with the centre crop pending: for cutting patches cheaply. */
    PairView view(ImageCache cache);

    /** The files this example reads, with where they were named. */
    List<FileRef> files();

    /** A short name for messages: the degraded file, or the clean file and its synthesis. */
    String describe();

    /** The base multiple of the authors' crop_img. */
    int MULTIPLE = 16;

    static RgbImage cropToMultiple(RgbImage img, Object file) {
        if (img.width() < MULTIPLE || img.height() < MULTIPLE) {
            throw new ImageException(file + ": image " + img.width() + "x" + img.height() + " is smaller than "
                    + MULTIPLE + "x" + MULTIPLE);
        }
        return img.cropToMultiple(MULTIPLE);
    }
}
