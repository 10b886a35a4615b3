package org.vlunet.spark;

/** The executor could not load the model: the task fails (and so the job), since every image would fail alike. */
final class ModelLoadException extends RuntimeException {
    ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
