package org.vlunet.eval;

import java.io.PrintStream;

/**
 * A progress bar with rate and ETA on stderr. On a terminal it redraws one line; otherwise (logs, CI) it prints a
 * line at most every few seconds and at the end.
 */
public final class Progress {
    private final PrintStream out;
    private final boolean terminal;
    private final long total;
    private final long startNanos = System.nanoTime();
    private long done, counted, lastPrint;
    private boolean pending;
    private String label = "";

    public Progress(PrintStream out, long total, boolean terminal) {
        this.out = out;
        this.total = total;
        this.terminal = terminal;
    }

    public static Progress stderr(long total) {
        return new Progress(System.err, total, System.console() != null);
    }

    public void label(String label) {
        this.label = label;
    }

    /** One item done; {@code skipped} items (resumed) do not count towards the rate. */
    public void step(boolean skipped) {
        done++;
        if (!skipped) counted++;
        long now = System.nanoTime();
        if (done == total || terminal || now - lastPrint > 5_000_000_000L) {
            lastPrint = now;
            pending = terminal && done < total;
            out.print((terminal ? "\r" : "") + line(now) + (pending ? "" : "\n"));
            out.flush();
        }
    }

    /** Ends a bar line still being redrawn, so other output starts on a fresh line. */
    public void breakLine() {
        if (pending) {
            out.println();
            pending = false;
        }
    }

    String line(long now) {
        double secs = (now - startNanos) / 1e9;
        double per = counted == 0 ? Double.NaN : secs / counted;
        int width = 28, fill = total == 0 ? width : (int) (width * done / total);
        String eta = Double.isNaN(per) ? "--:--" : clock(per * (total - done));
        return String.format("[%s%s] %d/%d %s  %s/img  elapsed %s  ETA %s", "#".repeat(fill), ".".repeat(width - fill),
                done, total, label, Double.isNaN(per) ? "-" : String.format("%.2fs", per), clock(secs), eta);
    }

    static String clock(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format("%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String.format("%d:%02d", t / 60, t % 60);
    }
}
