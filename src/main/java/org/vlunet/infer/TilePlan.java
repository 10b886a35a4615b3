package org.vlunet.infer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Where tiles go along one axis of a padded image and how much each contributes. Tiles have a fixed size and start
 * at multiples of the network's multiple (so each tile sees the same down-sampling grid as the whole image), spread
 * evenly so that neighbours overlap by at least the requested amount. In an overlap each tile gives up an edge
 * margin of a quarter of the overlap (where its receptive field is cut off) to its neighbour, and the middle half
 * is a raised-cosine cross-fade; tiles meeting the image's own border keep full weight there.
 */
public final class TilePlan {
    private final int length, tile, overlap;
    private final List<Integer> starts;

    TilePlan(int length, int tile, int overlap, int multiple) {
        this.length = length;
        this.tile = Math.min(tile, length);
        this.overlap = overlap;
        if (length <= tile) {
            starts = List.of(0);
            return;
        }
        int stride = Math.max(multiple, (tile - overlap) / multiple * multiple);
        int q = (length - tile) / multiple; // length and tile are multiples of `multiple`
        int gaps = (int) Math.ceil((double) (length - tile) / stride);
        List<Integer> s = new ArrayList<>();
        for (int k = 0; k <= gaps; k++) s.add(multiple * (int) Math.round((double) k * q / gaps));
        starts = Collections.unmodifiableList(s);
    }

    public int length() {
        return length;
    }

    /** Tile extent along this axis (the whole length when one tile covers it). */
    public int tile() {
        return tile;
    }

    public List<Integer> starts() {
        return starts;
    }

    /** The pixels each tile gives up at an edge shared with a neighbour. */
    public int margin() {
        return overlap / 4;
    }

    /** Blend weight of the tile at index {@code k} for offset {@code d} within it. */
    public float[] weights(int k) {
        float[] w = new float[tile];
        java.util.Arrays.fill(w, 1f);
        if (starts.size() == 1) return w;
        boolean before = k > 0, after = k < starts.size() - 1;
        for (int d = 0; d < tile; d++) {
            if (before) w[d] *= ramp(d);
            if (after) w[d] *= ramp(tile - 1 - d);
        }
        return w;
    }

    /** 0 inside the margin, a raised cosine over the middle of the overlap, 1 beyond. */
    private float ramp(int d) {
        int g = margin(), r = overlap - 2 * g;
        if (d < g) return 0f;
        if (d >= g + r) return 1f;
        return (float) (0.5 - 0.5 * Math.cos(Math.PI * (d - g + 0.5) / r));
    }
}
