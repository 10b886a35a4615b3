package org.vlunet.data;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class ImageCacheTest {
    @Test
    void holdsEightBitImagesAsBytesEvictsLeastRecentAndCutsExactCrops() {
        RgbImage a = TestImages.pattern(20, 10, 1), b = TestImages.pattern(20, 10, 2);
        AtomicInteger loads = new AtomicInteger();
        long one = 3 * 20 * 10 + 64; // bytes, not floats
        ImageCache c = new ImageCache(2 * one);
        c.get("a", () -> { loads.incrementAndGet(); return a; });
        c.get("b", () -> { loads.incrementAndGet(); return b; });
        assertEquals(2 * one, c.bytes());
        TestImages.assertSameImage(a, c.get("a", () -> { throw new AssertionError("cached"); }), "hit equals decode");
        c.get("c", () -> { loads.incrementAndGet(); return TestImages.pattern(20, 10, 3); }); // evicts b, the least recent
        c.get("a", () -> { throw new AssertionError("a was used more recently than b"); });
        c.get("b", () -> { loads.incrementAndGet(); return b; });
        assertEquals(4, loads.get());
        assertEquals(2, c.hits());
        assertEquals(4, c.misses());
        TestImages.assertSameImage(a.crop(3, 2, 7, 5), c.stored("a", () -> a).crop(3, 2, 7, 5), "crop from bytes");

        // Values that are not 8-bit levels stay floats, exactly.
        float[] p = a.pixels().clone();
        p[5] = 0.123456f;
        RgbImage odd = new RgbImage(20, 10, p);
        ImageCache f = new ImageCache(1 << 20);
        f.get("odd", () -> odd);
        assertEquals(4L * p.length + 64, f.bytes());
        assertArrayEquals(p, f.get("odd", () -> odd).pixels());

        ImageCache off = new ImageCache(0);
        off.get("a", () -> a);
        off.get("a", () -> { loads.incrementAndGet(); return a; });
        assertEquals(5, loads.get(), "a zero budget caches nothing");
        assertEquals(0, off.bytes());
    }
}
