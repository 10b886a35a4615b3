package org.vlunet.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** An ordered list of children named "0", "1", … (PyTorch's nn.ModuleList / nn.Sequential key layout). */
public final class ModuleList<B extends ModuleBlock> extends ModuleBlock {
    private final List<B> items = new ArrayList<>();

    public ModuleList<B> add(B block) {
        items.add(child(Integer.toString(items.size()), block));
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
