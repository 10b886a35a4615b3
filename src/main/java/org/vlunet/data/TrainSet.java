package org.vlunet.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training examples of one run, with each class's examples repeated as the authors oversampled them (noise x3
 * per level, rain x120): classes in the given order, each class's list repeated whole.
 */
public final class TrainSet {
    private final List<Example> examples;
    private final List<Example> distinct;

    public TrainSet(List<? extends Example> examples) {
        this(List.copyOf(examples), List.copyOf(examples));
    }

    private TrainSet(List<Example> examples, List<Example> distinct) {
        if (examples.isEmpty()) throw new DatasetException("the training set is empty");
        this.examples = examples;
        this.distinct = distinct;
    }

    /**
     * @param byClass  each class's examples, in the order the classes should appear
     * @param repeats  overrides of {@link Degradation#repeat} (a class absent here keeps the authors' factor)
     */
    public static TrainSet repeated(Map<Degradation, ? extends List<? extends Example>> byClass, Map<Degradation, Integer> repeats) {
        List<Example> all = new ArrayList<>(), distinct = new ArrayList<>();
        for (Map.Entry<Degradation, ? extends List<? extends Example>> e : byClass.entrySet()) {
            int r = repeats.getOrDefault(e.getKey(), e.getKey().repeat);
            if (r < 1) throw new IllegalArgumentException("repeat for " + e.getKey().key + " must be >= 1, got " + r);
            distinct.addAll(e.getValue());
            for (int k = 0; k < r; k++) all.addAll(e.getValue());
        }
        return new TrainSet(Collections.unmodifiableList(all), Collections.unmodifiableList(distinct));
    }

    /** Examples in one list, no repeats. */
    public static TrainSet of(List<? extends Example> examples) {
        return new TrainSet(examples);
    }

    public int size() {
        return examples.size();
    }

    public Example get(int index) {
        return examples.get(index);
    }

    public List<Example> examples() {
        return examples;
    }

    /** Each example once (before the repeats). */
    public List<Example> distinct() {
        return distinct;
    }

    /** Examples per class after the repeats, in class-id order. */
    public Map<Degradation, Integer> counts() {
        Map<Degradation, Integer> m = new EnumMap<>(Degradation.class);
        for (Example e : examples) m.merge(e.degradation(), 1, Integer::sum);
        return m;
    }

    /** The distinct classes present, in class-id order. */
    public List<Degradation> classes() {
        return new ArrayList<>(counts().keySet());
    }

    /** Checks every file once; throws one {@link DatasetException} listing all missing or unreadable files. */
    public TrainSet check() {
        DataCheck.requireReadable(distinct);
        return this;
    }

    /**
     * The thorough check: also each file's image header, matching pair sizes and the patch size (see
     * {@link DataCheck#requireUsable}); reads every distinct file's header once.
     */
    public TrainSet check(int patch) {
        DataCheck.requireUsable(distinct, patch);
        return this;
    }

    /** e.g. "denoise_15 1200 (400 x3), derain 24000 (200 x120)". */
    public String summary() {
        Map<Degradation, Integer> once = new LinkedHashMap<>();
        for (Example e : distinct) once.merge(e.degradation(), 1, Integer::sum);
        Map<Degradation, Integer> all = counts();
        List<String> parts = new ArrayList<>();
        for (Map.Entry<Degradation, Integer> e : all.entrySet()) {
            int n = once.getOrDefault(e.getKey(), 0);
            int total = e.getValue();
            parts.add(e.getKey().key + " " + total + (n > 0 && total != n ? " (" + n + " x" + total / n + ")" : ""));
        }
        return String.join(", ", parts);
    }
}
