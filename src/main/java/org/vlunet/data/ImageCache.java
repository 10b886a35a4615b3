package org.vlunet.data;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A least-recently-used cache of decoded images, bounded in bytes and shared by the loader's workers. The authors
 * repeat each rain pair 120 times per epoch, so most of those decodes are saved. Images whose values are all
 * multiples of 1/255 (every 8-bit file) are held as bytes, a quarter of their float size, and a training patch
 * is cut straight from them without expanding the whole image.
 */
public final class ImageCache {
    private final long maxBytes;
    private long bytes;
    private long hits, misses;
    private final LinkedHashMap<String, Stored> map = new LinkedHashMap<>(64, 0.75f, true);

    /** A decoded image as held by the cache (immutable): cut regions from it, or copy it whole. */
    public static final class Stored {
        private final int width, height;
        private final byte[] bytes;
        private final float[] floats;

        private Stored(int width, int height, byte[] bytes, float[] floats) {
            this.width = width;
            this.height = height;
            this.bytes = bytes;
            this.floats = floats;
        }

        /** Wraps an image without copying (the caller gives it up). */
        static Stored wrap(RgbImage img) {
            return new Stored(img.width(), img.height(), null, img.pixels());
        }

        /** Bytes when every value is an exact 8-bit level, else the floats themselves. */
        static Stored compact(RgbImage img) {
            float[] p = img.pixels();
            byte[] b = new byte[p.length];
            for (int i = 0; i < p.length; i++) {
                int q = Math.round(p[i] * 255f);
                if (q < 0 || q > 255 || q / 255f != p[i]) return wrap(img);
                b[i] = (byte) q;
            }
            return new Stored(img.width(), img.height(), b, null);
        }

        public int width() {
            return width;
        }

        public int height() {
            return height;
        }

        long size() {
            return (bytes != null ? bytes.length : 4L * floats.length) + 64;
        }

        /** A copy of the whole image. */
        public RgbImage image() {
            return crop(0, 0, width, height);
        }

        /** A copy of the region [x0, x0+w) × [y0, y0+h); values identical to decoding the file again. */
        public RgbImage crop(int x0, int y0, int w, int h) {
            if (x0 < 0 || y0 < 0 || w <= 0 || h <= 0 || x0 + w > width || y0 + h > height) {
                throw new IllegalArgumentException("crop " + w + "x" + h + "+" + x0 + "+" + y0 + " outside " + width + "x" + height);
            }
            float[] out = new float[3 * w * h];
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < h; y++) {
                    int src = (c * height + y0 + y) * width + x0, dst = (c * h + y) * w;
                    if (floats != null) {
                        System.arraycopy(floats, src, out, dst, w);
                    } else {
                        for (int x = 0; x < w; x++) out[dst + x] = LEVELS[bytes[src + x] & 0xff];
                    }
                }
            }
            return new RgbImage(w, h, out);
        }
    }

    /** v / 255f, exactly as {@link ImageCodec} decodes an 8-bit value. */
    private static final float[] LEVELS = new float[256];

    static {
        for (int v = 0; v < 256; v++) LEVELS[v] = v / 255f;
    }

    /** @param maxBytes the budget; 0 disables caching */
    public ImageCache(long maxBytes) {
        if (maxBytes < 0) throw new IllegalArgumentException("cache size must be >= 0, got " + maxBytes);
        this.maxBytes = maxBytes;
    }

    /** The cached image for {@code key}, or {@code load}'s result (cached if it fits). Returns a private copy. */
    public RgbImage get(String key, Supplier<RgbImage> load) {
        return stored(key, load).image();
    }

    /** The cached image for {@code key}, or {@code load}'s result, cached if it fits. */
    public Stored stored(String key, Supplier<RgbImage> load) {
        synchronized (this) {
            Stored e = map.get(key);
            if (e != null) {
                hits++;
                return e;
            }
            misses++;
        }
        // Decoded outside the lock: two workers may decode the same file at once, which is harmless.
        RgbImage img = load.get();
        if (maxBytes == 0) return Stored.wrap(img);
        Stored e = Stored.compact(img);
        synchronized (this) {
            Stored old = map.get(key);
            if (old != null) return old;
            if (e.size() <= maxBytes) {
                map.put(key, e);
                bytes += e.size();
                Iterator<Map.Entry<String, Stored>> it = map.entrySet().iterator();
                while (bytes > maxBytes && it.hasNext()) {
                    Map.Entry<String, Stored> x = it.next();
                    if (x.getValue() == e) continue;
                    bytes -= x.getValue().size();
                    it.remove();
                }
            }
        }
        return e;
    }

    /** A stored image for {@code key} through {@code cache}, or decoded afresh without one. */
    static Stored stored(ImageCache cache, String key, Supplier<RgbImage> load) {
        return cache == null ? Stored.wrap(load.get()) : cache.stored(key, load);
    }

    public synchronized long bytes() {
        return bytes;
    }

    public synchronized long hits() {
        return hits;
    }

    public synchronized long misses() {
        return misses;
    }
}
