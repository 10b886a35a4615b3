package org.vlunet.weights.torch;

import java.util.List;

/** A Python tuple from a pickle (lists stay {@link java.util.List}s so the two can be told apart). */
public record Tuple(List<Object> items) {

    public Tuple {
        items = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(items));
    }

    public static Tuple of(Object... items) {
        return new Tuple(java.util.Arrays.asList(items));
    }

    public int size() {
        return items.size();
    }

    public Object get(int i) {
        return items.get(i);
    }

    @Override
    public String toString() {
        return "(" + String.join(", ", items.stream().map(String::valueOf).toList()) + (items.size() == 1 ? ",)" : ")");
    }
}
