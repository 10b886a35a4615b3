package org.vlunet.clip;

import ai.djl.nn.Block;
import org.vlunet.model.ModuleBlock;

import java.util.List;

/**
 * An nn.Sequential whose parameterless members (activations) are left out: children are named by their
 * position in the PyTorch Sequential ("adapter.0", "adapter.1", "adapter.3", …).
 */
final class Indexed<B extends Block> extends ModuleBlock {
    private final List<B> items;

    /** Registers {@code items.get(i)} under the name {@code positions[i]}. */
    Indexed(List<B> items, int[] positions) {
        if (items.size() != positions.length) throw new IllegalArgumentException("one position per item");
        this.items = List.copyOf(items);
        for (int i = 0; i < positions.length; i++) child(Integer.toString(positions[i]), items.get(i));
    }

    List<B> items() {
        return items;
    }
}
