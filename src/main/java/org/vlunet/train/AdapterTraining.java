package org.vlunet.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlunet.clip.ClipTokenizer;
import org.vlunet.clip.DegradationAdapter;
import org.vlunet.clip.DegradationEncoder;
import org.vlunet.clip.ImageEmbeddings;
import org.vlunet.clip.LabelledImages;
import org.vlunet.clip.PromptLoss;
import org.vlunet.config.VluNetConfig;
import org.vlunet.data.Degradation;
import org.vlunet.util.NonFiniteException;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.Safetensors;
import org.vlunet.weights.StateDict;
import org.vlunet.weights.WeightsException;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Fine-tuning the DA adapter, as the authors do, as a recipe of the one trainer: CLIP frozen; logits = image
 * features @ text featuresᵀ over the prompts of the selected classes (in prompt order), cross-entropy against the
 * class; torch's Adam, which is {@link AdamW} with weight decay 0, at a constant rate. CLIP's embeddings depend only
 * on the (deterministic) input, so they are computed once ({@link ImageEmbeddings}) and a batch is a list of image
 * indices. {@link TrainLoop} runs it with train's optimizer step, non-finite guard, progress and state
 * ({@link TrainState}); at each epoch end a held-out part of each class gives loss and top-1 accuracy and the
 * adapter and the state are written. Its JSONL log ({@link TrainLog}) has train's {@code step}, {@code start} or
 * {@code resume} and closing events, and an {@code epoch} event with the epoch's metrics.
 */
public final class AdapterTraining implements TrainLoop.Objective<int[]>, AutoCloseable {

    /** What to train and how. {@code holdout} is the fraction of each class kept out of training. */
    public record Settings(List<Degradation> classes, int epochs, int batchSize, double lr, long seed,
                           double holdout, int workers) {
        public Settings {
            classes = List.copyOf(classes);
            if (classes.isEmpty()) throw new IllegalArgumentException("at least one degradation class is needed");
            if (classes.stream().distinct().count() != classes.size()) throw new IllegalArgumentException("degradation classes repeat: " + classes);
            if (epochs < 1) throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
            if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
            if (!(lr > 0)) throw new IllegalArgumentException("learning rate must be positive, got " + lr);
            if (!(holdout >= 0 && holdout < 1)) throw new IllegalArgumentException("holdout must be a fraction in [0, 1), got " + holdout);
            if (workers < 1) throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
    }

    /** Mean cross-entropy and top-1 accuracy over {@code images} images. */
    public record Metrics(double loss, double accuracy, int images) {}

    /** Where the adapter goes after each epoch: its weights under the authors' keys, the file's metadata, the run's position. */
    @FunctionalInterface
    public interface Output {
        void write(Map<String, HostTensor> adapter, Map<String, String> metadata, Position next);
    }

    /** torch.optim.Adam's defaults (betas 0.9/0.999, eps 1e-8), which the authors fine-tune with: AdamW without decay. */
    static final AdamW.Settings ADAM = new AdamW.Settings(0.9, 0.999, 1e-8, 0);
    /** The state's "command" metadata, telling it from train's. */
    static final String COMMAND = "finetune-clip";
    /** The state format finetune-clip wrote before it ran on the trainer (Adam moments as adam.m./adam.v.): still resumed. */
    static final String LEGACY_FORMAT = "VLU-Net finetune-clip state";

    private final DegradationEncoder encoder;
    private final Settings settings;
    private final NDManager manager;
    private final PrintStream log;
    private final List<Degradation> order;
    private final int dim;
    private final GradientViews views;
    private float[] textEmbeddings;
    private float[][] embeddings;
    private int[] labels;
    private int[] train;
    private int[] heldOut;
    /** Each step's loss and correct count this epoch, still on the device, read at the epoch's end. */
    private NDManager epochScope;
    private final List<NDArray[]> epochStats = new ArrayList<>();
    private final List<Integer> epochSizes = new ArrayList<>();

    public AdapterTraining(DegradationEncoder encoder, Settings settings, NDManager manager, PrintStream log) {
        this.encoder = encoder;
        this.settings = settings;
        this.manager = manager;
        this.log = log;
        this.dim = encoder.config().embedDim();
        List<Degradation> o = new ArrayList<>(Degradation.clipPromptOrder());
        o.retainAll(settings.classes());
        this.order = List.copyOf(o);
        this.views = new GradientViews(new ArrayList<>(StateDict.parameters(encoder.adapter()).values()), manager);
        this.epochScope = manager.newSubManager();
    }

    /** The classes of the logits, in prompt order (the authors' prompt order: haze before rain). */
    public List<Degradation> classes() {
        return order;
    }

    public List<String> prompts() {
        return order.stream().map(d -> d.prompt).toList();
    }

    public int trainingImages() {
        return train.length;
    }

    public int heldOutImages() {
        return heldOut.length;
    }

    /** Encodes every image and every prompt with frozen CLIP and splits off the held-out part. */
    public void prepare(LabelledImages data) {
        int n = data.size();
        if (n == 0) throw new IllegalArgumentException("no training images");
        labels = new int[n];
        for (int i = 0; i < n; i++) {
            int k = order.indexOf(data.label(i));
            if (k < 0) throw new IllegalArgumentException(data.describe(i) + ": class " + data.label(i).key
                    + " is not among the selected classes " + keys());
            labels[i] = k;
        }
        split(n);
        try (NDManager s = manager.newSubManager()) {
            NDArray tokens = ClipTokenizer.shared().tokenize(s, prompts());
            textEmbeddings = encoder.clip().encodeText(tokens).toFloatArray();
        }
        embeddings = ImageEmbeddings.encode(encoder.clip(), data, settings.batchSize(), settings.workers(), manager, log);
    }

    /** Per class, a seeded shuffle; the first floor(holdout·n) (at least one when n ≥ 2 and holdout > 0) are held out. */
    private void split(int n) {
        List<Integer> tr = new ArrayList<>(), ho = new ArrayList<>();
        Random rnd = new Random(settings.seed());
        for (int k = 0; k < order.size(); k++) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < n; i++) if (labels[i] == k) idx.add(i);
            Collections.shuffle(idx, rnd);
            int h = (int) Math.floor(settings.holdout() * idx.size());
            if (settings.holdout() > 0 && h == 0 && idx.size() >= 2) h = 1;
            ho.addAll(idx.subList(0, h));
            tr.addAll(idx.subList(h, idx.size()));
        }
        if (tr.isEmpty()) throw new IllegalArgumentException("holdout " + settings.holdout() + " leaves no training images");
        train = tr.stream().mapToInt(Integer::intValue).sorted().toArray();
        heldOut = ho.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    private int batchesPerEpoch() {
        return (train.length + settings.batchSize() - 1) / settings.batchSize();
    }

