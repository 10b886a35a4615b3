package org.vlunet.engine;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered for every test class (junit-platform.properties): before the first test of the run touches the
 * engine, the CPU route is chosen and every shipped convolution shape checked forward and backward, as the
 * commands do before a model's first op. Tests build networks directly, so this is their guard.
 */
public final class CheckedEngine implements BeforeAllCallback {
    private static volatile boolean done;

    @Override
    public void beforeAll(ExtensionContext context) {
        if (done) return;
        synchronized (CheckedEngine.class) {
            if (done) return;
            CpuKernels.prepare();
            CpuKernels.verifyShipped(true);
            done = true;
        }
    }
}
