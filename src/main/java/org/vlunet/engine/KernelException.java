package org.vlunet.engine;

/** The CPU engine gives wrong results that no route fixes. */
public final class KernelException extends RuntimeException {
    public KernelException(String message) {
        super(message);
    }
}
