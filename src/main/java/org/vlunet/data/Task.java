package org.vlunet.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.vlunet.data.Degradation.*;

/**
 * The authors' tasks: N (noise), H (haze), R (rain), B (blur), L (low light), NHR (three-task), NHRBL
 * (five-task); each names its training classes and its test sets.
 */
public enum Task {
    N(List.of(DENOISE_15, DENOISE_25, DENOISE_50)),
    H(List.of(DEHAZE)),
    R(List.of(DERAIN)),
    B(List.of(DEBLUR)),
    L(List.of(DELOWLIGHT)),
    NHR(List.of(DENOISE_15, DENOISE_25, DENOISE_50, DERAIN, DEHAZE)),
    NHRBL(List.of(DENOISE_15, DENOISE_25, DENOISE_50, DERAIN, DEHAZE, DEBLUR, DELOWLIGHT));

    /** The classes trained for this task, in class-id order. */
    public final List<Degradation> classes;

    Task(List<Degradation> classes) {
        this.classes = classes;
    }

    public static Task of(String name) {
        for (Task t : values()) if (t.name().equals(name.trim().toUpperCase(Locale.ROOT))) return t;
        List<String> names = new ArrayList<>();
        for (Task t : values()) names.add(t.name());
        throw new DatasetException("unknown task '" + name + "' (known: " + String.join(", ", names) + ")");
    }

    /** A test set's place in the layout: set name, class, list file relative to the datasets root, optional. */
    public record TestList(String set, Degradation degradation, String list, boolean optional) {}

    /** The test lists of this task, in the order they are reported. */
    public List<TestList> testLists() {
        List<TestList> out = new ArrayList<>();
        boolean noise = this == N || this == NHR || this == NHRBL;
        if (noise) {
            for (Degradation d : List.of(DENOISE_15, DENOISE_25, DENOISE_50)) {
                out.add(new TestList("CBSD68", d, AuthorsLayout.DENOISE_DIR + "/CBSD68/" + sigma(d) + "_test_paths.txt", false));
            }
            // Urban100 is tested when its lists are there; the authors' tables report CBSD68 only.
            for (Degradation d : List.of(DENOISE_15, DENOISE_25, DENOISE_50)) {
                out.add(new TestList("Urban100", d, AuthorsLayout.DENOISE_DIR + "/Urban100_HR/" + sigma(d) + "_test_paths.txt", true));
            }
        }
        if (this == H || this == NHR || this == NHRBL) out.add(new TestList("SOTS", DEHAZE, AuthorsLayout.testList(DEHAZE), false));
        if (this == R || this == NHR || this == NHRBL) out.add(new TestList("Rain100L", DERAIN, AuthorsLayout.testList(DERAIN), false));
        if (this == B || this == NHRBL) out.add(new TestList("GoPro", DEBLUR, AuthorsLayout.testList(DEBLUR), false));
        if (this == L || this == NHRBL) out.add(new TestList("LOL", DELOWLIGHT, AuthorsLayout.testList(DELOWLIGHT), false));
        return out;
    }

    static int sigma(Degradation d) {
        return switch (d) {
            case DENOISE_15 -> 15;
            case DENOISE_25 -> 25;
            case DENOISE_50 -> 50;
            default -> throw new IllegalArgumentException(d.key + " is not a noise level");
        };
    }
}
