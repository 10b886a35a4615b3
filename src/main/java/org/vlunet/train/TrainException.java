package org.vlunet.train;

/** Training cannot start or go on; the message says what and, where it applies, which option to change. */
public class TrainException extends RuntimeException {
    public TrainException(String message) {
        super(message);
    }

    public TrainException(String message, Throwable cause) {
        super(message, cause);
    }
}
