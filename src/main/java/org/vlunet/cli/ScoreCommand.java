package org.vlunet.cli;

import org.vlunet.eval.FolderScores;
import org.vlunet.eval.MetricOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** PSNR/SSIM between two folders matched by file name, for the outputs of any tool. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "PSNR/SSIM (scikit-image conventions) between restored and clean images paired by file-name stem.")
public final class ScoreCommand implements Callable<Integer> {

    @Option(names = "--restored", required = true, description = "Folder of restored images.")
    Path restored;

    @Option(names = "--clean", required = true, description = "Folder of clean (ground-truth) images.")
    Path clean;

    @Option(names = "--json", description = "Also write the scores to this JSON file.")
    Path json;

    @Option(names = "--overwrite", description = "Replace an existing --json file.")
    boolean overwrite;

    @Option(names = "--y_channel", description = "Score the BT.601 luma (as BasicSR) instead of RGB.")
    boolean yChannel;

    @Option(names = "--crop_border", defaultValue = "0", description = "Pixels removed from each border before scoring (default ${DEFAULT-VALUE}).")
    int cropBorder;

    @Option(names = "--crop16", description = "Centre-crop both images to a multiple of 16 first (the authors' protocol).")
    boolean crop16;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out, err = System.err;
        MetricOptions opts = new MetricOptions(yChannel, cropBorder, crop16);
        if (json != null) org.vlunet.util.Outputs.file(json, "--json " + json, overwrite, java.util.List.of());
        FolderScores.Result r = FolderScores.compare(restored, clean, opts);
        out.println("metric: " + opts.label());
        out.print(r.table());
        for (String n : r.notRestored()) err.println("note: clean image " + n + " has no restoration (not scored)");
        for (FolderScores.Problem p : r.problems()) err.println(Main.prefix("score") + p.name() + ": " + p.message());
        if (json != null) {
            r.writeJson(json);
            out.println("wrote " + json);
        }
        if (!r.problems().isEmpty()) {
            err.println(Main.prefix("score") + r.problems().size() + " file(s) could not be scored");
            return 1;
        }
        if (r.pairs().isEmpty()) throw new IllegalArgumentException("no image pairs found in " + restored + " and " + clean);
        return 0;
    }
}
