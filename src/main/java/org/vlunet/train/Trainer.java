package org.vlunet.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import org.vlunet.VluNetModel;
import org.vlunet.checkpoint.Checkpoint;
import org.vlunet.checkpoint.CheckpointReader;
import org.vlunet.checkpoint.Provenance;
import org.vlunet.checkpoint.ModelWriter;
import org.vlunet.config.ModelConfig;
import org.vlunet.config.VluNetConfig;
import org.vlunet.engine.CpuKernels;
import org.vlunet.data.AuthorsLayout;
import org.vlunet.data.DataCheck;
import org.vlunet.data.Degradation;
import org.vlunet.data.Loader;
import org.vlunet.data.PairList;
import org.vlunet.data.Task;
import org.vlunet.data.TestSet;
import org.vlunet.data.TrainSampler;
import org.vlunet.data.TrainSet;
import org.vlunet.model.VluNet;
import org.vlunet.util.AtomicFiles;
import org.vlunet.util.Outputs;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.StateDict;
import org.vlunet.weights.WeightsException;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sets up and runs a training run from {@link TrainOptions}: everything that can be wrong with the input is
 * checked first (options, configuration, devices, data files, weights, the checkpoint to resume), each problem in
 * one message, before any model is built; then one replica of the network and the frozen encoder per device, the
 * optimizer, the schedule, the background loader at the run's position, checkpoints, log and validation, and the
 * loop.
 */
public final class Trainer {

    /** What was checked and settled before any work. */
    public record Plan(TrainOptions options, Recipe recipe, VluNetConfig config, List<Device> devices, TrainSet data,
                       int batchesPerEpoch, Checkpoint weights, TrainState resume, List<TestSet> validation) {}

    private Trainer() {}

