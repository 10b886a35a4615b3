package org.vlunet.train;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;

import java.util.List;

/**
 * The training loop: for each batch the CLIP features of the degraded crops (frozen encoder, no gradient),
 * restored = network(degraded, features), L1 loss against clean, AdamW step at the schedule's rate for this
 * step; a checkpoint every {@code saveEvery} epochs, at the end and on a stop request; validation every
 * {@code valEvery} epochs. Every step runs in its own NDManager scope, so memory stays flat however long it runs.
 */
public final class TrainLoop<M extends Block> {

    /** Batches in order from a start position (see {@link Position}); each batch's arrays on the given manager. */
    public interface BatchStream extends AutoCloseable {
        int batchesPerEpoch();

        boolean hasNext();

        Positioned next(NDManager manager);

        @Override
        void close();
    }

    /** A batch and where it stands in the run. */
    public record Positioned(int epoch, int index, TrainBatch batch) {}

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

    /** @param maxSteps stop once the step counter reaches it (0: no limit) */
    public record Settings(int saveEvery, int valEvery, long maxSteps) {
        public Settings {
            if (saveEvery < 0) throw new TrainException("--save_every must be >= 0 (0: only at the end), got " + saveEvery);
            if (valEvery < 0) throw new TrainException("--val_every must be >= 0 (0: never), got " + valEvery);
            if (maxSteps < 0) throw new TrainException("--max_steps must be >= 0 (0: no limit), got " + maxSteps);
        }
    }

    /** Why the loop ended, and where. */
    /** {@code validationFailures}: validation images that could not be scored during the run (the run still failed). */
    public record Outcome(Position position, String reason, double lastLoss, int validationFailures) {
        public static final String DONE = "done", MAX_STEPS = "max_steps", STOPPED = "stopped";
    }

    private final Recipe recipe;
    private final Settings settings;
    private final DataParallel<M> model;
    private final AdamW optimizer;
    private final LrSchedule schedule;
    private final NDManager manager;
    private final Checkpointer checkpointer;
    private final Validator validator;
    private int validationFailures;
    private final TrainLog log;
    private final ProgressBar progress;
    private final StopSignal stop;

    public TrainLoop(Recipe recipe, Settings settings, DataParallel<M> model, AdamW optimizer, LrSchedule schedule,
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
    }

    /**
     * Runs from {@code start} with {@code data} opened at that position, until the last epoch, --max_steps or a stop
     * request (after which the caller releases a waiting shutdown hook with {@link StopSignal#finished()}).
     */
    public Outcome run(Position start, BatchStream data) {
        int perEpoch = data.batchesPerEpoch();
        if (perEpoch != schedule.stepsPerEpoch()) {
            throw new IllegalStateException("schedule has " + schedule.stepsPerEpoch() + " steps per epoch, data " + perEpoch);
        }
        Position pos = start;
        double lastLoss = Double.NaN;
        long t0 = System.nanoTime();
        boolean epochOpen = false;
        while (pos.epoch() < recipe.epochs()) {
            if (settings.maxSteps() > 0 && pos.step() >= settings.maxSteps()) {
                if (epochOpen && progress != null) progress.endEpoch(schedule.rate(pos.step()));
                checkpointer.save(pos, false);
                return new Outcome(pos, Outcome.MAX_STEPS, lastLoss, validationFailures);
            }
            if (stop.requested()) {
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
                Positioned b = data.next(sub);
                if (b.epoch() != pos.epoch() || b.index() != pos.index()) {
                    throw new IllegalStateException("expected batch " + pos.index() + " of epoch " + pos.epoch()
                            + ", the data gave batch " + b.index() + " of epoch " + b.epoch());
                }
                lastLoss = step(b.batch(), lr, pos);
                if (log != null) log.step(pos.epoch(), pos.step(), lastLoss, lr, (System.nanoTime() - t0) / 1e9);
                if (progress != null) progress.step(lastLoss, lr, b.batch().size());
            }
            Position next = pos.next(perEpoch);
            if (next.epoch() != pos.epoch()) {
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
        return new Outcome(pos, Outcome.DONE, lastLoss, validationFailures);
    }

    /** One optimizer step on {@code batch}; returns the batch's mean L1 loss before the update. */
    public double step(TrainBatch batch, double lr, Position pos) {
        model.zeroGrad();
        double loss = model.lossAndGradients(batch);
        if (!Double.isFinite(loss)) {
            throw new TrainException("the loss is " + loss + " at epoch " + pos.epoch() + " batch " + pos.index()
                    + " (step " + pos.step() + "): stopping without applying this update; the last checkpoint is intact"
                    + " (a lower --lr or --grad_clip may help)");
        }
        if (recipe.gradClip() > 0) Gradients.clipGlobalNorm(model.parameters().values(), recipe.gradClip(), manager);
        optimizer.step(lr);
        model.broadcast();
        return loss;
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
