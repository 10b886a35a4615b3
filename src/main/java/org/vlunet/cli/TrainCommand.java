package org.vlunet.cli;

import org.vlunet.data.Degradation;
import org.vlunet.train.Checkpoints;
import org.vlunet.train.Recipe;
import org.vlunet.train.TrainOptions;
import org.vlunet.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code train}: the authors' all-in-one training recipe, honouring every option, safe to run for days. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains VLU-Net on the selected degradations: per batch the frozen CLIP encoder + DA adapter give the"
                + " degradation features, the network restores the degraded crops, L1 loss, AdamW (torch's) with linear"
                + " warm-up and cosine decay applied per step.",
                "Checkpoints go to <ckpt_path>/<name>/ (last.state.safetensors to --resume, last/epoch_NNN.vlunet.safetensors"
                + " for the test command); the JSONL log to <output_path>/<name>/train_log.jsonl. Ctrl-C or SIGTERM finishes"
                + " the step, writes a checkpoint and exits."})
public final class TrainCommand implements Callable<Integer> {

    @Option(names = "--epochs", defaultValue = "200", description = "epochs in all (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch_size", defaultValue = "4",
            description = "samples per step over all devices together (default ${DEFAULT-VALUE}; the authors: 4 on each of 8 GPUs = 32)")
    int batchSize;

    @Option(names = "--lr", defaultValue = "2e-4", description = "peak learning rate (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--warmup_epochs", defaultValue = "15", description = "linear warm-up from 0 (default ${DEFAULT-VALUE})")
    double warmupEpochs;

    @Option(names = "--de_type", arity = "1..*", paramLabel = "CLASS",
            defaultValue = "denoise_15 denoise_25 denoise_50 derain dehaze", split = "[ ,]",
            description = "degradations to train on: denoise_15 denoise_25 denoise_50 derain dehaze deblur delowlight (default: ${DEFAULT-VALUE})")
    List<String> deType;

    @Option(names = "--de_dim", description = "degradation prompts of the network (default: 5 for classes within the first five, else 7)")
    Integer deDim;

    @Option(names = "--patch_size", defaultValue = "128", description = "training crop side (default ${DEFAULT-VALUE})")
    int patchSize;

    @Option(names = "--repeat", paramLabel = "CLASS=N", split = ",",
            description = "oversampling overrides, e.g. derain=60 (the authors: noise x3, derain x120, others x1)")
    Map<String, Integer> repeat;

    @Option(names = "--seed", defaultValue = "0", description = "seed of initialisation, order, crops and flips (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--grad_clip", defaultValue = "0", description = "clip the global gradient norm to this (default 0: off)")
    double gradClip;

    @Option(names = "--data_root", defaultValue = "datasets", description = "the authors' datasets folder (default ${DEFAULT-VALUE})")
    Path dataRoot;

    @Option(names = "--output_path", defaultValue = "output", description = "logs go to <output_path>/<name> (default ${DEFAULT-VALUE})")
    Path outputPath;

    @Option(names = "--ckpt_path", defaultValue = "ckpt", description = "checkpoints go to <ckpt_path>/<name> (default ${DEFAULT-VALUE})")
    Path ckptPath;

    @Option(names = "--name", defaultValue = "VLUNet", description = "name of the run (default ${DEFAULT-VALUE})")
    String name;

    @Mixin
    ConfigOption config = new ConfigOption();

    @Option(names = "--clip_weights", paramLabel = "FILE", description = "CLIP weights: open_clip ViT-B-32 safetensors, or any checkpoint holding CLIP (of a whole model only its CLIP and adapters are taken)")
    Path clipWeights;

    @Option(names = "--adapter", paramLabel = "FILE", description = "DA adapter: finetune-clip output, clip_tuned.pth, or any checkpoint holding it (only its adapters are taken)")
    Path adapter;

    @Option(names = "--init", paramLabel = "FILE", description = "start from this checkpoint's network (and its CLIP/adapter, if it has them)")
    Path init;

    @Option(names = "--resume", arity = "0..1", paramLabel = "STATE", fallbackValue = "",
            description = "continue a run: its " + Checkpoints.STATE + " (bare --resume: the one under <ckpt_path>/<name>);"
                    + " the run's --clip_weights, --adapter and --init are used unless given again")
    String resume;

    @Mixin
    DeviceOption device = new DeviceOption();

    @Option(names = "--num_workers", defaultValue = "4", description = "background data workers (default ${DEFAULT-VALUE})")
    int numWorkers;

    @Option(names = "--cache_mb", defaultValue = "-1",
            description = "decoded-image cache for the data workers in MiB (default: a quarter of the Java heap; 0: none)")
    long cacheMb;

    @Option(names = "--save_every", defaultValue = "5", description = "checkpoint every this many epochs (default ${DEFAULT-VALUE}; always at the end)")
    int saveEvery;

    @Option(names = "--val_every", defaultValue = "0", description = "validate every this many epochs on the trained classes' test sets (default 0: never)")
    int valEvery;

    @Option(names = "--val_images", defaultValue = "0", description = "validate on the first N images of each set (default 0: all)")
    int valImages;

    @Option(names = "--max_steps", defaultValue = "0", description = "stop (with a checkpoint) once the step counter reaches this (default 0: no limit)")
    long maxSteps;

    @Override
    public Integer call() {
        try {
            var out = Trainer.run(Trainer.plan(options()), System.err);
            if (out.validationFailures() > 0) { // training went on; the scores of those images are missing
                System.err.println("vlunet train: " + out.validationFailures() + " validation image(s) could not be scored"
                        + " (the \"val\" lines above say why)");
                return 1;
            }
            return 0;
        } catch (RuntimeException e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            System.err.println(Main.prefix("train") + msg.lines().findFirst().orElse(msg));
            if (Boolean.getBoolean("vlunet.debug")) e.printStackTrace();
            return 1;
        }
    }

    /** The parsed command line as the library's options (nothing checked yet: {@link Trainer#plan} does that). */
    public TrainOptions options() {
        int dim = deDim != null ? deDim : defaultDeDim(deType);
        Recipe recipe = new Recipe(deType, dim, epochs, batchSize, lr, warmupEpochs, patchSize, seed, gradClip,
                repeat == null ? Map.of() : repeat, 0.9, 0.999, 1e-8, 0.01);
        Path resumePath = resume == null ? null
                : resume.isEmpty() ? ckptPath.resolve(name).resolve(Checkpoints.STATE) : Path.of(resume);
        return new TrainOptions(recipe, config.config, dataRoot, outputPath, ckptPath, name, clipWeights, adapter,
                init, resumePath, device.device, numWorkers, saveEvery, valEvery, valImages, maxSteps, cacheMb);
    }

    /** 5 when every class is among the three-task model's five, else 7 (the five-task model). */
    static int defaultDeDim(List<String> classes) {
        for (String k : classes) {
            try {
                if (Degradation.of(k).id >= 5) return 7;
            } catch (IllegalArgumentException e) {
                return 5; // the recipe's check names the unknown class
            }
        }
        return 5;
    }
}