    /** Checks every input; throws one exception whose message says what is wrong and what was expected. */
    public static Plan plan(TrainOptions o) {
        Recipe recipe = o.recipe().validate();
        if (o.name() == null || o.name().isBlank() || o.name().contains("/") || o.name().contains("\\")) {
            throw new TrainException("--name must be a plain folder name, got '" + o.name() + "'");
        }
        if (o.numWorkers() < 0) throw new TrainException("--num_workers must be >= 0, got " + o.numWorkers());
        if (o.valImages() < 0) throw new TrainException("--val_images must be >= 0 (0: all), got " + o.valImages());
        new TrainLoop.Settings(o.saveEvery(), o.valEvery(), o.maxSteps());
        List<Device> devices = Devices.parse(o.device());
        VluNetConfig config = config(o, recipe);
        try { // where it will write, before reading anything big
            Outputs.folder(o.checkpointDir(), "--ckpt_path/--name " + o.checkpointDir());
            Outputs.folder(o.outputDir(), "--output_path/--name " + o.outputDir());
        } catch (IllegalArgumentException e) {
            throw new TrainException(e.getMessage(), e);
        }

        // a resumed run takes the weight files it was started with, unless given again
        TrainState resume = o.resume() == null ? null : TrainState.read(o.resume());
        StartedWith was = resume == null ? null : StartedWith.of(resume);
        if (was != null) o = was.fillIn(o);

        // weights: CLIP (required), adapter (required), backbone (optional, --init); of --clip_weights only the
        // encoder is taken and of --adapter only the adapters, so a whole model can give its CLIP
        for (Path f : Arrays.asList(o.init(), o.clipWeights(), o.adapter())) {
            if (f != null && !Files.isRegularFile(f)) {
                throw new TrainException(f + ": no such file" + (was != null && was.recorded(f) ? " (" + o.resume()
                        + " records it as a file of the run's start; give the option again if it moved)" : ""));
            }
        }
        Checkpoint weights = null;
        try {
            if (o.init() != null) weights = CheckpointReader.read(o.init());
            if (o.clipWeights() != null) weights = merge(weights, CheckpointReader.read(o.clipWeights()).encoderOnly());
            if (o.adapter() != null) weights = merge(weights, CheckpointReader.read(o.adapter()).adaptersOnly());
            if (weights != null) weights = weights.resolve(config);
        } catch (WeightsException e) {
            throw new TrainException(e.getMessage(), e);
        }
        if (weights == null || !weights.hasClip()) {
            throw new TrainException("no CLIP weights: give --clip_weights (open_clip ViT-B-32 safetensors or any checkpoint holding CLIP)"
                    + " or an --init checkpoint that holds CLIP");
        }
        if (!weights.hasImageAdapter()) {
            throw new TrainException("no DA adapter: give --adapter (the finetune-clip output or the authors' clip_tuned.pth) or an --init checkpoint that holds it");
        }
        // resolve() refused weights of another network; CLIP's configuration is the one its weights have
        if (!weights.clipConfig().equals(config.clip())) config = new VluNetConfig(config.model(), weights.clipConfig(), config.degradations());

        // data
        Map<Degradation, Integer> repeats = new EnumMap<>(Degradation.class);
        recipe.repeat().forEach((k, v) -> repeats.put(Degradation.of(k), v));
        TrainSet data;
        int perEpoch;
        try {
            data = AuthorsLayout.train(o.dataRoot(), recipe.classes(), repeats).check(recipe.patchSize());
            perEpoch = Loader.batchesPerEpoch(data.size(), recipe.batchSize());
        } catch (RuntimeException e) {
            throw new TrainException(e.getMessage(), e);
        }
        List<TestSet> validation = o.valEvery() > 0 ? validationSets(o, recipe) : List.of();

        // resume
        Path state = o.checkpointDir().resolve(Checkpoints.STATE);
        if (resume != null) {
            resume.checkResumable(o.resume(), config, recipe, perEpoch);
            String digest = resume.metadata().get(ENCODER_DIGEST);
            if (digest != null && !digest.equals(encoderDigest(weights))) {
                throw new TrainException(o.resume() + " was trained with other CLIP or adapter weights than those given now ("
                        + StartedWith.describe(o.clipWeights(), o.adapter(), o.init()) + "; the features would change mid-run): give the"
                        + " run's own (" + was.files() + ") or leave those options out to use them");
            }
            if (resume.position().epoch() >= recipe.epochs()) {
                throw new TrainException(o.resume() + ": that run already finished all " + recipe.epochs() + " epochs");
            }
        } else if (Files.exists(state)) {
            throw new TrainException(o.checkpointDir() + " already holds a run named '" + o.name()
                    + "': add --resume " + state + " to continue it, or choose another --name");
        }
        return new Plan(o, recipe, config, devices, data, perEpoch, weights, resume, validation);
    }

    /** The model configuration: --config, else the paper's network; its deDim must agree with --de_dim. */
    static VluNetConfig config(TrainOptions o, Recipe recipe) {
        VluNetConfig c;
        try {
            c = o.config() != null ? VluNetConfig.load(o.config())
                    : VluNetConfig.load(recipe.deDim() == 7 ? "vlunet-nhrbl" : "vlunet-nhr");
        } catch (RuntimeException e) {
            throw new TrainException("--config: " + e.getMessage(), e);
        }
        ModelConfig m = c.model();
        if (o.config() == null && m.deDim() != recipe.deDim()) {
            m = new ModelConfig(m.dim(), m.numBlocks(), m.numRefinementBlocks(), m.heads(), m.ffnExpansionFactor(),
                    recipe.deDim(), m.promptSize(), m.degradationDim());
        }
        if (m.deDim() != recipe.deDim()) {
            throw new TrainException("--de_dim " + recipe.deDim() + " does not match the configuration's deDim " + m.deDim()
                    + " (" + o.config() + ")");
        }
        // the GDM prompts are indexed by class id: de_dim 5 holds classes 0..4, 7 all of them
        List<String> degradations = null;
        if (m.deDim() <= Degradation.values().length) {
            degradations = new ArrayList<>();
            for (int id = 0; id < m.deDim(); id++) degradations.add(Degradation.ofId(id).key);
        }
        return new VluNetConfig(m, c.clip(), degradations).validate();
    }

