package org.vlunet.eval;

import java.nio.file.Path;
import java.util.List;

/** One test set of a task as the evaluator walks it: e.g. CBSD68 / Denoise25 and its degraded–clean pairs. */
public record TestSet(String set, String type, List<Pair> pairs) {
    public record Pair(Path degraded, Path clean) {}

    public TestSet {
        pairs = List.copyOf(pairs);
    }

    public String label() {
        return set + " / " + type;
    }
}
