package org.vlunet.cli;

import org.vlunet.infer.TiledRestorer;
import picocli.CommandLine.Option;

/** How `restore` and the Spark job split an image into tiles: the same options, the same {@link TiledRestorer.Options}. */
public final class TilingOptions {

    @Option(names = "--tile", defaultValue = "0", paramLabel = "N", description = "restore in N x N tiles (0 = whole image unless over --max_pixels)")
    public int tile;

    @Option(names = "--tile_overlap", defaultValue = "64", paramLabel = "M", description = "overlap of neighbouring tiles, at most half a tile (default ${DEFAULT-VALUE})")
    public int overlap;

    @Option(names = "--max_pixels", defaultValue = "1048576", paramLabel = "N",
            description = "images with more pixels are tiled automatically in 512-pixel tiles (default ${DEFAULT-VALUE}; 0 = never)")
    public long maxPixels;

    /** The restorer's options (bad values are refused there, with the option's name). */
    public TiledRestorer.Options options() {
        return TiledRestorer.Options.of(tile, overlap, maxPixels);
    }
}
