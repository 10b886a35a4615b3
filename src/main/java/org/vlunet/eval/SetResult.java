package org.vlunet.eval;

import java.util.List;
import java.util.Objects;

/** The results of one test set and degradation type (e.g. CBSD68 / Denoise25), averaged as the authors do. */
public record SetResult(String set, String type, List<ImageResult> images) {
    public SetResult {
        images = List.copyOf(images);
    }

    public Score mean() {
        return Score.mean(images.stream().map(ImageResult::score).toList());
    }

    /** The degraded inputs' mean score, or null when it was not measured. */
    public Score inputMean() {
        if (images.isEmpty() || images.stream().anyMatch(i -> i.input() == null)) return null;
        return Score.mean(images.stream().map(ImageResult::input).filter(Objects::nonNull).toList());
    }

    public String label() {
        return set + " / " + type;
    }
}
