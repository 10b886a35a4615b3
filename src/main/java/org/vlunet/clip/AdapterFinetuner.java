package org.vlunet.clip;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.core.JsonProcessingException;
import org.vlunet.config.VluNetConfig;
import org.vlunet.data.Degradation;
import org.vlunet.data.RgbImage;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.Safetensors;
import org.vlunet.weights.StateDict;
import org.vlunet.util.NonFiniteException;
import org.vlunet.weights.WeightsException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Fine-tunes the DA adapter as the authors do: CLIP frozen; logits = image features @ text
 * featuresᵀ over the prompts of the selected classes (in prompt order), cross-entropy against the class, Adam.
 * CLIP's image embeddings depend only on the (deterministic) input, so they are computed once and reused every
 * epoch; the prompt embeddings likewise. A held-out part of the data gives per-epoch loss and top-1 accuracy.
 */
public final class AdapterFinetuner {

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

        public Settings withEpochs(int e) {
            return new Settings(classes, e, batchSize, lr, seed, holdout, workers);
        }
    }

    /** Mean cross-entropy and top-1 accuracy over {@code images} images. */
    public record Metrics(double loss, double accuracy, int images) {}

    /** One epoch: training metrics (running, as the steps went), held-out metrics (null without a held-out part). */
    public record EpochReport(int epoch, Metrics train, Metrics heldOut, double seconds) {}

    private final DegradationEncoder encoder;
    private final Settings settings;
    private final NDManager manager;
    private final PrintStream log;
    private final List<Degradation> order;
    private final Adam adam;
    private final int dim;
    private float[] textEmbeddings;
    private float[][] embeddings;
    private int[] labels;
    private int[] train;
    private int[] heldOut;
    private int epochsDone;
    private double imagesPerSecondEncoding;

    public AdapterFinetuner(DegradationEncoder encoder, Settings settings, NDManager manager, PrintStream log) {
        this.encoder = encoder;
        this.settings = settings;
        this.manager = manager;
        this.log = log;
        this.dim = encoder.config().embedDim();
        List<Degradation> o = new ArrayList<>(Degradation.clipPromptOrder());
        o.retainAll(settings.classes());
        this.order = List.copyOf(o);
        this.adam = new Adam(StateDict.parameters(encoder.adapter()), settings.lr(), manager);
    }

    /** The classes of the logits, in prompt order (the authors' prompt order: haze before rain). */
    public List<Degradation> classes() {
        return order;
    }

    public List<String> prompts() {
        return order.stream().map(d -> d.prompt).toList();
    }

    public int epochsDone() {
        return epochsDone;
    }

    /** Optimizer steps taken so far. */
    public long steps() {
        return adam.steps();
    }

    public Settings settings() {
        return settings;
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
                    + " is not among the selected classes " + order.stream().map(d -> d.key).toList());
            labels[i] = k;
        }
        split(n);
        try (NDManager s = manager.newSubManager()) {
            NDArray tokens = ClipTokenizer.shared().tokenize(s, prompts());
            textEmbeddings = encoder.clip().encodeText(tokens).toFloatArray();
        }
        embeddings = encodeImages(data);
    }

    /** Per class, a seeded shuffle; the first floor(holdout·n) (at least one when n ≥ 2 and holdout > 0) are held out. */
    private void split(int n) {
        List<Integer> tr = new ArrayList<>(), ho = new ArrayList<>();
        Random rnd = new Random(settings.seed());
        for (int k = 0; k < order.size(); k++) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < n; i++) if (labels[i] == k) idx.add(i);
            java.util.Collections.shuffle(idx, rnd);
            int h = (int) Math.floor(settings.holdout() * idx.size());
            if (settings.holdout() > 0 && h == 0 && idx.size() >= 2) h = 1;
            ho.addAll(idx.subList(0, h));
            tr.addAll(idx.subList(h, idx.size()));
        }
        if (tr.isEmpty()) throw new IllegalArgumentException("holdout " + settings.holdout() + " leaves no training images");
        train = tr.stream().mapToInt(Integer::intValue).sorted().toArray();
        heldOut = ho.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    private float[][] encodeImages(LabelledImages data) {
        int n = data.size(), bs = Math.max(1, Math.min(settings.batchSize(), 64));
        int size = encoder.config().vision().imageSize();
        float[][] out = new float[n][];
        ExecutorService pool = Executors.newFixedThreadPool(settings.workers(), r -> {
            Thread t = new Thread(r, "clip-preprocess");
            t.setDaemon(true);
            return t;
        });
        long t0 = System.nanoTime(), lastLog = t0;
        List<Integer> nonFinite = new ArrayList<>();
        String firstError = null;
        try {
            for (int start = 0; start < n; start += bs) {
                int end = Math.min(n, start + bs);
                List<Future<float[]>> jobs = new ArrayList<>();
                for (int i = start; i < end; i++) {
                    final int idx = i;
                    jobs.add(pool.submit(() -> {
                        RgbImage img = data.image(idx);
                        return ClipPreprocessor.preprocess(img, size);
                    }));
                }
                List<float[]> batch = new ArrayList<>();
                for (Future<float[]> f : jobs) batch.add(get(f));
                try (NDManager s = manager.newSubManager()) {
                    float[] e = encoder.clip().encodeImage(ClipPreprocessor.stack(s, batch, size)).toFloatArray();
                    for (int i = start; i < end; i++) {
                        out[i] = Arrays.copyOfRange(e, (i - start) * dim, (i - start + 1) * dim);
                        try {
                            NonFiniteException.check(out[i], "its CLIP image embedding");
                        } catch (NonFiniteException x) {
                            if (nonFinite.isEmpty()) firstError = data.describe(i) + ": " + x.getMessage();
                            nonFinite.add(i);
                        }
                    }
                }
                long now = System.nanoTime();
                if (now - lastLog > 5e9 || end == n) {
                    lastLog = now;
                    imagesPerSecondEncoding = end / ((now - t0) / 1e9);
                    log.printf("encoding images with CLIP: %d/%d, %.1f images/s%n", end, n, imagesPerSecondEncoding);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        if (!nonFinite.isEmpty()) { // every image is encoded before training: nothing is trained on a broken feature
            for (int i : nonFinite) log.println("error: " + data.describe(i) + ": non-finite CLIP image embedding");
            throw new NonFiniteException(nonFinite.size() + " of " + n + " image(s) give non-finite CLIP embeddings, nothing trained; first: " + firstError);
        }
        return out;
    }

    private static float[] get(Future<float[]> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) throw r;
            throw new IllegalStateException(c.getMessage(), c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading images", e);
        }
    }

    /** One pass over the training part in a seeded random order, then the held-out metrics. */
    public EpochReport trainEpoch() {
        if (embeddings == null) throw new IllegalStateException("prepare() first");
        int epoch = epochsDone + 1;
        int[] idx = train.clone();
        shuffle(idx, new Random(settings.seed() * 1_000_003L + epoch));
        int bs = settings.batchSize(), steps = (idx.length + bs - 1) / bs;
        double lossSum = 0;
        int correct = 0, seen = 0;
        long t0 = System.nanoTime(), lastLog = t0;
        for (int step = 0; step < steps; step++) {
            int[] batch = Arrays.copyOfRange(idx, step * bs, Math.min(idx.length, (step + 1) * bs));
            try (NDManager s = manager.newSubManager()) {
                NDArray emb = embeddingBatch(s, batch);
                NDArray lab = labelBatch(s, batch);
                NDArray text = s.create(textEmbeddings, new Shape(order.size(), dim));
                float loss;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray logits = logits(emb, text);
                    NDArray l = PromptLoss.crossEntropy(logits, lab);
                    gc.backward(l);
                    loss = l.getFloat();
                    correct += PromptLoss.correct(logits, lab);
                }
                if (!Float.isFinite(loss)) throw new IllegalStateException("loss became " + loss + " at epoch " + epoch + " step " + (step + 1) + " (try a smaller --lr)");
                adam.step();
                lossSum += (double) loss * batch.length;
                seen += batch.length;
            }
            long now = System.nanoTime();
            if (now - lastLog > 2e9 || step == steps - 1) {
                lastLog = now;
                log.printf("epoch %d/%d step %d/%d  loss %.4f  acc %.3f  %.1f images/s%n", epoch, settings.epochs(), step + 1, steps,
                        lossSum / seen, (double) correct / seen, seen / ((now - t0) / 1e9));
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Metrics tr = new Metrics(lossSum / seen, (double) correct / seen, seen);
        Metrics ho = heldOut.length == 0 ? null : evaluate(heldOut);
        epochsDone = epoch;
        if (ho != null) {
            log.printf("epoch %d/%d  train loss %.4f acc %.3f  |  held-out (%d images) loss %.4f top-1 %.3f%n", epoch, settings.epochs(),
                    tr.loss(), tr.accuracy(), ho.images(), ho.loss(), ho.accuracy());
        } else {
            log.printf("epoch %d/%d  train loss %.4f acc %.3f  (no held-out images)%n", epoch, settings.epochs(), tr.loss(), tr.accuracy());
        }
        return new EpochReport(epoch, tr, ho, seconds);
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

    public Metrics evaluateHeldOut() {
        return heldOut.length == 0 ? null : evaluate(heldOut);
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

    private static void shuffle(int[] a, Random rnd) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    // ---- outputs and resumable state --------------------------------------------------------------------

    /** What the adapter file says about itself besides its format's keys: classes in logit order, epochs, and {@code extra}. */
    public Map<String, String> metadata(Map<String, String> extra) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("classes", json(order.stream().map(d -> d.key).toList()));
        m.put("epochs", Integer.toString(epochsDone));
        if (extra != null) m.putAll(extra);
        return m;
    }

    /** Adapter, Adam moments and progress, to continue later with {@link #resume}. */
    public void saveState(Path state, Map<String, String> extra) throws IOException {
        Map<String, HostTensor> t = new LinkedHashMap<>(StateDict.save(encoder.adapter()));
        t.putAll(adam.state());
        Map<String, String> m = metadata(extra);
        m.put("format", "VLU-Net finetune-clip state");
        m.put("prompts", json(prompts()));
        m.put("adam_steps", Long.toString(adam.steps()));
        m.put("seed", Long.toString(settings.seed()));
        m.put("batch_size", Integer.toString(settings.batchSize()));
        m.put("holdout", Double.toString(settings.holdout()));
        m.put("images", Integer.toString(labels.length));
        Safetensors.write(state, t, m);
    }

    /**
     * Continues from a {@link #saveState} file: the classes, seed, batch size, holdout and number of images
     * must be those of this run (so the split and the batch order are the same).
     */
    public void resume(Path state) {
        if (labels == null) throw new IllegalStateException("prepare() first");
        Map<String, String> m;
        try (Safetensors st = Safetensors.open(state)) {
            m = st.metadata();
        }
        String what = "state file " + state;
        epochsIn(state);
        check(what, "classes", m.get("classes"), json(order.stream().map(d -> d.key).toList()));
        check(what, "seed", m.get("seed"), Long.toString(settings.seed()));
        check(what, "batch_size", m.get("batch_size"), Integer.toString(settings.batchSize()));
        check(what, "holdout", m.get("holdout"), Double.toString(settings.holdout()));
        check(what, "images", m.get("images"), Integer.toString(labels.length));
        Map<String, HostTensor> t = Safetensors.readAll(state);
        Map<String, HostTensor> adapterPart = new LinkedHashMap<>();
        t.forEach((k, v) -> { if (!k.startsWith("adam.")) adapterPart.put(k, v); });
        encoder.loadAdapter(adapterPart, what);
        adam.load(t, Long.parseLong(m.getOrDefault("adam_steps", "0")), what);
        epochsDone = Integer.parseInt(m.getOrDefault("epochs", "0"));
    }

    /** The epochs a {@link #saveState} file records. */
    public static int epochsIn(Path state) {
        try (Safetensors st = Safetensors.open(state)) {
            String e = st.metadata().get("epochs");
            if (e == null || !"VLU-Net finetune-clip state".equals(st.metadata().get("format"))) {
                throw new WeightsException(state + ": not a finetune-clip state file");
            }
            return Integer.parseInt(e);
        }
    }

    private static void check(String what, String key, String found, String expected) {
        if (found == null) throw new WeightsException(what + ": no '" + key + "' in its metadata (not a finetune-clip state file?)");
        if (!found.equals(expected)) {
            throw new WeightsException(what + ": it was made with " + key + " " + found + ", this run has " + expected
                    + " (use the same settings to resume, or start afresh with --overwrite)");
        }
    }

    /** Where the adapter goes after each epoch: its weights under the authors' keys and the file's {@link #metadata}. */
    @FunctionalInterface
    public interface Output {
        void write(Map<String, HostTensor> adapter, Map<String, String> metadata);
    }

    /**
     * Trains the remaining epochs, handing the adapter to {@code output} and writing the state to {@code state}
     * (atomically) after each.
     */
    public List<EpochReport> run(Output output, Path state, Map<String, String> extra) throws IOException {
        List<EpochReport> reports = new ArrayList<>();
        while (epochsDone < settings.epochs()) {
            EpochReport r = trainEpoch();
            reports.add(r);
            Map<String, String> meta = new LinkedHashMap<>();
            if (extra != null) meta.putAll(extra);
            meta.put("train_loss", Double.toString(r.train().loss()));
            meta.put("train_accuracy", Double.toString(r.train().accuracy()));
            if (r.heldOut() != null) {
                meta.put("heldout_loss", Double.toString(r.heldOut().loss()));
                meta.put("heldout_accuracy", Double.toString(r.heldOut().accuracy()));
                meta.put("heldout_images", Integer.toString(r.heldOut().images()));
            }
            output.write(StateDict.save(encoder.adapter()), metadata(meta));
            if (state != null) saveState(state, meta);
        }
        return reports;
    }

    static String json(List<String> list) {
        try {
            return VluNetConfig.JSON.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(list);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
