package org.vlunet.weights;

/** A weight file or state dict that cannot be used; the message names the file or key and what was expected. */
public class WeightsException extends RuntimeException {
    public WeightsException(String message) {
        super(message);
    }

    public WeightsException(String message, Throwable cause) {
        super(message, cause);
    }
}
