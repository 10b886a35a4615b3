package org.vlunet.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import org.vlunet.model.DeviceConstants;

import java.util.ArrayList;
import java.util.List;

/**
 * The training loop: for each batch the {@link Objective}'s loss and gradients (for the network: the CLIP features
 * of the degraded crops from the frozen encoder, restored = network(degraded, features), L1 loss against clean), an
 * AdamW step at the schedule's rate for this step; a checkpoint every {@code saveEvery} epochs, at the end and on a
 * stop request; validation every {@code valEvery} epochs. Every step runs in its own NDManager scope, so memory
 * stays flat however long it runs.
 */
public final class TrainLoop<B> {

    /**
     * What the loop trains on batches of type {@code B}: the restoration network over its replicas
     * ({@link DataParallel}), or the DA adapter over CLIP embeddings ({@link AdapterTraining}).
     */
    public interface Objective<B> {
        /** Zeroes the gradients before a step. */
        void zeroGrad();

        /** Forward and backward over {@code batch}: its mean loss as a 0-d array on {@code into}, not read back. */
        NDArray lossAndGradients(B batch, NDManager into);

        /** Where the optimizer reads the gradients of the last pass. */
        GradientSource gradients();

        /** After an update: copies the updated weights wherever else they are held. */
        void broadcast();

        /** Whether it runs on a GPU (then losses are read back every {@value TrainLoop#GPU_LOSS_READ_EVERY} steps). */
        boolean onGpu();

        /** Samples in {@code batch}. */
        int size(B batch);
    }

    /** Batches in order from a start position (see {@link Position}); each batch's arrays on the given manager. */
    public interface BatchStream<B> extends AutoCloseable {
        int batchesPerEpoch();

        boolean hasNext();

        Positioned<B> next(NDManager manager);

        @Override
        void close();
    }

    /** A batch and where it stands in the run. */
    public record Positioned<B>(int epoch, int index, B batch) {}

    /**
     * One validation set's mean scores over the images scored; {@code failed} images (non-finite output, for
     * example) count in no mean, {@code firstError} says why the first of them failed.
     */
    public record SetScore(String set, double psnr, double ssim, int images, int failed, String firstError) {
        public SetScore(String set, double psnr, double ssim, int images) {
            this(set, psnr, ssim, images, 0, null);
        }
    }

    /** Scores the current weights (the first replica's) on the validation sets. */
    @FunctionalInterface
    public interface Validator {
        List<SetScore> validate();
    }

    /** Writes a checkpoint for the run as it stands: {@code next} is where it would continue. */
    @FunctionalInterface
    public interface Checkpointer {
        void save(Position next, boolean epochEnd);
    }

    /**
     * @param maxSteps stop once the step counter reaches it (0: no limit)
     * @param lossReadEvery read the losses back from the device every this many steps (0: every step on the CPU,
     *     where reading costs nothing, every {@value #GPU_LOSS_READ_EVERY} on a GPU, where each read waits for the
     *     device to finish everything queued)
     */
    public record Settings(int saveEvery, int valEvery, long maxSteps, int lossReadEvery) {
        public Settings {
            if (saveEvery < 0) throw new TrainException("--save_every must be >= 0 (0: only at the end), got " + saveEvery);
            if (valEvery < 0) throw new TrainException("--val_every must be >= 0 (0: never), got " + valEvery);
            if (maxSteps < 0) throw new TrainException("--max_steps must be >= 0 (0: no limit), got " + maxSteps);
            if (lossReadEvery < 0) throw new IllegalArgumentException("lossReadEvery must be >= 0, got " + lossReadEvery);
        }

        public Settings(int saveEvery, int valEvery, long maxSteps) {
            this(saveEvery, valEvery, maxSteps, 0);
        }
    }

    static final int GPU_LOSS_READ_EVERY = 16;

