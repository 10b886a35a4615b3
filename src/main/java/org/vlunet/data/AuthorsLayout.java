package org.vlunet.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The authors' dataset layout under a datasets root (default {@code ./datasets}, option {@code --data_root}):
 * list files of {@code degraded,clean} lines, per class for training and per set for testing.
 */
public final class AuthorsLayout {
    private AuthorsLayout() {}

    public static final Path DEFAULT_ROOT = Path.of("datasets");
    public static final String DENOISE_DIR = "denoising_datasets";
    public static final String DERAIN_DIR = "deraining_datasets/Rain100L";
    public static final String DEHAZE_DIR = "dehazing_datasets";
    public static final String DEBLUR_DIR = "deblurring_datasets/GoPro";
    public static final String LOWLIGHT_DIR = "delowlight_datasets/LoL";

    /** The training list of a class, relative to the datasets root. */
    public static String trainList(Degradation d) {
        return switch (d) {
            case DENOISE_15, DENOISE_25, DENOISE_50 -> DENOISE_DIR + "/" + Task.sigma(d) + "_train_paths.txt";
            default -> dir(d) + "/train_paths.txt";
        };
    }

    /** The test list of a class's main set (CBSD68 for noise), relative to the datasets root. */
    public static String testList(Degradation d) {
        return switch (d) {
            case DENOISE_15, DENOISE_25, DENOISE_50 -> DENOISE_DIR + "/CBSD68/" + Task.sigma(d) + "_test_paths.txt";
            default -> dir(d) + "/test_paths.txt";
        };
    }

    /** The folder of a class's lists, relative to the datasets root. */
    public static String dir(Degradation d) {
        return switch (d) {
            case DENOISE_15, DENOISE_25, DENOISE_50 -> DENOISE_DIR;
            case DERAIN -> DERAIN_DIR;
            case DEHAZE -> DEHAZE_DIR;
            case DEBLUR -> DEBLUR_DIR;
            case DELOWLIGHT -> LOWLIGHT_DIR;
        };
    }

    /** The training set with the authors' repeats (noise x3, rain x120). */
    public static TrainSet train(Path root, List<Degradation> classes) {
        return train(root, classes, Map.of());
    }

    /**
     * Reads each class's training list (all missing lists reported at once), repeats each class by
     * {@code repeats} or else {@link Degradation#repeat}. Files are not checked here: call {@link TrainSet#check()}.
     */
    public static TrainSet train(Path root, List<Degradation> classes, Map<Degradation, Integer> repeats) {
        if (classes.isEmpty()) throw new DatasetException("no degradation classes to train on");
        List<String> missing = new ArrayList<>();
        for (Degradation d : classes) {
            Path list = root.resolve(trainList(d));
            if (!Files.isRegularFile(list)) missing.add(list + " (" + d.key + ")");
        }
        if (!missing.isEmpty()) {
            throw new DatasetException(missing.size() + " training list" + (missing.size() == 1 ? " is" : "s are")
                    + " missing under data root " + root + ": " + DataCheck.summarise(missing, null, missing.size()), missing);
        }
        Map<Degradation, List<PairEntry>> byClass = new LinkedHashMap<>();
        for (Degradation d : classes) {
            if (byClass.containsKey(d)) throw new DatasetException("degradation " + d.key + " is listed twice");
            List<PairEntry> pairs = PairList.read(root.resolve(trainList(d)), root, d);
            if (pairs.isEmpty()) throw new DatasetException(root.resolve(trainList(d)) + ": the list has no pairs");
            byClass.put(d, pairs);
        }
        return TrainSet.repeated(byClass, repeats);
    }

    /**
     * The test sets of a task ({@link Task#of} names), read from their lists under {@code root}. Optional sets
     * (Urban100) are skipped when their list is absent; all other missing lists are reported together.
     */
    public static List<TestSet> test(Path root, String task) {
        return test(root, Task.of(task));
    }

    public static List<TestSet> test(Path root, Task task) {
        List<String> missing = new ArrayList<>();
        List<TestSet> out = new ArrayList<>();
        for (Task.TestList t : task.testLists()) {
            Path list = root.resolve(t.list());
            if (!Files.isRegularFile(list)) {
                if (!t.optional()) missing.add(list + " (" + t.set() + " " + TestSet.typeOf(t.degradation()) + ")");
                continue;
            }
            out.add(new TestSet(t.set(), TestSet.typeOf(t.degradation()), t.degradation(), PairList.read(list, root, t.degradation())));
        }
        if (!missing.isEmpty()) {
            throw new DatasetException(missing.size() + " test list" + (missing.size() == 1 ? " is" : "s are")
                    + " missing for task " + task + " under data root " + root + ": " + DataCheck.summarise(missing, null, missing.size()), missing);
        }
        return out;
    }

    /** Checks every file of the test sets at once. */
    public static void check(List<TestSet> sets) {
        List<Example> all = new ArrayList<>();
        for (TestSet s : sets) all.addAll(s.pairs());
        DataCheck.requireReadable(all);
    }
}
