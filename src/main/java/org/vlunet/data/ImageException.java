package org.vlunet.data;

/** An image that cannot be read or used; the message names the file and what was expected. */
public class ImageException extends RuntimeException {
    public ImageException(String message) {
        super(message);
    }
}
