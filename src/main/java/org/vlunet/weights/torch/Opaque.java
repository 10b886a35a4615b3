package org.vlunet.weights.torch;

import java.util.List;

/**
 * A Python object this reader does not rebuild (optimizer internals, callbacks, argument namespaces, ...):
 * kept as the class or function that made it, its arguments and any state set on it, so a checkpoint with
 * such content still loads.
 */
public final class Opaque {
    private final Object type;
    private final List<Object> args;
    private Object state;

    public Opaque(Object type, List<Object> args) {
        this.type = type;
        this.args = List.copyOf(args.stream().map(a -> a == null ? (Object) NONE : a).toList());
    }

    /** Placeholder for a Python None inside {@link #args()} (List.copyOf refuses nulls). */
    public static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    /** The callable or class: usually a {@link Global}. */
    public Object type() {
        return type;
    }

    public List<Object> args() {
        return args;
    }

    /** What BUILD set ({@code __setstate__} or the instance dict), or null. */
    public Object state() {
        return state;
    }

    void setState(Object state) {
        this.state = state;
    }

    @Override
    public String toString() {
        return "<" + type + " object>";
    }
}
