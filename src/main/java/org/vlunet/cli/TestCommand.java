package org.vlunet.cli;

import ai.djl.pytorch.jni.JniUtils;
import org.vlunet.VluNetModel;
import org.vlunet.data.AuthorsLayout;
import org.vlunet.data.Degradation;
import org.vlunet.data.PairFolder;
import org.vlunet.data.Task;
import org.vlunet.data.TestSet;
import org.vlunet.eval.Evaluator;
import org.vlunet.eval.MetricOptions;
import org.vlunet.infer.TiledRestorer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code test}: every test set of a task, scored as in the paper, with images, tables, JSON/CSV and a report. */
@Command(name = "test", mixinStandardHelpOptions = true,
        description = {"Evaluates a checkpoint on every test set of a task as the authors did: images centre-cropped to a"
                + " multiple of 16, PSNR/SSIM on RGB in [0,1] (scikit-image conventions), averaged per set.",
                "Writes OUTPUT/NAME/TASK/{SET/TYPE/*.png, results.json, results.csv, results_images.csv, report.html}.",
                "With --pairs DIR instead of --task, tests on your own input/target folders the same way."})
public final class TestCommand implements Callable<Integer> {

    @Option(names = "--task", paramLabel = "TASK", description = "N, H, R, B, L, NHR or NHRBL: its test sets under --data_root")
    String task;

    @Option(names = "--pairs", paramLabel = "DIR", description = {"instead of a task: a paired-folder layout, DIR/input and DIR/target"
            + " matched by file stem (or one such folder per class); the class from the folder name or --de_type"})
    Path pairs;

    @Option(names = "--de_type", paramLabel = "CLASS", description = "class of the --pairs images (e.g. derain) when the folder name does not tell")
    String deType;

    @Mixin
    CheckpointOption checkpoint = new CheckpointOption();

    @Mixin
    ConfigOption config = new ConfigOption();

    @Option(names = "--de_dim", paramLabel = "N", description = "expected number of degradation classes (checked against the checkpoint)")
    Integer deDim;

    @Option(names = "--name", defaultValue = "final_results", description = "run name (default ${DEFAULT-VALUE})")
    String name;

    @Option(names = "--data_root", defaultValue = "datasets", description = "datasets root of the authors' lists (default ${DEFAULT-VALUE})")
    Path dataRoot;

    @Option(names = "--output_path", defaultValue = "output", description = "results root (default ${DEFAULT-VALUE})")
    Path outputPath;

    @Option(names = "--save_images", description = "write the restored images (the default)")
    boolean saveImages;

    @Option(names = "--no_save_images", description = "do not write the restored images (thumbnails for the report still are)")
    boolean noSaveImages;

    @Option(names = "--max_images", defaultValue = "0", paramLabel = "N", description = "at most N images per set (0 = all)")
    int maxImages;

    @Mixin
    DeviceOption device = new DeviceOption();

    @Option(names = "--tile", defaultValue = "0", paramLabel = "N",
            description = "restore in N x N blended tiles so memory is bounded by the tile (default 0: whole images, as the authors; tiled scores differ slightly)")
    int tile;

    @Option(names = "--tile_overlap", defaultValue = "64", paramLabel = "M", description = "overlap of neighbouring tiles with --tile, at most half a tile (default ${DEFAULT-VALUE})")
    int overlap;

    @Option(names = "--resume", description = "skip images already evaluated by an interrupted run of the same name")
    boolean resume;

    @Option(names = "--overwrite", description = "replace an earlier run of the same name (its results, report and images)")
    boolean overwrite;

    @Option(names = "--y_channel", description = "also a labelled variant: score the BT.601 luma instead of RGB")
    boolean yChannel;

    @Option(names = "--crop_border", defaultValue = "0", paramLabel = "N", description = "variant: remove N pixels from each border before scoring")
    int cropBorder;

    @Override
    public Integer call() throws Exception {
        if (saveImages && noSaveImages) throw new IllegalArgumentException("--save_images and --no_save_images together");
        if ((task == null) == (pairs == null)) throw new IllegalArgumentException("give --task (the authors' test sets) or --pairs DIR");
        String label;
        List<TestSet> sets;
        if (pairs != null) {
            sets = PairFolder.test(pairs, deType == null ? null : Degradation.of(deType));
            Path n = pairs.toAbsolutePath().normalize().getFileName();
            label = n == null ? "pairs" : n.toString();
        } else {
            Task t = Task.of(task);
            sets = AuthorsLayout.test(dataRoot, t);
            label = t.name();
        }
        AuthorsLayout.check(sets);
        Path out = outputPath.resolve(name).resolve(label);
        Evaluator.checkRun(out, name, resume, overwrite); // before the model is loaded
        Path ckpt = checkpoint.path();
        try (VluNetModel model = VluNetModel.load(ckpt, config.load(), device.one())) {
            int classes = model.config().model().deDim();
            if (deDim != null && deDim != classes) {
                throw new IllegalArgumentException("--de_dim " + deDim + " but " + ckpt + " has " + classes + " degradation classes");
            }
            JniUtils.setGradMode(false);
            if (overwrite && Evaluator.holdsARun(out)) Evaluator.clearRun(out);
            Evaluator.Options opts = new Evaluator.Options(out, label, ckpt.getFileName().toString(),
                    new MetricOptions(yChannel, cropBorder, true), !noSaveImages, maxImages, resume);
            // Whole images, as the authors restore them: no automatic tiling, tiles only when asked.
            TiledRestorer.Options whole = TiledRestorer.Options.defaults().withMaxPixels(0);
            if (tile > 0) whole = whole.withTile(tile, overlap);
            System.out.println("test " + label + " with " + ckpt + " on " + model.device() + ": " + sets.size() + " set(s)"
                    + (tile > 0 ? ", in tiles of " + tile + " overlapping by " + overlap + " (scores differ slightly from whole images)" : ""));
            Evaluator.Outcome o = new Evaluator(model, model.manager(), whole, opts, System.out).run(sets);
            System.out.println();
            System.out.println("wrote " + out.resolve("results.json") + ", results.csv, results_images.csv, report.html");
            if (o.skipped() > 0) System.out.println("resumed: " + o.skipped() + " image(s) taken from " + out.resolve(Evaluator.LOG));
            for (Evaluator.Failure f : o.failures()) System.err.println(Main.prefix("test") + f.set() + " / " + f.type() + ": " + f.message());
            if (!o.failures().isEmpty()) {
                System.err.println(Main.prefix("test") + o.failures().size() + " image(s) failed");
                return 1;
            }
            return 0;
        }
    }
}
