package org.vlunet.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An ordered list of children named "0", "1", … (PyTorch's nn.ModuleList / nn.Sequential key layout). Members of a
 * Sequential that hold nothing (activations) are not blocks here: {@link #add(int, ModuleBlock)} skips their numbers.
 */
public final class ModuleList<B extends ModuleBlock> extends ModuleBlock {
    private final List<B> items = new ArrayList<>();
    private int next;

    public ModuleList<B> add(B block) {
        return add(next, block);
    }

    /** Adds {@code block} under the number {@code index}, which must not be below the next free one. */
    public ModuleList<B> add(int index, B block) {
        if (index < next) throw new IllegalArgumentException("index " + index + " is taken; the next free one is " + next);
        items.add(child(Integer.toString(index), block));
        next = index + 1;
        return this;
    }

    public B get(int i) {
        return items.get(i);
    }

    public int size() {
        return items.size();
    }

    public List<B> items() {
        return Collections.unmodifiableList(items);
    }
}
