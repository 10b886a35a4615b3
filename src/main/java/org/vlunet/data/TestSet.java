package org.vlunet.data;

import java.util.List;

/**
 * One test set of a task, e.g. name "CBSD68", type "Denoise25": its pairs are restored and scored together.
 */
public record TestSet(String name, String type, Degradation degradation, List<? extends Example> pairs) {
    public TestSet {
        pairs = List.copyOf(pairs);
    }

    public int size() {
        return pairs.size();
    }

    /** Pair {@code i}, both sides centre-cropped to a multiple of 16 (the authors' test rule). */
    public ImagePair load(int i) {
        return pairs.get(i).load(null);
    }

    /** The file that names pair {@code i}'s outputs: the degraded file, or the clean one when synthesised. */
    public java.nio.file.Path file(int i) {
        Example e = pairs.get(i);
        return e instanceof PairEntry p ? p.degraded() : ((SynthEntry) e).clean();
    }

    /** The type name the authors print for a class: Denoise15, Denoise25, Denoise50, Derain, Dehaze, Deblur, Delowlight. */
    public static String typeOf(Degradation d) {
        return switch (d) {
            case DENOISE_15 -> "Denoise15";
            case DENOISE_25 -> "Denoise25";
            case DENOISE_50 -> "Denoise50";
            case DERAIN -> "Derain";
            case DEHAZE -> "Dehaze";
            case DEBLUR -> "Deblur";
            case DELOWLIGHT -> "Delowlight";
        };
    }

    /** "CBSD68 Denoise25 (68 pairs)". */
    public String describe() {
        return name + " " + type + " (" + pairs.size() + " pair" + (pairs.size() == 1 ? "" : "s") + ")";
    }
}
