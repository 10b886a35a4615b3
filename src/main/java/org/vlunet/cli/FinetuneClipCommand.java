package org.vlunet.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import org.vlunet.checkpoint.Checkpoint;
import org.vlunet.checkpoint.CheckpointReader;
import org.vlunet.checkpoint.Provenance;
import org.vlunet.clip.ClassFolders;
import org.vlunet.clip.DegradationEncoder;
import org.vlunet.clip.ExampleImages;
import org.vlunet.clip.LabelledImages;
import org.vlunet.data.AuthorsLayout;
import org.vlunet.config.ClipConfig;
import org.vlunet.config.VluNetConfig;
import org.vlunet.data.Degradation;
import org.vlunet.train.AdapterTraining;
import org.vlunet.train.Devices;
import org.vlunet.train.Position;
import org.vlunet.train.TrainLoop;
import org.vlunet.train.TrainState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code finetune-clip}: trains the DA adapter on degradation-labelled images with CLIP frozen. */
@Command(name = "finetune-clip", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tunes the DA adapters of the CLIP degradation encoder (CLIP frozen).",
                "Each image is a degraded image labelled with its class; logits = image features @ text features^T over the "
                        + "classes' prompts; cross-entropy; Adam. Images: the degraded side of the authors' training lists under "
                        + "DATA_ROOT (e.g. datasets/dehazing_datasets/train_paths.txt), or DATA_ROOT/<class>/*.png|jpg."})
public final class FinetuneClipCommand implements Callable<Integer> {
    static final Path DEFAULT_CLIP = Path.of("pretrained_ckpt", "open_clip_model.safetensors");

    @Spec
    CommandSpec spec;

    @Option(names = "--de_type", arity = "1..*", paramLabel = "CLASS",
            description = "Degradation classes (denoise_15 denoise_25 denoise_50 derain dehaze deblur delowlight). "
                    + "Default: the configuration's \"degradations\", else all seven.")
    List<String> deType;

    @Option(names = "--data_root", defaultValue = "datasets", paramLabel = "DIR",
            description = "Datasets root with the authors' list files, or a folder with a sub-folder of images per class key (default: ${DEFAULT-VALUE}).")
    Path dataRoot;

    @Option(names = "--layout", defaultValue = "auto", paramLabel = "auto|lists|folders",
            description = "How DATA_ROOT is organised: the authors' training lists, class folders, or whichever is there (default: ${DEFAULT-VALUE}).")
    String layout;

    @Option(names = "--clip_weights", paramLabel = "FILE",
            description = "CLIP weights: open_clip ViT-B-32 (laion2b_s34b_b79k) safetensors, or any checkpoint holding CLIP "
                    + "(the authors' .ckpt, ours). Default: pretrained_ckpt/open_clip_model.safetensors if present.")
    Path clipWeights;

    @Option(names = "--random_clip", description = "Use a randomly initialised CLIP of the --config's size (experiments only); "
            + "it is saved beside the output as <name>.clip.safetensors so later commands use the same encoder.")
    boolean randomClip;

    @Option(names = "--adapter", paramLabel = "FILE", description = "DA adapters to start from: the authors' clip_tuned.pth, a finetune-clip output, or any checkpoint with both (default: random).")
    Path adapter;

