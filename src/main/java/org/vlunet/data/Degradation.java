package org.vlunet.data;

import java.util.ArrayList;
import java.util.List;

/**
 * The degradation classes of VLU-Net with the authors' ids (0 to 6), their CLIP prompts and the
 * training oversampling of the authors' recipe.
 */
public enum Degradation {
    DENOISE_15("denoise_15", 0, "image with noise", 3),
    DENOISE_25("denoise_25", 1, "image with many noise", 3),
    DENOISE_50("denoise_50", 2, "image with large amount of noise", 3),
    DERAIN("derain", 3, "image with rain", 120),
    DEHAZE("dehaze", 4, "image with haze", 1),
    DEBLUR("deblur", 5, "image with blur", 1),
    DELOWLIGHT("delowlight", 6, "image with low light", 1);

    /** The name used on the command line and in the authors' code. */
    public final String key;
    /** The class id (the index of the GDM prompt and of the CLIP logit). */
    public final int id;
    public final String prompt;
    /** How many times the authors repeat this class's training pairs. */
    public final int repeat;

    Degradation(String key, int id, String prompt, int repeat) {
        this.key = key;
        this.id = id;
        this.prompt = prompt;
        this.repeat = repeat;
    }

    public static Degradation of(String key) {
        for (Degradation d : values()) if (d.key.equals(key)) return d;
        List<String> keys = new ArrayList<>();
        for (Degradation d : values()) keys.add(d.key);
        throw new IllegalArgumentException("unknown degradation '" + key + "' (expected one of " + String.join(", ", keys) + ")");
    }

    public static Degradation ofId(int id) {
        for (Degradation d : values()) if (d.id == id) return d;
        throw new IllegalArgumentException("unknown degradation id " + id + " (expected 0..6)");
    }

    /**
     * The CLIP fine-tuning prompts in the authors' order ("noise", "many noise", "large amount of noise",
     * "haze", "rain", "blur", "low light"): note haze comes before rain there, unlike the class ids.
     */
    public static List<Degradation> clipPromptOrder() {
        return List.of(DENOISE_15, DENOISE_25, DENOISE_50, DEHAZE, DERAIN, DEBLUR, DELOWLIGHT);
    }
}
