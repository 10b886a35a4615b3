package org.vlunet.cli;

import org.vlunet.checkpoint.Checkpoint;
import org.vlunet.checkpoint.CheckpointReport;
import org.vlunet.checkpoint.Conversion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code convert}: the authors' checkpoints (or any readable one) → our self-describing safetensors file. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Converts checkpoints to this tool's format: one safetensors file with the backbone, CLIP, the adapters,"
                + " the configuration, classes, prompts and provenance.",
                "Reads Lightning .ckpt files, clip_tuned.pth, PyTorch state dicts, open_clip and VLUNet safetensors."
                + " With several inputs, parts of later ones replace those of earlier ones"
                + " (e.g. vlunet.ckpt clip_tuned.pth takes the adapter from clip_tuned.pth)."})
public final class ConvertCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "CHECKPOINT", description = "checkpoint file(s) to read")
    List<Path> sources;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "the file to write (.safetensors)")
    Path output;

    @Mixin
    ConfigOption config = new ConfigOption();

    @Option(names = "--overwrite", description = "replace the output if it exists")
    boolean overwrite;

    @Override
    public Integer call() {
        Checkpoint ck = Conversion.convert(sources, config.load(), output, overwrite);
        System.out.println("wrote " + output);
        for (String line : CheckpointReport.describe(ck, InspectCommand.configSource(config.config, ck))) System.out.println("  " + line);
        return 0;
    }
}
