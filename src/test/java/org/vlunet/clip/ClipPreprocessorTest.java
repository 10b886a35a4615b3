package org.vlunet.clip;

import org.junit.jupiter.api.Test;
import org.vlunet.Fixtures;
import org.vlunet.data.RgbImage;
import org.vlunet.weights.HostTensor;

import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Against torchvision's Resize(224, bicubic, antialias) + CenterCrop + Normalize on float tensors. */
class ClipPreprocessorTest {
    static final Map<String, HostTensor> IO = Fixtures.readAll("clip_preprocess_io.safetensors");

    static RgbImage image(HostTensor t) {
        long[] s = t.shape();
        return new RgbImage((int) s[2], (int) s[1], t.toFloats());
    }

    @Test
    void matchesEveryFixtureCase() {
        int cases = 0;
        for (int i = 0; IO.containsKey("input" + i); i++) {
            RgbImage in = image(IO.get("input" + i));
            float[] got = ClipPreprocessor.preprocess(in);
            float[] want = IO.get("output" + i).toFloats();
            assertEquals(want.length, got.length);
            double max = 0;
            for (int j = 0; j < want.length; j++) max = Math.max(max, Math.abs(got[j] - want[j]));
            System.out.printf("ClipPreprocessorTest case %d (%dx%d): max abs %.3g%n", i, in.width(), in.height(), max);
            assertTrue(max <= 1e-4, "case " + i + " max abs error " + max);
            cases++;
        }
        assertEquals(5, cases);
    }

    /**
     * Shorter sides well above 224, so the resize shrinks and its antialiasing decides the result (the cases above
     * never shrink). Inputs: integer stripe patterns rebuilt here exactly; outputs from torchvision
     * (scripts/fixtures/clip-preprocess-downscale.py).
     */
    @Test
    void matchesTorchvisionWhenDownscaling() {
        Map<String, HostTensor> io = Fixtures.readAll("clip_preprocess_downscale.safetensors");
        int[][] sizes = {{481, 321}, {1280, 720}, {300, 1000}};
        for (int i = 0; i < sizes.length; i++) {
            int w = sizes[i][0], h = sizes[i][1];
            float[] px = new float[3 * h * w];
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) px[(c * h + y) * w + x] = ((x * x * 3 + y * 7 + c * 50 + (x * y) % 17) % 256) / 255f;
                }
            }
            float[] got = ClipPreprocessor.preprocess(new RgbImage(w, h, px));
            float[] want = io.get("output" + i).toFloats();
            assertEquals(want.length, got.length);
            double max = 0;
            for (int j = 0; j < want.length; j++) max = Math.max(max, Math.abs(got[j] - want[j]));
            System.out.printf("ClipPreprocessorTest downscale %dx%d: max abs %.3g%n", w, h, max);
            assertTrue(max <= 1e-4, w + "x" + h + " max abs error " + max);
        }
    }

    @Test
    void weightsAreNormalisedWindows() {
        for (int[] io : new int[][] {{128, 224}, {373, 224}, {224, 224}, {1000, 224}}) {
            ClipPreprocessor.AxisWeights a = ClipPreprocessor.weights(io[0], io[1]);
            for (double[] k : a.weights()) {
                double s = 0;
                for (double v : k) s += v;
                assertEquals(1.0, s, 1e-6);
            }
        }
        // Same size: the identity.
        ClipPreprocessor.AxisWeights id = ClipPreprocessor.weights(224, 224);
        for (int i = 0; i < 224; i++) {
            double[] k = id.weights()[i];
            for (int j = 0; j < k.length; j++) assertEquals(id.start()[i] + j == i ? 1.0 : 0.0, k[j], 0.0);
        }
        assertArrayEquals(new int[] {224, 373}, ClipPreprocessor.resizedSize(150, 250, 224));
        assertArrayEquals(new int[] {300, 224}, ClipPreprocessor.resizedSize(243, 181, 224));
    }

    @Test
    void threadsGetTheSameResult() throws Exception {
        RgbImage in = image(IO.get("input1"));
        float[] ref = ClipPreprocessor.preprocess(in);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> fs = new ArrayList<>();
            for (int i = 0; i < 8; i++) fs.add(pool.submit(() -> ClipPreprocessor.preprocess(in)));
            for (Future<float[]> f : fs) assertArrayEquals(ref, f.get());
        } finally {
            pool.shutdown();
        }
    }
}
