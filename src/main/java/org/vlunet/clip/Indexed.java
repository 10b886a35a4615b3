package org.vlunet.clip;

import ai.djl.nn.Block;
import org.vlunet.model.ModuleBlock;

import java.util.List;

/**
 * A container whose children are named by their position, like torch's nn.Sequential / nn.ModuleList
 * ("resblocks.0", "adapter.3"); positions without parameters (activations) are simply absent.
 */
final class Indexed<B extends Block> extends ModuleBlock {
    private final List<B> items;

    /** Registers {@code items.get(i)} under the name {@code positions[i]}. */
    Indexed(List<B> items, int[] positions) {
        if (items.size() != positions.length) throw new IllegalArgumentException("one position per item");
        this.items = List.copyOf(items);
        for (int i = 0; i < positions.length; i++) child(Integer.toString(positions[i]), items.get(i));
    }

    Indexed(List<B> items) {
        this(items, java.util.stream.IntStream.range(0, items.size()).toArray());
    }

    List<B> items() {
        return items;
    }
}
