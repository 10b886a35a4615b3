package org.vlunet.data;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A least-recently-used cache of decoded images, bounded in bytes and shared by the loader's workers. The authors
 * repeat each rain pair 120 times per epoch, so most of those decodes are saved. Images whose values are all
 * multiples of 1/255 (every 8-bit file) are held as bytes, a quarter of their float size.
 */
public final class ImageCache {
    private final long maxBytes;
    private long bytes;
    private long hits, misses;
    private final LinkedHashMap<String, Entry> map = new LinkedHashMap<>(64, 0.75f, true);

    private record Entry(int width, int height, byte[] bytes, float[] floats) {
        long size() {
            return (bytes != null ? bytes.length : 4L * floats.length) + 64;
        }

        RgbImage image() {
            if (floats != null) return new RgbImage(width, height, floats.clone());
            float[] out = new float[bytes.length];
            for (int i = 0; i < out.length; i++) out[i] = (bytes[i] & 0xff) / 255f;
            return new RgbImage(width, height, out);
        }

        static Entry of(RgbImage img) {
            float[] p = img.pixels();
            byte[] b = new byte[p.length];
            for (int i = 0; i < p.length; i++) {
                int q = Math.round(p[i] * 255f);
                if (q < 0 || q > 255 || q / 255f != p[i]) return new Entry(img.width(), img.height(), null, p.clone());
                b[i] = (byte) q;
            }
            return new Entry(img.width(), img.height(), b, null);
        }
    }

    /** @param maxBytes the budget; 0 disables caching */
    public ImageCache(long maxBytes) {
        if (maxBytes < 0) throw new IllegalArgumentException("cache size must be >= 0, got " + maxBytes);
        this.maxBytes = maxBytes;
    }

    /** The cached image for {@code key}, or {@code load}'s result (cached if it fits). Returns a private copy. */
    public RgbImage get(String key, Supplier<RgbImage> load) {
        synchronized (this) {
            Entry e = map.get(key);
            if (e != null) {
                hits++;
                return e.image();
            }
            misses++;
        }
        // Decoded outside the lock: two workers may decode the same file at once, which is harmless.
        RgbImage img = load.get();
        if (maxBytes == 0) return img;
        Entry e = Entry.of(img);
        synchronized (this) {
            if (e.size() <= maxBytes && !map.containsKey(key)) {
                map.put(key, e);
                bytes += e.size();
                Iterator<Map.Entry<String, Entry>> it = map.entrySet().iterator();
                while (bytes > maxBytes && it.hasNext()) {
                    bytes -= it.next().getValue().size();
                    it.remove();
                }
            }
        }
        return img;
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
