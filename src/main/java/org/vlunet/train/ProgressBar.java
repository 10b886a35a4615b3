package org.vlunet.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * One line per epoch on the console: batches done, loss (mean over the epoch so far), learning rate, samples
 * per second and the epoch's ETA. On a terminal it is redrawn in place at most every {@code redrawMs}; without
 * one (output to a file) a line is printed every {@code lineEveryMs} and at the end of the epoch instead.
 */
public final class ProgressBar {

    private final PrintStream out;
    private final boolean terminal;
    private final long redrawMs, lineEveryMs;
    private int epoch, epochs, total, done, counted;
    private double lossSum;
    private long samples, epochStartNs, lastDrawNs;

    public ProgressBar(PrintStream out, boolean terminal) {
        this(out, terminal, 250, 30_000);
    }

    public ProgressBar(PrintStream out, boolean terminal, long redrawMs, long lineEveryMs) {
        this.out = out;
        this.terminal = terminal;
        this.redrawMs = redrawMs;
        this.lineEveryMs = lineEveryMs;
    }

    /** Starts epoch {@code epoch} (0-based) of {@code epochs}, with {@code total} batches of which {@code done} are behind. */
    public void startEpoch(int epoch, int epochs, int total, int done) {
        this.epoch = epoch;
        this.epochs = epochs;
        this.total = total;
        this.done = done;
        counted = 0;
        lossSum = 0;
        samples = 0;
        epochStartNs = System.nanoTime();
        lastDrawNs = 0;
    }

    public void step(double loss, double lr, int batchSize) {
        done++;
        counted++;
        lossSum += loss;
        samples += batchSize;
        long now = System.nanoTime();
        if (lastDrawNs == 0 || (now - lastDrawNs) / 1_000_000 >= (terminal ? redrawMs : lineEveryMs)) {
            draw(lr, now, false);
            lastDrawNs = now;
        }
    }

    /** Ends the epoch's line. */
    public void endEpoch(double lr) {
        draw(lr, System.nanoTime(), true);
    }

    private void draw(double lr, long now, boolean last) {
        double secs = (now - epochStartNs) / 1e9;
        double rate = secs > 0 ? samples / secs : 0;
        long eta = counted > 0 ? Math.round(secs / counted * (total - done)) : 0;
        int width = 24, filled = total == 0 ? width : (int) ((long) width * done / total);
        String bar = "=".repeat(Math.max(0, filled - 1)) + (filled > 0 ? (done == total ? "=" : ">") : "") + " ".repeat(width - filled);
        String line = String.format(Locale.ROOT, "epoch %d/%d [%s] %d/%d loss %.4f lr %.3e %.1f samples/s %s %s",
                epoch + 1, epochs, bar, done, total, counted > 0 ? lossSum / counted : Double.NaN, lr, rate,
                last ? "took" : "ETA", hms(last ? Math.round(secs) : eta));
        if (terminal) {
            out.print("\r" + line + "\u001b[K" + (last ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    static String hms(long s) {
        return String.format(Locale.ROOT, "%02d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }
}