    /** What the result depends on, in train's terms (no patches, no schedule, no clipping, no weight decay). */
    Recipe recipe() {
        return new Recipe(keys(), order.size(), settings.epochs(), settings.batchSize(), settings.lr(), 0, 0, settings.seed(),
                0, Map.of(), ADAM.beta1(), ADAM.beta2(), ADAM.eps(), ADAM.weightDecay());
    }

    private List<String> keys() {
        return order.stream().map(d -> d.key).toList();
    }

    // ---- the objective ------------------------------------------------------------------------------------

    @Override
    public NDArray lossAndGradients(int[] batch, NDManager into) {
        try (NDManager s = manager.newSubManager()) {
            NDArray lab = labelBatch(s, batch);
            NDArray logits, loss;
            Gradients.record(true);
            try {
                logits = logits(embeddingBatch(s, batch), s.create(textEmbeddings, new Shape(order.size(), dim)));
                loss = PromptLoss.crossEntropy(logits, lab);
                Gradients.backward(loss);
            } finally {
                Gradients.record(false);
            }
            NDArray correct = logits.argMax(1).toType(DataType.INT64, false).eq(lab).toType(DataType.FLOAT32, false).sum();
            NDArray kept = loss.duplicate();
            kept.attach(epochScope);
            correct.attach(epochScope);
            epochStats.add(new NDArray[] {kept, correct});
            epochSizes.add(batch.length);
            loss.attach(into);
            return loss;
        }
    }

    @Override
    public void zeroGrad() {
        views.zero();
    }

    @Override
    public GradientSource gradients() {
        return views;
    }

    @Override
    public void broadcast() {
        // one copy of the adapter: nothing to copy
    }

    @Override
    public boolean onGpu() {
        return manager.getDevice().isGpu();
    }

    @Override
    public int size(int[] batch) {
        return batch.length;
    }