    /** The main test set of each trained class (CBSD68 per noise level, SOTS, Rain100L, GoPro, LOL). */
    static List<TestSet> validationSets(TrainOptions o, Recipe recipe) {
        List<Degradation> classes = recipe.classes();
        List<TestSet> out = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (Task.TestList t : Task.NHRBL.testLists()) {
            if (t.optional() || !classes.contains(t.degradation())) continue;
            Path list = o.dataRoot().resolve(t.list());
            if (!Files.isRegularFile(list)) {
                missing.add(list.toString());
                continue;
            }
            out.add(new TestSet(t.set(), TestSet.typeOf(t.degradation()), t.degradation(), PairList.read(list, o.dataRoot(), t.degradation())));
        }
        if (!missing.isEmpty()) {
            throw new TrainException("--val_every " + o.valEvery() + " needs the test lists of the trained classes; missing: "
                    + String.join(", ", missing) + " (or set --val_every 0)");
        }
        try {
            List<org.vlunet.data.Example> check = new ArrayList<>();
            for (TestSet s : out) check.addAll(o.valImages() > 0 ? s.pairs().subList(0, Math.min(o.valImages(), s.size())) : s.pairs());
            DataCheck.requireReadable(check);
        } catch (RuntimeException e) {
            throw new TrainException("validation data: " + e.getMessage(), e);
        }
        return out;
    }

    private static Checkpoint merge(Checkpoint earlier, Checkpoint later) {
        return earlier == null ? later : earlier.merge(later);
    }

