package org.vlunet.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.vlunet.data.RgbImage;

import java.util.function.Consumer;

/**
 * Restores images of any size with a network that needs sides divisible by a multiple (8 for VLU-Net): the image
 * is reflect-padded at the bottom and right to that multiple and the result cropped back, so the output has the
 * input's exact size (the authors instead crop their inputs to a multiple of 16). Large images are cut into
 * overlapping tiles blended as in {@link TilePlan}, so the network's memory is bounded by the tile size; tiling is
 * automatic above {@link Options#maxPixels()}. The full-size result is assembled in float buffers on the Java heap;
 * every array of a tile is freed before the next. A tile (or a whole image) the device has no memory for is
 * restored in tiles of half its side instead, blended the same way, and one line says so.
 */
public final class TiledRestorer {

    /**
     * @param multiple  the size multiple the network needs
     * @param tile      tile side in pixels (rounded down to the multiple); 0 = whole image unless it exceeds maxPixels
     * @param overlap   minimum overlap of neighbouring tiles, at most half the tile
     * @param maxPixels images with more pixels are tiled automatically with {@code autoTile} (0 = never)
     * @param autoTile  tile side used for automatic tiling
     */
    public record Options(int multiple, int tile, int overlap, long maxPixels, int autoTile) {
        public static final int DEFAULT_MULTIPLE = 8;
        public static final long DEFAULT_MAX_PIXELS = 1024L * 1024;

        public Options {
            if (multiple < 1) throw new IllegalArgumentException("size multiple must be >= 1, got " + multiple);
            if (tile < 0) throw new IllegalArgumentException("--tile must be >= 0, got " + tile);
            if (overlap < 0) throw new IllegalArgumentException("--tile_overlap must be >= 0, got " + overlap);
            if (maxPixels < 0) throw new IllegalArgumentException("--max_pixels must be >= 0, got " + maxPixels);
            if (tile > 0) checkTile(tile, overlap, multiple, "--tile");
            if (maxPixels > 0) checkTile(autoTile, overlap, multiple, "automatic tile");
        }

        private static void checkTile(int tile, int overlap, int multiple, String what) {
            if (tile < multiple) throw new IllegalArgumentException(what + " " + tile + " is smaller than the network's size multiple " + multiple);
            int t = tile / multiple * multiple;
            if (2 * overlap > t) {
                throw new IllegalArgumentException("--tile_overlap " + overlap + " must be at most half of the tile (" + t + ")");
            }
        }

        /**
         * The options of the {@code restore} command and the Spark job: {@code --tile}, {@code --tile_overlap},
         * {@code --max_pixels}; automatic tiles are 512 pixels, or larger when the overlap needs room.
         */
        public static Options of(int tile, int overlap, long maxPixels) {
            return new Options(DEFAULT_MULTIPLE, tile, overlap, maxPixels, Math.max(512, 2 * overlap + 64) / 8 * 8);
        }

        /** Whole images up to 1024x1024 pixels, larger ones in 512-pixel tiles overlapping by 64. */
        public static Options defaults() {
            return new Options(DEFAULT_MULTIPLE, 0, 64, DEFAULT_MAX_PIXELS, 512);
        }

        public Options withTile(int tile, int overlap) {
            return new Options(multiple, tile, overlap, maxPixels, autoTile);
        }

        public Options withMultiple(int m) {
            return new Options(m, tile, overlap, maxPixels, autoTile);
        }

        public Options withMaxPixels(long max) {
            return new Options(multiple, tile, overlap, max, autoTile);
        }
    }

    /** No retry below this tile side: a device that cannot hold it cannot run the model usefully. */
    static final int MIN_RETRY_TILE = 64;

    private final Network network;
    private final NDManager manager;
    private final Options options;
    private final Consumer<String> notices;
    /** Side of the smaller tiles a region is split into after the device ran out of memory (0 = none so far). */
    private int fallbackTile;

    /** A restorer whose out-of-memory notices go to stderr. */
    public TiledRestorer(Network network, NDManager manager, Options options) {
        this(network, manager, options, System.err::println);
    }

    /** @param notices receives the one-line notice when a tile is retried in smaller tiles */
    public TiledRestorer(Network network, NDManager manager, Options options, Consumer<String> notices) {
        this.network = network;
        this.manager = manager;
        this.options = options;
        this.notices = notices;
    }

    public Options options() {
        return options;
    }

    /** The smallest side reflect padding to {@code multiple} can handle (padding must be less than the side). */
    public static int minSide(int multiple) {
        return multiple / 2 + 1;
    }

    /** Refuses sizes reflect padding cannot reach the multiple from (the padding must be less than the side). */
    public void checkSize(int w, int h) {
        int m = options.multiple();
        if (padding(w, m) >= w || padding(h, m) >= h) {
            throw new IllegalArgumentException("image " + w + "x" + h + " is too small: reflect padding to a multiple of "
                    + m + " needs every side to be a multiple of " + m + " or at least " + minSide(m) + " pixels");
        }
    }

    /** The tile side used for an image of this size, or 0 when it is restored whole. */
    public int tileFor(int width, int height) {
        if (options.tile() > 0) return options.tile() / options.multiple() * options.multiple();
        if (options.maxPixels() > 0 && (long) width * height > options.maxPixels()) {
            return options.autoTile() / options.multiple() * options.multiple();
        }
        return 0;
    }