    /** The training part in a seeded random order per epoch, in batches; each batch a function of (seed, epoch, index). */
    TrainLoop.BatchStream<int[]> batches(Position start) {
        return new TrainLoop.BatchStream<>() {
            int epoch = start.epoch(), index = start.index();
            int[] shuffled = epochOrder(epoch);

            @Override
            public int batchesPerEpoch() {
                return AdapterTraining.this.batchesPerEpoch();
            }

            @Override
            public boolean hasNext() {
                return epoch < settings.epochs();
            }

            @Override
            public TrainLoop.Positioned<int[]> next(NDManager m) {
                int bs = settings.batchSize();
                int[] b = Arrays.copyOfRange(shuffled, index * bs, Math.min(shuffled.length, (index + 1) * bs));
                TrainLoop.Positioned<int[]> p = new TrainLoop.Positioned<>(epoch, index, b);
                if (++index == batchesPerEpoch()) {
                    index = 0;
                    shuffled = epochOrder(++epoch);
                }
                return p;
            }

            @Override
            public void close() {}
        };
    }

    /** Epoch e's order (from 0): the seed of the epoch counted from 1, as the first version of this command had it. */
    private int[] epochOrder(int epoch) {
        int[] a = train.clone();
        Random rnd = new Random(settings.seed() * 1_000_003L + epoch + 1);
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    /** The epoch's training metrics as the steps went (the adapter changing under them); starts the next epoch's. */
    private Metrics epochMetrics() {
        double lossSum = 0, correct = 0;
        int seen = 0;
        for (int i = 0; i < epochStats.size(); i++) {
            int n = epochSizes.get(i);
            lossSum += (double) epochStats.get(i)[0].getFloat() * n;
            correct += epochStats.get(i)[1].getFloat();
            seen += n;
        }
        epochStats.clear();
        epochSizes.clear();
        epochScope.close();
        epochScope = manager.newSubManager();
        return new Metrics(lossSum / seen, correct / seen, seen);
    }

    /** Loss and top-1 accuracy over {@code indices} with the current adapter (no gradients). */
    public Metrics evaluate(int[] indices) {
        double lossSum = 0;
        int correct = 0;
        int bs = Math.max(settings.batchSize(), 64);
        for (int start = 0; start < indices.length; start += bs) {
            int[] batch = Arrays.copyOfRange(indices, start, Math.min(indices.length, start + bs));
            try (NDManager s = manager.newSubManager()) {
                NDArray lab = labelBatch(s, batch);
                NDArray logits = logits(embeddingBatch(s, batch), s.create(textEmbeddings, new Shape(order.size(), dim)));
                lossSum += PromptLoss.crossEntropy(logits, lab).getFloat() * (double) batch.length;
                correct += PromptLoss.correct(logits, lab);
            }
        }
        if (!Double.isFinite(lossSum)) throw new NonFiniteException("the held-out loss is " + lossSum + " (the adapter's logits overflow)");
        return new Metrics(lossSum / indices.length, (double) correct / indices.length, indices.length);
    }

    private NDArray logits(NDArray clipImageEmbeddings, NDArray clipTextEmbeddings) {
        DegradationAdapter a = encoder.adapter();
        return a.imageFeatures(clipImageEmbeddings).matMul(a.textFeatures(clipTextEmbeddings).transpose());
    }

    private NDArray embeddingBatch(NDManager s, int[] batch) {
        float[] flat = new float[batch.length * dim];
        for (int i = 0; i < batch.length; i++) System.arraycopy(embeddings[batch[i]], 0, flat, i * dim, dim);
        return s.create(flat, new Shape(batch.length, dim));
    }

    private NDArray labelBatch(NDManager s, int[] batch) {
        long[] l = new long[batch.length];
        for (int i = 0; i < batch.length; i++) l[i] = labels[batch[i]];
        return s.create(l);
    }

    // ---- the run ------------------------------------------------------------------------------------------

    /**
     * Trains from {@code resume} (null: the start) to the last epoch or a stop request; after each epoch the
     * adapter goes to {@code output} and the state to {@code state}. {@code extra}: metadata of both files.
     * {@code logFile} gets the JSONL log ({@link TrainLog}): a fresh run starts it empty, a resumed one appends.
     */
    public TrainLoop.Outcome run(Output output, Path state, Path logFile, Map<String, String> extra, TrainState resume) {
        if (embeddings == null) throw new IllegalStateException("prepare() first");
        Recipe recipe = recipe();
        int perEpoch = batchesPerEpoch();
        if (resume != null) encoder.loadAdapter(resume.net(), "state file " + state); // before AdamW moves the weights into one buffer
        Position start = resume == null ? Position.START : resume.position();
        StopSignal stop = new StopSignal().installHook(300, () -> System.err.println(
                "\nstop requested: finishing the current step and writing the state..."));
        try (AdamW opt = new AdamW(StateDict.parameters(encoder.adapter()), ADAM, manager);
             TrainLog events = new TrainLog(logFile, resume != null)) {
            if (resume != null) opt.loadState(resume.optimizer(), "state file " + state);
            logStart(events, start, resume != null);
            Map<String, String> meta = new LinkedHashMap<>(extra);
            TrainLoop.Checkpointer epochEnd = (next, atEpochEnd) -> {
                if (atEpochEnd) {
                    Metrics tr = epochMetrics();
                    Metrics ho = heldOut.length == 0 ? null : evaluate(heldOut);
                    if (ho != null) {
                        log.printf("epoch %d/%d  train loss %.4f acc %.3f  |  held-out (%d images) loss %.4f top-1 %.3f%n", next.epoch(),
                                settings.epochs(), tr.loss(), tr.accuracy(), ho.images(), ho.loss(), ho.accuracy());
                    } else {
                        log.printf("epoch %d/%d  train loss %.4f acc %.3f  (no held-out images)%n", next.epoch(), settings.epochs(), tr.loss(), tr.accuracy());
                    }
                    logEpoch(events, next, tr, ho);
                    meta.clear();
                    meta.putAll(extra);
                    meta.put("train_loss", Double.toString(tr.loss()));
                    meta.put("train_accuracy", Double.toString(tr.accuracy()));
                    if (ho != null) {
                        meta.put("heldout_loss", Double.toString(ho.loss()));
                        meta.put("heldout_accuracy", Double.toString(ho.accuracy()));
                        meta.put("heldout_images", Integer.toString(ho.images()));
                    }
                    output.write(StateDict.save(encoder.adapter()), metadata(meta, next.epoch()), next);
                }
                Map<String, String> m = metadata(meta, next.epoch());
                m.put("command", COMMAND);
                m.put("prompts", json(prompts()));
                m.put("holdout", Double.toString(settings.holdout()));
                m.put("images", Integer.toString(labels.length));
                new TrainState(StateDict.save(encoder.adapter()), opt.state(), null, recipe, next, perEpoch, m).write(state);
            };
            TrainLoop<int[]> loop = new TrainLoop<>(recipe, new TrainLoop.Settings(1, 0, 0), this, opt,
                    LrSchedule.constant(settings.lr(), perEpoch), manager, epochEnd, null, events,
                    new ProgressBar(log, System.console() != null), stop);
            TrainLoop.Outcome done = loop.run(start, batches(start));
            ObjectNode end = events.event(done.reason()); // as train: done, max_steps or stopped
            end.put("epochs", done.position().epoch());
            end.put("batch", done.position().index());
            end.put("step", done.position().step());
            events.write(end);
            return done;
        } finally {
            stop.finished();
            stop.uninstall();
        }
    }

    /** What the run is, so that its log reads without the command line; {@code from}: the position it starts at. */
    private void logStart(TrainLog events, Position from, boolean resumed) {
        ObjectNode n = events.event(resumed ? "resume" : "start"); // as train
        n.put("epoch", from.epoch());
        n.put("batch", from.index());
        n.put("step", from.step());
        n.put("epochs", settings.epochs());
        ArrayNode classes = n.putArray("classes"), prompts = n.putArray("prompts");
        keys().forEach(classes::add);
        prompts().forEach(prompts::add);
        n.put("train_images", train.length);
        n.put("heldout_images", heldOut.length);
        n.put("batch_size", settings.batchSize());
        n.put("lr", settings.lr());
        n.put("seed", settings.seed());
        n.put("device", manager.getDevice().toString());
        events.write(n);
    }

    /** {@code ho} null (nothing held out): its loss and accuracy are null, as JSON has no NaN. */
    private static void logEpoch(TrainLog events, Position next, Metrics tr, Metrics ho) {
        ObjectNode n = events.event("epoch");
        n.put("epoch", next.epoch());
        n.put("step", next.step());
        n.put("train_loss", tr.loss());
        n.put("train_accuracy", tr.accuracy());
        if (ho != null) {
            n.put("heldout_loss", ho.loss());
            n.put("heldout_accuracy", ho.accuracy());
        } else {
            n.putNull("heldout_loss");
            n.putNull("heldout_accuracy");
        }
        n.put("heldout_images", ho == null ? 0 : ho.images());
        events.write(n);
    }

    /** What the adapter file says about itself besides its format's keys: classes in logit order, epochs, and {@code extra}. */
    private Map<String, String> metadata(Map<String, String> extra, int epochs) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("classes", json(keys()));
        m.put("epochs", Integer.toString(epochs));
        m.putAll(extra);
        return m;
    }