    /** Runs a checked plan to its end, --max_steps or a stop signal. */
    public static TrainLoop.Outcome run(Plan plan, PrintStream err) {
        TrainOptions o = plan.options();
        Recipe recipe = plan.recipe();
        VluNetConfig config = plan.config();
        StopSignal stop = new StopSignal().installHook(300, () -> System.err.println(
                "\nstop requested: finishing the current step and writing a checkpoint..."));
        String cleaned = AtomicFiles.removedLine(o.checkpointDir(), AtomicFiles.removeStale(o.checkpointDir()));
        if (cleaned != null) err.println(cleaned);
        CpuKernels.prepare();
        try (NDManager root = NDManager.newBaseManager(plan.devices().get(0))) {
            Engine.getInstance().setRandomSeed((int) recipe.seed());
            Checkpoint w = plan.weights();
            // a resumed run continues from its own backbone
            Checkpoint start = plan.resume() == null ? w : w.merge(Checkpoint.of(plan.resume().net(), Map.of(), Map.of(), config, null, null));
            List<VluNetModel> models = VluNetModel.replicas(start, config, plan.devices(), root);
            List<DataParallel.Replica<VluNet>> replicas = models.stream()
                    .map(m -> new DataParallel.Replica<>(m.net(), m.device(), m.encoder()::features)).toList();
            VluNetModel first = models.get(0);
            Position pos = plan.resume() != null ? plan.resume().position() : Position.START;
            int perEpoch = plan.batchesPerEpoch();
            LrSchedule schedule = new LrSchedule(recipe.lr(), recipe.warmupEpochs(), recipe.epochs(), perEpoch);
            int clipSize = config.clip().vision().imageSize();
            TrainSampler sampler = new TrainSampler(plan.data(), recipe.patchSize(), recipe.seed(),
                    first::clipInput, o.cacheBytes() > 0 ? new org.vlunet.data.ImageCache(o.cacheBytes()) : null);
            try (DataParallel<VluNet> dp = new DataParallel<>(replicas, VluNet::forward, root);
                 AdamW opt = new AdamW(dp.parameters(), recipe.adamW(), root);
                 TrainLog log = new TrainLog(o.outputDir().resolve("train_log.jsonl"));
                 LoaderStream data = new LoaderStream(new Loader(sampler, recipe.batchSize(), o.numWorkers(), pos.epoch(),
                         pos.index(), recipe.epochs()), clipSize)) {
                if (plan.resume() != null) opt.loadState(plan.resume().optimizer(), o.resume().toString());
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put("options", TrainState.JSON.writeValueAsString(o));
                meta.put("devices", plan.devices().toString());
                meta.put(ENCODER_DIGEST, encoderDigest(w));
                Checkpoints<VluNet> ck = new Checkpoints<>(o.checkpointDir(), "vlunet.safetensors",
                        // the frozen encoder as it was given (its dtype and keys kept), the network as trained
                        (target, next) -> ModelWriter.write(target, Checkpoint.of(StateDict.save(first.net()), w.clip(), w.adapter(),
                                config, w.prompts(), Provenance.now("train", (long) next.epoch(), next.step(), o.name(),
                                        "recipe " + TrainState.JSON.writeValueAsString(recipe))), null),
                        dp, opt, config, recipe, perEpoch, meta, log);
                var startEvent = log.event(plan.resume() != null ? "resume" : "start");
                startEvent.put("epoch", pos.epoch());
                startEvent.put("batch", pos.index());
                startEvent.put("step", pos.step());
                startEvent.put("samples", plan.data().size());
                startEvent.put("batches_per_epoch", perEpoch);
                startEvent.put("devices", plan.devices().toString());
                log.write(startEvent);
                err.printf("training %s: %s; %d batches of %d per epoch, %d epochs, on %s%s%n", o.name(),
                        plan.data().summary(), perEpoch, recipe.batchSize(), recipe.epochs(), plan.devices(),
                        plan.resume() != null ? ", resuming at epoch " + (pos.epoch() + 1) + " batch " + pos.index() + " (step " + pos.step() + ")" : "");
                TrainLoop.Validator val = plan.validation().isEmpty() ? null
                        : new Validation(plan.validation(), o.valImages(), first, root, stop::requested);
                TrainLoop<TrainBatch> loop = new TrainLoop<>(recipe, new TrainLoop.Settings(o.saveEvery(), o.valEvery(), o.maxSteps()),
                        dp, opt, schedule, root, ck, val, log, new ProgressBar(err, System.console() != null), stop);
                TrainLoop.Outcome out = loop.run(pos, data);
                var end = log.event(out.reason());
                end.put("step", out.position().step());
                log.write(end);
                err.printf("%s at epoch %d batch %d (step %d); checkpoint %s%n", switch (out.reason()) {
                    case TrainLoop.Outcome.DONE -> "finished";
                    case TrainLoop.Outcome.MAX_STEPS -> "reached --max_steps";
                    default -> "stopped";
                }, out.position().epoch() + 1, out.position().index(), out.position().step(), ck.statePath());
                return out;
            } catch (java.io.IOException e) {
                throw new TrainException(e.getMessage(), e);
            }
        } finally {
            stop.finished();
            stop.uninstall();
        }
    }

    static final String ENCODER_DIGEST = "encoder_digest";

    /** CRC-32 of the frozen encoder's weights (CLIP and image adapter: names, shapes and bytes), to detect a change on resume. */
    static String encoderDigest(Checkpoint w) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        for (Map<String, HostTensor> part : List.of(w.clip(), w.adapter(org.vlunet.checkpoint.ReferenceLayout.IMAGE_ADAPTER))) {
            for (String k : new java.util.TreeSet<>(part.keySet())) {
                HostTensor t = part.get(k);
                crc.update(k.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                crc.update(java.util.Arrays.toString(t.shape()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                crc.update(t.bytes());
            }
        }
        return Long.toHexString(crc.getValue());
    }
}
