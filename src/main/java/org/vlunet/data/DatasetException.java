package org.vlunet.data;

import java.util.List;

/**
 * A dataset that cannot be used as given (malformed list lines, missing or unreadable files, unknown task). The
 * message is one line; {@link #problems()} holds every individual problem when there are several.
 */
public class DatasetException extends RuntimeException {
    private final List<String> problems;

    public DatasetException(String message) {
        this(message, List.of());
    }

    public DatasetException(String message, List<String> problems) {
        super(message);
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