    @Option(names = "--config", paramLabel = "FILE|PRESET", description = "Configuration JSON or preset (vlunet-tiny, vlunet-nhr, vlunet-nhrbl); its \"clip\" section sizes CLIP. Default: ViT-B-32.")
    String config;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch_size", defaultValue = "32", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-5", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--holdout", defaultValue = "0.1", description = "Fraction of each class held out for per-epoch loss and top-1 accuracy (default: ${DEFAULT-VALUE}).")
    double holdout;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the initialisation, split and batch order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--output", defaultValue = "pretrained_ckpt/clip_adapter.safetensors", paramLabel = "FILE",
            description = "Adapter output (safetensors; default: ${DEFAULT-VALUE}). The resumable state goes beside it as <name>.state.safetensors, "
                    + "the JSONL log (start, step, epoch with train and held-out loss and accuracy, end) as <name>.log.jsonl.")
    Path output;

    @Option(names = "--overwrite", description = "Replace an existing output (and its state file; the log starts empty).")
    boolean overwrite;

    @Option(names = "--resume", description = "Continue the training recorded in the output's state file (the log is appended to).")
    boolean resume;

    // Not DeviceOption: this command's help has always named the values in its label (the same parser and default).
    @Option(names = "--device", defaultValue = Devices.DEFAULT, paramLabel = "cpu|gpu|gpu:N", description = "Device (default: a GPU when the engine sees one).")
    String device;

    @Option(names = "--workers", paramLabel = "N", description = "Image reading threads (default: up to 4).")
    Integer workers;

    @Override
    public Integer call() {
        try {
            return run();
        } catch (RuntimeException | java.io.IOException e) {
            spec.commandLine().getErr().println(Main.prefix("finetune-clip") + (e.getMessage() != null ? e.getMessage() : e.toString()));
            spec.commandLine().getErr().flush();
            return 1;
        }
    }

    private int run() throws java.io.IOException {
        VluNetConfig cfg = config == null ? null : VluNetConfig.load(config);
        List<Degradation> classes = classes(cfg);
        Path state = sibling(output, ".state.safetensors");
        Path randomClipFile = sibling(output, ".clip.safetensors");
        Path logFile = sibling(output, ".log.jsonl");

        if (resume && overwrite) throw new IllegalArgumentException("--resume and --overwrite exclude each other");
        if (resume && adapter != null) throw new IllegalArgumentException("--resume continues from " + state + "; --adapter cannot be used with it");
        if (resume && !Files.isRegularFile(state)) {
            throw new IllegalArgumentException("--resume: no state file " + state + " to continue from");
        }
        if (resume) {
            int done = AdapterTraining.epochsIn(state);
            if (done >= epochs) {
                System.out.printf("%s: already trained %d epochs (--epochs %d): nothing to do%n", state, done, epochs);
                return 0;
            }
        }
        if (!resume && !overwrite) {
            for (Path p : randomClip ? List.of(output, state, logFile, randomClipFile) : List.of(output, state, logFile)) {
                if (Files.exists(p)) throw new IllegalArgumentException(p + " exists; pass --overwrite to replace it or --resume to continue its training");
            }
        }
        List<Path> weightFiles = java.util.stream.Stream.of(clipWeights, adapter).filter(java.util.Objects::nonNull).toList();
        for (Path p : List.of(output, state, logFile)) org.vlunet.util.Outputs.file(p, p.toString(), true, weightFiles);
        Path folder = output.toAbsolutePath().getParent();
        String cleaned = org.vlunet.util.AtomicFiles.removedLine(folder, org.vlunet.util.AtomicFiles.removeStale(folder));
        if (cleaned != null) System.out.println(cleaned);

        ClipConfig clipConfig;
        Map<String, org.vlunet.weights.HostTensor> clipTensors = null;
        Path clipSource;
        if (randomClip) {
            if (clipWeights != null) throw new IllegalArgumentException("--random_clip and --clip_weights exclude each other");
            if (cfg == null || cfg.clip() == null) {
                throw new IllegalArgumentException("--random_clip needs --config naming a CLIP size (e.g. --config vlunet-tiny)");
            }
            clipConfig = cfg.clip();
            clipSource = resume ? randomClipFile : null;
            if (resume && !Files.isRegularFile(randomClipFile)) {
                throw new IllegalArgumentException("--resume --random_clip: the random CLIP of that run, " + randomClipFile + ", is missing");
            }
        } else {
            clipSource = clipWeights != null ? clipWeights : Files.isRegularFile(DEFAULT_CLIP) ? DEFAULT_CLIP : null;
            if (clipSource == null) {
                throw new IllegalArgumentException("real CLIP weights are needed: download open_clip's ViT-B-32 laion2b_s34b_b79k weights "
                        + "(open_clip_model.safetensors of laion/CLIP-ViT-B-32-laion2B-s34B-b79K), put them at " + DEFAULT_CLIP
                        + " or pass --clip_weights FILE (for experiments only: --random_clip --config vlunet-tiny)");
            }
            if (!Files.isRegularFile(clipSource)) throw new IllegalArgumentException("--clip_weights " + clipSource + ": no such file");
            clipConfig = null;
        }
        if (clipSource != null) {
            // Any checkpoint kind: open_clip safetensors, the authors' Lightning checkpoint, ours.
            Checkpoint ck = CheckpointReader.read(clipSource);
            if (!ck.hasClip()) throw new IllegalArgumentException(clipSource + " holds no CLIP weights (it has: " + ck.parts() + ")");
            ck = ck.resolve(cfg != null && cfg.clip() != null ? cfg : null);
            if (clipConfig == null) clipConfig = cfg != null && cfg.clip() != null ? cfg.clip() : ck.clipConfig();
            clipTensors = ck.clip();
        }
        Map<String, org.vlunet.weights.HostTensor> adapterTensors = null;
        if (adapter != null) {
            Checkpoint ck = CheckpointReader.read(adapter);
            if (!ck.hasImageAdapter() || !ck.hasTextAdapter()) {
                throw new IllegalArgumentException("--adapter " + adapter + " must hold both DA adapters (it has: " + ck.parts() + ")");
            }
            adapterTensors = ck.adapter();
        }

        int threads = workers != null ? workers : Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        AdapterTraining.Settings settings = new AdapterTraining.Settings(classes, epochs, batchSize, lr, seed, holdout, threads);
        LabelledImages data = openData(classes);
        Device dev = Devices.one(device);
        var out = System.out;
        org.vlunet.engine.CpuKernels.prepare();
        try (NDManager manager = NDManager.newBaseManager(dev)) {
            Engine.getInstance().setRandomSeed((int) seed);
            DegradationEncoder encoder = DegradationEncoder.create(clipConfig, manager);
            if (!dev.isGpu()) org.vlunet.engine.CpuKernels.verify(encoder.clip(), false); // CLIP is frozen: forward only
            Map<String, String> meta = new LinkedHashMap<>();
            if (clipSource != null) {
                encoder.loadClip(clipTensors, "CLIP weights " + clipSource);
                meta.put("clip_weights", randomClip ? "random CLIP " + clipSource : clipSource.toString());
            } else {
                org.vlunet.checkpoint.ModelWriter.write(randomClipFile, Checkpoint.ofEncoder(org.vlunet.weights.StateDict.save(encoder.clip()), Map.of(), clipConfig, null,
                        Provenance.now("finetune-clip --random_clip", null, null, null, "randomly initialised CLIP for experiments, seed " + seed)), null);
                meta.put("clip_weights", "random CLIP " + randomClipFile);
                out.println("random CLIP (experiments only) saved to " + randomClipFile);
            }
            if (adapterTensors != null) encoder.loadAdapter(adapterTensors, "DA adapter " + adapter);
            AdapterTraining tuner = new AdapterTraining(encoder, settings, manager, out);
            out.printf("finetune-clip on %s: %d images of %s; prompts %s; device %s%n", dataRoot, data.size(),
                    tuner.classes().stream().map(d -> d.key).toList(), tuner.prompts(), dev);
            tuner.prepare(data);
            out.printf("%d training images, %d held out%n", tuner.trainingImages(), tuner.heldOutImages());
            TrainState from = null;
            if (resume) {
                from = tuner.resumable(state);
                Position p = from.position();
                out.printf("resuming from %s after epoch %d%s%n", state, p.epoch(), p.index() == 0 ? "" : " and batch " + p.index());
            }
            TrainLoop.Outcome done;
            try (tuner) {
                done = tuner.run((weights, m, next) -> org.vlunet.checkpoint.ModelWriter.write(output, Checkpoint.ofEncoder(Map.of(), weights,
                        encoder.config(), tuner.prompts(), Provenance.now("finetune-clip", (long) next.epoch(), next.step(), m.get("clip_weights"), null)),
                        null, m), state, logFile, meta, from);
            }
            if (!done.reason().equals(TrainLoop.Outcome.DONE)) {
                out.printf("stopped at epoch %d batch %d: %s records it; continue with --resume%n", done.position().epoch() + 1,
                        done.position().index(), state);
                return 0; // as train: a requested stop is no failure
            }
            out.printf("wrote %s (DA adapter, classes %s), %s and %s%n", output, tuner.classes().stream().map(d -> d.key).toList(), state, logFile);
        }
        return 0;
    }

    private LabelledImages openData(List<Degradation> classes) {
        boolean lists = switch (layout) {
            case "lists" -> true;
            case "folders" -> false;
            case "auto" -> {
                if (classes.stream().anyMatch(d -> Files.isRegularFile(dataRoot.resolve(AuthorsLayout.trainList(d))))) yield true;
                if (classes.stream().anyMatch(d -> Files.isDirectory(dataRoot.resolve(d.key)))) yield false;
                Degradation d = classes.get(0);
                throw new IllegalArgumentException(dataRoot + ": found neither the authors' training lists (e.g. "
                        + dataRoot.resolve(AuthorsLayout.trainList(d)) + ") nor a folder per class (e.g. " + dataRoot.resolve(d.key) + "/)");
            }
            default -> throw new IllegalArgumentException("--layout " + layout + ": expected auto, lists or folders");
        };
        if (!lists) return ClassFolders.open(dataRoot, classes);
        if (!Files.isDirectory(dataRoot)) {
            throw new IllegalArgumentException(dataRoot + ": no such directory (expected the authors' datasets root, or a folder per class)");
        }
        return ExampleImages.authorsLists(dataRoot, classes);
    }

    private List<Degradation> classes(VluNetConfig cfg) {
        List<String> keys = deType != null ? deType : cfg != null && cfg.degradations() != null ? cfg.degradations()
                : Degradation.clipPromptOrder().stream().map(d -> d.key).toList();
        List<Degradation> out = new ArrayList<>();
        for (String k : keys) {
            Degradation d = Degradation.of(k);
            if (out.contains(d)) throw new IllegalArgumentException("--de_type lists " + k + " twice");
            out.add(d);
        }
        return out;
    }

    /** "a/b/x.safetensors" → "a/b/x" + suffix. */
    static Path sibling(Path output, String suffix) {
        String name = output.getFileName().toString();
        String stem = name.endsWith(".safetensors") ? name.substring(0, name.length() - ".safetensors".length()) : name;
        return output.resolveSibling(stem + suffix);
    }
}
