package org.vlunet.train;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ctrl-C / SIGTERM handling: a shutdown hook asks the loop to stop, and then holds the JVM open until the loop
 * has finished its step and written its checkpoint (the JVM exits as soon as its hooks return).
 */
public final class StopSignal {

    private final AtomicBoolean requested = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);
    private Thread hook;

    public boolean requested() {
        return requested.get();
    }

    public void request() {
        requested.set(true);
    }

    /** Installs the shutdown hook; it waits up to {@code graceSeconds} for {@link #finished()}. */
    public StopSignal installHook(long graceSeconds, Runnable onSignal) {
        hook = new Thread(() -> {
            if (finished.getCount() == 0) return;
            requested.set(true);
            if (onSignal != null) onSignal.run();
            try {
                finished.await(graceSeconds, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "vlunet-train-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        return this;
    }

    /** Called by the loop when it has stopped (normally or not): releases a waiting hook. */
    public void finished() {
        finished.countDown();
    }

    /** Removes the hook (after a normal end, so that it does not outlive the run). */
    public void uninstall() {
        if (hook == null) return;
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // the JVM is already shutting down: the hook is running and will see finished()
        }
        hook = null;
    }
}