    // ---- resuming -----------------------------------------------------------------------------------------

    /** The whole epochs a finetune-clip state file records. */
    public static int epochsIn(Path state) {
        return read(state, null).position().epoch();
    }

    /**
     * Reads {@code state} and checks that it continues this run: the same classes, seed, batch size, rate, holdout
     * and number of images (so the split and the batch order are the same); more epochs may be asked for.
     */
    public TrainState resumable(Path state) {
        if (labels == null) throw new IllegalStateException("prepare() first");
        TrainState st = read(state, recipe());
        List<String> problems = new ArrayList<>(st.recipe().differences(recipe()));
        problems.removeIf(p -> p.startsWith("epochs ")); // a constant rate: more epochs continue the same run
        if (!Double.toString(settings.holdout()).equals(st.metadata().get("holdout"))) {
            problems.add("holdout " + st.metadata().get("holdout") + " vs " + settings.holdout());
        }
        if (!Integer.toString(labels.length).equals(st.metadata().get("images"))) {
            problems.add("images " + st.metadata().get("images") + " vs " + labels.length);
        }
        if (st.batchesPerEpoch() != batchesPerEpoch()) problems.add("batches per epoch " + st.batchesPerEpoch() + " vs " + batchesPerEpoch());
        if (!problems.isEmpty()) {
            throw new WeightsException("state file " + state + " was made with other settings (state vs now): " + String.join("; ", problems)
                    + " (use the same settings to resume, or start afresh with --overwrite)");
        }
        return st;
    }

