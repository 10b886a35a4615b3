package org.vlunet.cli;

import ai.djl.pytorch.jni.JniUtils;
import org.vlunet.VluNetModel;
import org.vlunet.infer.RestoreJob;
import org.vlunet.infer.TiledRestorer;
import org.vlunet.util.Outputs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code restore}: images of any size, any degradation; the model tells what it saw. */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Restores images (files or folders) of any size: reflect-padded to the network's multiple of 8 and"
                + " cropped back, so each output has its input's size; large images go in overlapping, blended tiles.",
                "Prints what the degradation encoder saw in each image. Writes OUTDIR/<stem>.png (with --recursive, the input's"
                + " subfolders under OUTDIR too); never overwrites an input."})
public final class RestoreCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "INPUT", description = "image files or folders of images")
    List<Path> inputs;

    @Mixin
    CheckpointOption checkpoint = new CheckpointOption();

    @Mixin
    ConfigOption config = new ConfigOption();

    @Option(names = {"-o", "--output"}, defaultValue = "restored", paramLabel = "DIR", description = "output folder (default ${DEFAULT-VALUE})")
    Path output;

    @Mixin
    TilingOptions tiling = new TilingOptions();

    @Option(names = "--overwrite", description = "replace existing outputs (inputs are never replaced)")
    boolean overwrite;

    @Option(names = {"-r", "--recursive"}, description = "restore folders with all their subfolders, each image to the same relative path under -o")
    boolean recursive;

    @Mixin
    DeviceOption device = new DeviceOption();

    @Override
    public Integer call() throws Exception {
        TiledRestorer.Options opts = tiling.options();
        Outputs.folder(output, "-o " + output); // before the model is loaded
        try (VluNetModel model = VluNetModel.load(checkpoint.path(), config.load(), device.one())) {
            JniUtils.setGradMode(false);
            RestoreJob.Outcome o = new RestoreJob(model, model.manager(), opts, output, overwrite, recursive).run(inputs, System.out);
            for (RestoreJob.Failure f : o.failed()) {
                String m = f.message() == null ? "failed" : f.message();
                System.err.println(Main.prefix("restore") + (m.startsWith(f.input().toString()) ? m : f.input() + ": " + m));
            }
            System.out.println("restored " + o.done().size() + " image(s) into " + output
                    + (o.failed().isEmpty() ? "" : ", " + o.failed().size() + " failed"));
            return o.failed().isEmpty() ? 0 : 1;
        }
    }
}
