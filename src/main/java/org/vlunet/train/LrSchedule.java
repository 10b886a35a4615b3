package org.vlunet.train;

/**
 * Linear warm-up from 0 to the base rate over the first {@code warmupEpochs}, then half a cosine down to 0 at
 * {@code epochs}, evaluated at every step with the fractional epoch {@code step / stepsPerEpoch}.
 *
 * <p>The authors used Lightning-Bolts' {@code LinearWarmupCosineAnnealingLR(warmup_epochs=15, max_epochs=200)}
 * stepped once per epoch, a staircase through the same curve: its closed form ({@link #authorsEpochRate}) is
 * {@code base·k/(W−1)} for epoch k &lt; W (so it reaches the base rate one epoch early and holds it) and the same
 * cosine as here from epoch W on. Per step is the smoother form of that curve: the rate changes a little every
 * step instead of jumping once per epoch.
 */
public final class LrSchedule {

    private final double base;
    private final double warmupEpochs;
    private final double epochs;
    private final long stepsPerEpoch;

    public LrSchedule(double base, double warmupEpochs, double epochs, long stepsPerEpoch) {
        if (!(base >= 0) || Double.isInfinite(base)) throw new IllegalArgumentException("learning rate must be >= 0, got " + base);
        if (!(epochs > 0)) throw new IllegalArgumentException("epochs must be > 0, got " + epochs);
        if (!(warmupEpochs >= 0 && warmupEpochs <= epochs)) {
            throw new IllegalArgumentException("warm-up epochs must lie in [0, epochs=" + epochs + "], got " + warmupEpochs);
        }
        if (stepsPerEpoch < 1) throw new IllegalArgumentException("steps per epoch must be >= 1, got " + stepsPerEpoch);
        this.base = base;
        this.warmupEpochs = warmupEpochs;
        this.epochs = epochs;
        this.stepsPerEpoch = stepsPerEpoch;
    }

    /** The base rate throughout (no warm-up, no decay): the cosine of an endless run stays at its top. */
    public static LrSchedule constant(double base, long stepsPerEpoch) {
        return new LrSchedule(base, 0, Double.POSITIVE_INFINITY, stepsPerEpoch);
    }

    /** The rate for the update that follows {@code step} completed steps (step 0 is the first update). */
    public double rate(long step) {
        return rateAtEpoch((double) step / stepsPerEpoch);
    }

    /** The rate at a fractional epoch: 0 at the start (with a warm-up), the base rate at the end of warm-up, 0 at the last epoch. */
    public double rateAtEpoch(double epoch) {
        if (epoch < warmupEpochs) return base * Math.max(epoch, 0) / warmupEpochs;
        if (epoch >= epochs) return 0;
        if (epochs == warmupEpochs) return base;
        return 0.5 * base * (1 + Math.cos(Math.PI * (epoch - warmupEpochs) / (epochs - warmupEpochs)));
    }

    /**
     * Lightning-Bolts' closed form for whole epoch {@code k} with warmup_start_lr = eta_min = 0: what the authors'
     * optimizer used throughout epoch k.
     */
    public static double authorsEpochRate(double base, int warmupEpochs, int epochs, int k) {
        if (k < warmupEpochs) return base * k / Math.max(1, warmupEpochs - 1);
        if (epochs == warmupEpochs) return base;
        return 0.5 * base * (1 + Math.cos(Math.PI * (k - warmupEpochs) / (epochs - warmupEpochs)));
    }

    public double base() {
        return base;
    }

    public long stepsPerEpoch() {
        return stepsPerEpoch;
    }

    public double epochs() {
        return epochs;
    }

    public double warmupEpochs() {
        return warmupEpochs;
    }
}