    /** Why the loop ended, and where. */
    /** {@code validationFailures}: validation images that could not be scored during the run (the run still failed). */
    public record Outcome(Position position, String reason, double lastLoss, int validationFailures) {
        public static final String DONE = "done", MAX_STEPS = "max_steps", STOPPED = "stopped";
    }

    private final Recipe recipe;
    private final Settings settings;
    private final Objective<B> model;
    private final AdamW optimizer;
    private final LrSchedule schedule;
    private final NDManager manager;
    private final Checkpointer checkpointer;
    private final Validator validator;
    private int validationFailures;
    private final TrainLog log;
    private final ProgressBar progress;
    private final StopSignal stop;
    private final int lossReadEvery;
    /** Losses still on the device, in step order, on {@link #pendingScope}. */
    private final List<Pending> pending = new ArrayList<>();
    private NDManager pendingScope;
    private double lastLoss = Double.NaN;
    private final long startNanos = System.nanoTime();

    /** A step's loss not read yet, and what its log line needs. */
    private record Pending(NDArray loss, Position pos, double lr, int batchSize, double seconds) {}

    public TrainLoop(Recipe recipe, Settings settings, Objective<B> model, AdamW optimizer, LrSchedule schedule,
                     NDManager manager, Checkpointer checkpointer, Validator validator, TrainLog log,
                     ProgressBar progress, StopSignal stop) {
        this.recipe = recipe;
        this.settings = settings;
        this.model = model;
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.manager = manager;
        this.checkpointer = checkpointer;
        this.validator = validator;
        this.log = log;
        this.progress = progress;
        this.stop = stop == null ? new StopSignal() : stop;
        this.lossReadEvery = settings.lossReadEvery() > 0 ? settings.lossReadEvery() : model.onGpu() ? GPU_LOSS_READ_EVERY : 1;
    }

    /**
     * Runs from {@code start} with {@code data} opened at that position, until the last epoch, --max_steps or a stop
     * request (after which the caller releases a waiting shutdown hook with {@link StopSignal#finished()}).
     */
    public Outcome run(Position start, BatchStream<B> data) {
        int perEpoch = data.batchesPerEpoch();
        if (perEpoch != schedule.stepsPerEpoch()) {
            throw new IllegalStateException("schedule has " + schedule.stepsPerEpoch() + " steps per epoch, data " + perEpoch);
        }
        Position pos = start;
        boolean epochOpen = false;
        while (pos.epoch() < recipe.epochs()) {
            if (settings.maxSteps() > 0 && pos.step() >= settings.maxSteps()) {
                readLosses();
                if (epochOpen && progress != null) progress.endEpoch(schedule.rate(pos.step()));
                checkpointer.save(pos, false);
                return new Outcome(pos, Outcome.MAX_STEPS, lastLoss, validationFailures);
            }
            if (stop.requested()) {
                readLosses();
                if (epochOpen && progress != null) progress.endEpoch(schedule.rate(pos.step()));
                checkpointer.save(pos, false);
                return new Outcome(pos, Outcome.STOPPED, lastLoss, validationFailures);
            }
            if (!epochOpen) {
                if (progress != null) progress.startEpoch(pos.epoch(), recipe.epochs(), perEpoch, pos.index());
                epochOpen = true;
            }
            double lr = schedule.rate(pos.step());
            if (!data.hasNext()) {
                throw new IllegalStateException("the data ran out at epoch " + pos.epoch() + " batch " + pos.index());
            }
            try (NDManager sub = manager.newSubManager()) {
                Positioned<B> b = data.next(sub);
                if (b.epoch() != pos.epoch() || b.index() != pos.index()) {
                    throw new IllegalStateException("expected batch " + pos.index() + " of epoch " + pos.epoch()
                            + ", the data gave batch " + b.index() + " of epoch " + b.epoch());
                }
                step(b.batch(), lr, pos);
            }
            Position next = pos.next(perEpoch);
            if (next.epoch() != pos.epoch()) {
                readLosses();
                epochOpen = false;
                if (progress != null) progress.endEpoch(lr);
                int done = next.epoch();
                boolean last = done == recipe.epochs();
                if (validator != null && settings.valEvery() > 0 && (done % settings.valEvery() == 0 || last)) {
                    validate(pos.epoch(), next.step());
                }
                if (last || (settings.saveEvery() > 0 && done % settings.saveEvery() == 0)) {
                    checkpointer.save(next, true);
                }
            }
            pos = next;
        }
        readLosses();
        return new Outcome(pos, Outcome.DONE, lastLoss, validationFailures);
    }