    /** A finetune-clip state of either format; {@code now} fills in what the old format did not record (null: only its position is wanted). */
    private static TrainState read(Path file, Recipe now) {
        Map<String, String> m;
        try (Safetensors st = Safetensors.open(file)) {
            m = st.metadata();
        }
        if (LEGACY_FORMAT.equals(m.get("format"))) return legacy(file, m, now);
        TrainState st = TrainState.read(file);
        if (!COMMAND.equals(st.metadata().get("command"))) throw new WeightsException(file + ": not a finetune-clip state file");
        return st;
    }

    /**
     * The first format: the adapter's tensors, Adam's moments as {@code adam.m.KEY}/{@code adam.v.KEY} and its step
     * count in metadata, written after whole epochs. It recorded no rate (any was accepted), so the run's own is taken.
     */
    private static TrainState legacy(Path file, Map<String, String> m, Recipe now) {
        String what = "state file " + file;
        for (String k : new String[] {"epochs", "adam_steps", "classes", "seed", "batch_size", "holdout", "images"}) {
            if (m.get(k) == null) throw new WeightsException(what + ": no '" + k + "' in its metadata (not a finetune-clip state file?)");
        }
        int epochs = Integer.parseInt(m.get("epochs"));
        long steps = Long.parseLong(m.get("adam_steps"));
        if (now == null) return new TrainState(Map.of(), Map.of(), null, null, new Position(epochs, 0, steps), 0, m);
        Map<String, HostTensor> all = Safetensors.readAll(file), net = new LinkedHashMap<>(), optimizer = new LinkedHashMap<>();
        all.forEach((k, v) -> { if (!k.startsWith("adam.")) net.put(k, v); });
        for (String k : net.keySet()) {
            HostTensor exp = all.get("adam.m." + k), sq = all.get("adam.v." + k);
            if (exp == null || sq == null) throw new WeightsException(what + ": optimizer state lacks adam.m/adam.v." + k);
            optimizer.put(k + ".step", HostTensor.ofLongs(new long[0], new long[] {steps}));
            optimizer.put(k + ".exp_avg", exp);
            optimizer.put(k + ".exp_avg_sq", sq);
        }
        List<String> classes;
        try {
            classes = List.of(VluNetConfig.JSON.readValue(m.get("classes"), String[].class));
        } catch (JsonProcessingException e) {
            throw new WeightsException(what + ": unreadable 'classes' (" + e.getOriginalMessage() + ")");
        }
        int batch = Integer.parseInt(m.get("batch_size"));
        Recipe recipe = new Recipe(classes, classes.size(), now.epochs(), batch, now.lr(), 0, 0, Long.parseLong(m.get("seed")),
                0, Map.of(), now.beta1(), now.beta2(), now.eps(), now.weightDecay());
        // batches per epoch follow from the images and the holdout, checked with them
        int perEpoch = epochs == 0 ? 0 : (int) (steps / epochs);
        return new TrainState(net, optimizer, null, recipe, new Position(epochs, 0, steps), perEpoch, m);
    }

    static String json(List<String> list) {
        try {
            return VluNetConfig.JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(list);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        views.close();
        epochScope.close();
    }
}
