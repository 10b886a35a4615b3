package org.vlunet.infer;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vlunet.data.RgbImage;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** A tile the device has no memory for is restored in smaller tiles (injected failures: no GPU needed). */
class TileRetryTest {
    static NDManager manager;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    /** Fails as libtorch does on a GPU for inputs above {@code maxPixels}; otherwise the fake network. */
    static final class SmallDevice implements Network {
        final Network net;
        final long maxPixels;
        int failures;

        SmallDevice(Network net, long maxPixels) {
            this.net = net;
            this.maxPixels = maxPixels;
        }

        @Override
        public NDArray apply(NDArray x) {
            NDArray partial = x.mul(2); // something allocated before the failure, freed with the tile's scope
            if (x.getShape().get(2) * x.getShape().get(3) > maxPixels) {
                failures++;
                throw new EngineException("CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 15.77 GiB"
                        + " of which 1.06 GiB is free.\nException raised from malloc at c10/cuda/CUDACachingAllocator.cpp");
            }
            partial.close();
            return net.apply(x);
        }
    }

    static RgbImage restore(Network net, TiledRestorer.Options o, RgbImage img, List<String> notices) {
        try (NDManager sub = manager.newSubManager()) {
            return new TiledRestorer(net, sub, o, notices::add).restore(img);
        }
    }

    @Test
    void aTileOutOfMemoryIsRestoredInHalfTilesBlendedTheSameWay() {
        RgbImage img = TiledRestorerTest.image(200, 136, 11);
        TiledRestorer.Options tiles128 = TiledRestorer.Options.defaults().withTile(128, 32);
        TiledRestorerTest.FakeNet fake = new TiledRestorerTest.FakeNet(3, 8, 12);
        SmallDevice device = new SmallDevice(fake, 64 * 64);
        List<String> notices = new ArrayList<>();
        RgbImage out = restore(device, tiles128, img, notices);

        assertEquals(List.of("out of memory on a 128x128 tile; retrying in 64x64 tiles"), notices, "one line, once");
        assertEquals(1, device.failures, "later tiles go straight to the smaller size");
        assertEquals(64L * 64, fake.largestInput);

        // Exactly what restoring each 128-tile in 64-tiles (overlap capped at 32) and blending the 128-tiles gives.
        TiledRestorer.Options tiles64 = TiledRestorer.Options.defaults().withTile(64, 32);
        Network nested = x -> {
            long h = x.getShape().get(2), w = x.getShape().get(3);
            RgbImage region = new RgbImage((int) w, (int) h, x.toFloatArray());
            RgbImage r = new TiledRestorer(fake, x.getManager(), tiles64).restore(region);
            return x.getManager().create(r.pixels(), new Shape(1, 3, h, w));
        };
        RgbImage expected = restore(nested, tiles128, img, new ArrayList<>());
        assertArrayEquals(expected.pixels(), out.pixels());
        // and, the receptive field being inside the margins, the whole-image result
        assertTrue(TiledRestorerTest.maxDiff(restore(fake, TiledRestorer.Options.defaults(), img, notices), out) < 1e-5);
    }

    @Test
    void aWholeImageOutOfMemoryIsTiledAndSplittingGoesOnUntilItFits() {
        RgbImage img = TiledRestorerTest.image(250, 130, 13); // padded to 256x136, restored whole by default
        TiledRestorerTest.FakeNet fake = new TiledRestorerTest.FakeNet(2, 8, 14);
        SmallDevice device = new SmallDevice(fake, 64 * 64 + 1000);
        List<String> notices = new ArrayList<>();
        RgbImage out = restore(device, TiledRestorer.Options.defaults(), img, notices);
        assertEquals(250, out.width());
        assertEquals(130, out.height());
        assertEquals(List.of("out of memory on a 256x136 tile; retrying in 128x128 tiles",
                "out of memory on a 128x128 tile; retrying in 64x64 tiles"), notices);
        assertTrue(fake.largestInput <= 64 * 64);
        assertTrue(TiledRestorerTest.maxDiff(restore(fake, TiledRestorer.Options.defaults(), img, new ArrayList<>()), out) < 1e-5);
    }

    @Test
    void aDeviceThatFitsNothingStopsWithTheEnginesMessage() {
        SmallDevice device = new SmallDevice(new TiledRestorerTest.FakeNet(1, 8, 1), 0);
        List<String> notices = new ArrayList<>();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> restore(device, TiledRestorer.Options.defaults().withTile(128, 16), TiledRestorerTest.image(128, 128, 1), notices));
        assertTrue(e.getMessage().startsWith("out of memory on a 64x64 tile, too small to split further: CUDA out of memory."), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
        assertEquals(List.of("out of memory on a 128x128 tile; retrying in 64x64 tiles"), notices);
    }

    @Test
    void otherEngineErrorsAreNotRetried() {
        Network broken = x -> {
            throw new EngineException("Expected 4-dimensional input for 4-dimensional weight");
        };
        List<String> notices = new ArrayList<>();
        EngineException e = assertThrows(EngineException.class,
                () -> restore(broken, TiledRestorer.Options.defaults(), TiledRestorerTest.image(64, 64, 1), notices));
        assertTrue(e.getMessage().startsWith("Expected 4-dimensional"));
        assertTrue(notices.isEmpty());
        assertFalse(OutOfMemory.is(new IllegalStateException("tile blend left pixel 3,4 uncovered")));
        assertTrue(OutOfMemory.is(new RuntimeException("wrapped", new EngineException("DefaultCPUAllocator: can't allocate memory: you tried to allocate 9 GB"))));
    }
}