    /**
     * One optimizer step on {@code batch}. The loss (the batch's mean L1 before the update) stays on the device: the
     * update is applied only if it is finite, decided there ({@link AdamW#step(double, GradientSource, double,
     * NDArray)}), and it is read back with the next {@code lossReadEvery - 1} steps' (or sooner, before anything
     * is saved or validated), when it is logged; a non-finite one then stops the run.
     */
    public void step(B batch, double lr, Position pos) {
        model.zeroGrad();
        if (pendingScope == null) pendingScope = manager.newSubManager();
        NDArray loss = model.lossAndGradients(batch, pendingScope);
        try (NDManager sub = manager.newSubManager(loss.getDevice())) {
            NDArray zero = DeviceConstants.scalar(0f, loss.getDevice());
            NDArray finite = loss.sub(loss).eq(zero); // x − x is 0 exactly when x is finite
            finite.attach(sub);
            optimizer.step(lr, model.gradients(), recipe.gradClip(), finite);
        }
        model.broadcast();
        pending.add(new Pending(loss, pos, lr, model.size(batch), (System.nanoTime() - startNanos) / 1e9));
        if (pending.size() >= lossReadEvery) readLosses();
    }

    /**
     * Reads the losses still on the device (one wait for the device), logs them in order and returns the last;
     * a non-finite one stops the run: its update was not applied, and nothing after the last checkpoint is saved.
     */
    public double readLosses() {
        if (pending.isEmpty()) return lastLoss;
        List<Pending> read = new ArrayList<>(pending);
        pending.clear();
        float[] values;
        try (NDManager scope = pendingScope) {
            pendingScope = null;
            NDList losses = new NDList(read.size());
            for (Pending p : read) losses.add(p.loss());
            values = (losses.size() == 1 ? losses.get(0) : NDArrays.stack(losses)).toFloatArray();
        }
        for (int i = 0; i < read.size(); i++) {
            Pending p = read.get(i);
            double loss = values[i];
            if (!Double.isFinite(loss)) {
                int later = read.size() - 1 - i;
                throw new TrainException("the loss is " + loss + " at epoch " + p.pos().epoch() + " batch " + p.pos().index()
                        + " (step " + p.pos().step() + "): stopping without applying this update; the last checkpoint is intact"
                        + (later > 0 ? " (" + later + " later step" + (later == 1 ? "" : "s") + " ran before it was read; none is saved)" : "")
                        + " (a lower --lr or --grad_clip may help)");
            }
            if (log != null) log.step(p.pos().epoch(), p.pos().step(), loss, p.lr(), p.seconds());
            if (progress != null) progress.step(loss, p.lr(), p.batchSize());
            lastLoss = loss;
        }
        return lastLoss;
    }

    private void validate(int epoch, long step) {
        for (SetScore s : validator.validate()) {
            if (log != null) log.validation(epoch, step, s.set(), s.psnr(), s.ssim(), s.images(), s.failed());
            System.err.printf(java.util.Locale.ROOT, "  val %-16s PSNR %s dB  SSIM %s  (%d images%s)%n", s.set(),
                    org.vlunet.eval.TextTable.db(s.psnr()), org.vlunet.eval.TextTable.ssim(s.ssim()), s.images(),
                    s.failed() == 0 ? "" : ", " + s.failed() + " failed: " + s.firstError());
            validationFailures += s.failed();
        }
    }
}
