package org.vlunet.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vlunet.data.RgbImage;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class TiledRestorerTest {
    static NDManager manager;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    /**
     * A local fake network: {@code layers} zero-padded 3x3 convolutions mixing the channels with a smooth
     * non-linearity between, so its receptive radius is {@code layers}. It refuses sides that are not multiples of
     * {@code multiple}, like the real UNet, and records the largest input it saw.
     */
    static final class FakeNet implements Network {
        final int multiple;
        final List<float[]> kernels = new ArrayList<>();
        long largestInput;
        int calls;

        FakeNet(int layers, int multiple, long seed) {
            this.multiple = multiple;
            Random r = new Random(seed);
            for (int l = 0; l < layers; l++) {
                float[] k = new float[3 * 3 * 9];
                for (int i = 0; i < k.length; i++) k[i] = (float) (r.nextGaussian() * 0.2);
                kernels.add(k);
            }
        }

        @Override
        public NDArray apply(NDArray x) {
            long h = x.getShape().get(2), w = x.getShape().get(3);
            if (h % multiple != 0 || w % multiple != 0) throw new IllegalArgumentException("fake net needs multiples of " + multiple + ", got " + x.getShape());
            largestInput = Math.max(largestInput, h * w);
            calls++;
            NDArray y = x;
            for (float[] k : kernels) {
                NDArray kw = x.getManager().create(k, new Shape(3, 3, 3, 3));
                y = Conv2d.conv2d(y, kw, null, new Shape(1, 1), new Shape(1, 1)).singletonOrThrow();
                y = y.tanh().add(x);
            }
            return y;
        }
    }

    static RgbImage image(int w, int h, long seed) {
        Random r = new Random(seed);
        float[] p = new float[3 * w * h];
        for (int c = 0; c < 3; c++) for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
            p[(c * h + y) * w + x] = (float) (0.5 + 0.3 * Math.sin(0.11 * x * (c + 1) + 0.07 * y) + 0.1 * r.nextFloat());
        }
        return new RgbImage(w, h, p);
    }

    static double maxDiff(RgbImage a, RgbImage b) {
        double d = 0;
        for (int i = 0; i < a.pixels().length; i++) d = Math.max(d, Math.abs(a.pixels()[i] - b.pixels()[i]));
        return d;
    }

    @Test
    void oddSizesKeepTheirSize() {
        FakeNet net = new FakeNet(2, 8, 1);
        TiledRestorer r = new TiledRestorer(net, manager, TiledRestorer.Options.defaults());
        RgbImage img = image(37, 53, 2);
        RgbImage out = r.restore(img);
        assertEquals(37, out.width());
        assertEquals(53, out.height());
        // The same as running the net on the reflect-padded image by hand and cropping.
        RgbImage padded = TiledRestorer.reflectPad(img, 40, 56);
        assertEquals(img.get(1, 10, 35), padded.get(1, 10, 37)); // reflection about column 36 without repeating it
        assertEquals(img.get(2, 51, 3), padded.get(2, 53, 3));
        assertEquals(img.get(2, 49, 3), padded.get(2, 55, 3));
        RgbImage whole = new TiledRestorer(net, manager, TiledRestorer.Options.defaults()).restore(padded);
        assertEquals(0.0, maxDiff(out, whole.crop(0, 0, 37, 53)), 0.0);

        RgbImage out16 = new TiledRestorer(new FakeNet(1, 16, 3), manager, TiledRestorer.Options.defaults().withMultiple(16)).restore(img);
        assertEquals(37, out16.width());
        assertEquals(53, out16.height());
    }

    @Test
    void tooSmallImagesAreRefusedClearly() {
        TiledRestorer r = new TiledRestorer(new FakeNet(1, 8, 1), manager, TiledRestorer.Options.defaults());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.restore(image(1, 1, 1)));
        assertTrue(e.getMessage().contains("1x1 is too small") && e.getMessage().contains("at least 5"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> r.restore(image(4, 20, 1)));
        assertEquals(5, r.restore(image(5, 5, 1)).width());
    }

    @Test
    void tiledMatchesUntiledWhenTheOverlapCoversTheReceptiveField() {
        RgbImage img = image(69, 45, 4);
        FakeNet net = new FakeNet(3, 8, 5); // receptive radius 3; margin = overlap/4 = 4
        RgbImage whole = new TiledRestorer(net, manager, TiledRestorer.Options.defaults()).restore(img);
        FakeNet tiledNet = new FakeNet(3, 8, 5);
        TiledRestorer tiler = new TiledRestorer(tiledNet, manager, TiledRestorer.Options.defaults().withTile(32, 16));
        RgbImage tiled = tiler.restore(img);
        assertEquals(tiler.passes(69, 45), tiledNet.calls);
        double d = maxDiff(whole, tiled);
        System.out.printf("tiled (32/16) vs untiled, receptive radius 3, 69x45: max |diff| %.3g over %d tiles%n", d, tiledNet.calls);
        assertTrue(d < 1e-5, "max diff " + d);
        assertTrue(tiledNet.calls > 4);
        assertEquals(32L * 32, tiledNet.largestInput, "memory bounded by the tile");

        // Automatic tiling above the pixel limit gives the same image.
        FakeNet autoNet = new FakeNet(3, 8, 5);
        TiledRestorer auto = new TiledRestorer(autoNet, manager, new TiledRestorer.Options(8, 0, 16, 2000, 40));
        assertEquals(40, auto.tileFor(69, 45));
        assertEquals(0, auto.tileFor(40, 40));
        assertTrue(maxDiff(whole, auto.restore(img)) < 1e-5);
        assertEquals(40L * 40, autoNet.largestInput);
    }

    @Test
    void noSeamsWhenTheReceptiveFieldExceedsTheMargin() {
        RgbImage img = image(64, 48, 6);
        FakeNet net = new FakeNet(6, 8, 7); // radius 6, more than the margin of 4: tiles cannot be exact
        RgbImage whole = new TiledRestorer(net, manager, TiledRestorer.Options.defaults()).restore(img);
        RgbImage blended = new TiledRestorer(net, manager, TiledRestorer.Options.defaults().withTile(32, 16)).restore(img);
        RgbImage abutting = new TiledRestorer(net, manager, TiledRestorer.Options.defaults().withTile(32, 0)).restore(img);
        double jb = maxJump(whole, blended), ja = maxJump(whole, abutting);
        System.out.printf("seam step in (tiled - untiled): blended %.3g, abutting tiles %.3g; blended max |diff| %.3g%n",
                jb, ja, maxDiff(whole, blended));
        assertTrue(ja > 1e-2, "abutting tiles should show a seam, step " + ja);
        assertTrue(jb < ja / 5, "blended step " + jb + " vs abutting " + ja);
    }

    /** Largest step between horizontally or vertically adjacent pixels of the error map (a seam is a step). */
    static double maxJump(RgbImage ref, RgbImage t) {
        int w = ref.width(), h = ref.height();
        double m = 0;
        for (int c = 0; c < 3; c++) for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
            double e = t.get(c, y, x) - ref.get(c, y, x);
            if (x + 1 < w) m = Math.max(m, Math.abs(e - (t.get(c, y, x + 1) - ref.get(c, y, x + 1))));
            if (y + 1 < h) m = Math.max(m, Math.abs(e - (t.get(c, y + 1, x) - ref.get(c, y + 1, x))));
        }
        return m;
    }

    @Test
    void tilePlansCoverEvenlyOnTheGrid() {
        for (int m : new int[] {8, 16}) {
            for (int len = m; len <= 20 * m; len += m) {
                for (int tile = 2 * m; tile <= 8 * m; tile += m) {
                    for (int ov = 0; 2 * ov <= tile; ov += 3) {
                        TilePlan p = new TilePlan(len, tile, ov, m);
                        List<Integer> s = p.starts();
                        assertEquals(0, s.get(0));
                        assertEquals(len, s.get(s.size() - 1) + p.tile());
                        double[] sum = new double[len];
                        for (int k = 0; k < s.size(); k++) {
                            assertEquals(0, s.get(k) % m);
                            if (k > 0) assertTrue(s.get(k - 1) + p.tile() - s.get(k) >= ov, "overlap " + len + "/" + tile + "/" + ov);
                            float[] w = p.weights(k);
                            for (int d = 0; d < p.tile(); d++) sum[s.get(k) + d] += w[d];
                        }
                        for (int i = 0; i < len; i++) assertTrue(sum[i] > 0, "pixel " + i + " uncovered: " + len + "/" + tile + "/" + ov);
                    }
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> TiledRestorer.Options.defaults().withTile(32, 17));
        assertThrows(IllegalArgumentException.class, () -> TiledRestorer.Options.defaults().withTile(4, 0));
    }
}