    /** How many network passes an image of this size takes (1 when restored whole). */
    public int passes(int width, int height) {
        int m = options.multiple(), tile = tileFor(width, height);
        int pw = width + padding(width, m), ph = height + padding(height, m);
        if (tile == 0 || (pw <= tile && ph <= tile)) return 1;
        return new TilePlan(pw, tile, options.overlap(), m).starts().size() * new TilePlan(ph, tile, options.overlap(), m).starts().size();
    }

    /** The restored image, of the input's size; values as the network gives them (not clamped). */
    public RgbImage restore(RgbImage img) {
        int m = options.multiple();
        int w = img.width(), h = img.height();
        checkSize(w, h);
        int pw = padding(w, m), ph = padding(h, m);
        RgbImage padded = reflectPad(img, w + pw, h + ph);
        int tile = tileFor(w, h);
        RgbImage out = tile == 0 || (padded.width() <= tile && padded.height() <= tile)
                ? run(padded) : tiled(padded, tile);
        return pw == 0 && ph == 0 ? out : out.crop(0, 0, w, h);
    }

    private RgbImage tiled(RgbImage img, int tile) {
        int W = img.width(), H = img.height(), m = options.multiple();
        TilePlan px = new TilePlan(W, tile, options.overlap(), m), py = new TilePlan(H, tile, options.overlap(), m);
        int tw = px.tile(), th = py.tile();
        float[] acc = new float[3 * W * H];
        float[] wsum = new float[W * H];
        for (int iy = 0; iy < py.starts().size(); iy++) {
            float[] wy = py.weights(iy);
            int y0 = py.starts().get(iy);
            for (int ix = 0; ix < px.starts().size(); ix++) {
                float[] wx = px.weights(ix);
                int x0 = px.starts().get(ix);
                float[] r = run(img.crop(x0, y0, tw, th)).pixels();
                for (int y = 0; y < th; y++) {
                    for (int x = 0; x < tw; x++) {
                        float wgt = wy[y] * wx[x];
                        if (wgt == 0f) continue;
                        int o = (y0 + y) * W + x0 + x;
                        wsum[o] += wgt;
                        for (int c = 0; c < 3; c++) acc[c * W * H + o] += wgt * r[(c * th + y) * tw + x];
                    }
                }
            }
        }
        for (int i = 0; i < W * H; i++) {
            if (!(wsum[i] > 0f)) throw new IllegalStateException("tile blend left pixel " + (i % W) + "," + (i / W) + " uncovered");
            for (int c = 0; c < 3; c++) acc[c * W * H + i] /= wsum[i];
        }
        return new RgbImage(W, H, acc);
    }

    /**
     * One region through the network (sides multiples of the multiple). If the device runs out of memory, the region
     * is restored in tiles of half its longer side (the overlap capped at half of that), and so are the next regions
     * of this image at that size, so the notice comes once per size.
     */
    private RgbImage run(RgbImage img) {
        if (fallbackTile == 0 || Math.max(img.width(), img.height()) <= fallbackTile) {
            try {
                return forward(img);
            } catch (RuntimeException e) {
                if (!OutOfMemory.is(e)) throw e;
                int m = options.multiple();
                int smaller = Math.max(img.width(), img.height()) / 2 / m * m;
                if (smaller < Math.max(MIN_RETRY_TILE, m)) {
                    throw new IllegalStateException("out of memory on a " + img.width() + "x" + img.height()
                            + " tile, too small to split further: " + OutOfMemory.summary(e), e);
                }
                notices.accept("out of memory on a " + img.width() + "x" + img.height() + " tile; retrying in "
                        + smaller + "x" + smaller + " tiles");
                fallbackTile = smaller;
            }
        }
        int overlap = Math.min(options.overlap(), fallbackTile / 2);
        TiledRestorer split = new TiledRestorer(network, manager, options.withTile(fallbackTile, overlap), notices);
        split.fallbackTile = fallbackTile;
        RgbImage out = split.restore(img);
        if (split.fallbackTile != 0 && split.fallbackTile < fallbackTile) fallbackTile = split.fallbackTile;
        return out;
    }

    /** One forward pass in its own memory scope. */
    private RgbImage forward(RgbImage img) {
        try (NDManager sub = manager.newSubManager()) {
            Shape shape = new Shape(1, 3, img.height(), img.width());
            NDArray in = sub.create(img.pixels(), shape);
            NDArray out = network.apply(in);
            if (!out.getShape().equals(shape)) {
                throw new IllegalStateException("network returned shape " + out.getShape() + " for input " + shape);
            }
            float[] f = out.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
            org.vlunet.util.NonFiniteException.check(f, "the network's output");
            return new RgbImage(img.width(), img.height(), f);
        }
    }

    static int padding(int size, int m) {
        return (m - size % m) % m;
    }

    /** Bottom/right reflection without repeating the edge pixel (torch's "reflect"). */
    static RgbImage reflectPad(RgbImage img, int W, int H) {
        int w = img.width(), h = img.height();
        if (W == w && H == h) return img;
        float[] src = img.pixels(), dst = new float[3 * W * H];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < H; y++) {
                int sy = y < h ? y : 2 * (h - 1) - y;
                int so = (c * h + sy) * w, d = (c * H + y) * W;
                System.arraycopy(src, so, dst, d, w);
                for (int x = w; x < W; x++) dst[d + x] = src[so + 2 * (w - 1) - x];
            }
        }
        return new RgbImage(W, H, dst);
    }
}
