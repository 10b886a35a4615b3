package org.vlunet.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.vlunet.Fixtures;
import org.vlunet.data.RgbImage;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.Safetensors;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class MetricsTest {

    /** HWC float32 from the fixture to our CHW image. */
    static RgbImage fromHwc(HostTensor t) {
        long[] s = t.shape();
        int h = (int) s[0], w = (int) s[1];
        float[] hwc = t.toFloats(), chw = new float[hwc.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) chw[(c * h + y) * w + x] = hwc[(y * w + x) * 3 + c];
            }
        }
        return new RgbImage(w, h, chw);
    }

    @Test
    void matchesScikitImageFixture() throws Exception {
        JsonNode expected;
        Map<String, HostTensor> t;
        try (Safetensors st = Fixtures.open("metrics_io.safetensors")) {
            expected = new ObjectMapper().readTree(st.metadata().get("expected"));
        }
        t = Fixtures.readAll("metrics_io.safetensors");
        assertEquals(4, expected.size());
        double worstP = 0, worstS = 0;
        for (int i = 0; i < expected.size(); i++) {
            RgbImage clean = fromHwc(t.get("clean" + i)), restored = fromHwc(t.get("restored" + i));
            Score s = Score.of(restored, clean, MetricOptions.PLAIN);
            double dp = Math.abs(s.psnr() - expected.get(i).get("psnr").asDouble());
            double ds = Math.abs(s.ssim() - expected.get(i).get("ssim").asDouble());
            worstP = Math.max(worstP, dp);
            worstS = Math.max(worstS, ds);
            assertTrue(dp < 1e-4, "pair " + i + " PSNR off by " + dp);
            assertTrue(ds < 1e-5, "pair " + i + " SSIM off by " + ds);
        }
        System.out.printf("metrics fixture: worst |dPSNR| %.3g dB, worst |dSSIM| %.3g%n", worstP, worstS);
    }

    @Test
    void identicalImagesAndSymmetry() {
        RgbImage a = random(20, 17, 1), b = random(20, 17, 2);
        Score same = Score.of(a, a, MetricOptions.PLAIN);
        assertEquals(Double.POSITIVE_INFINITY, same.psnr());
        assertEquals(1.0, same.ssim(), 1e-12);
        Score ab = Score.of(a, b, MetricOptions.PLAIN), ba = Score.of(b, a, MetricOptions.PLAIN);
        assertEquals(ab.psnr(), ba.psnr(), 1e-12);
        assertEquals(ab.ssim(), ba.ssim(), 1e-12);
    }

    @Test
    void ssimAgreesWithDirectWindowSums() {
        RgbImage a = random(23, 19, 3), b = random(23, 19, 4);
        Planes pa = Planes.rgb(a), pb = Planes.rgb(b);
        double direct = 0;
        for (int c = 0; c < 3; c++) direct += naive(pa.channels()[c], pb.channels()[c], 23, 19);
        assertEquals(direct / 3, Ssim.of(pa, pb), 1e-12);
    }

    @Test
    void clampsBeforeScoring() {
        RgbImage clean = random(16, 16, 5);
        float[] p = clean.pixels().clone();
        for (int i = 0; i < p.length; i += 7) p[i] = i % 2 == 0 ? 1.7f : -0.4f;
        RgbImage over = new RgbImage(16, 16, p);
        assertEquals(Score.of(over.clamped(), clean, MetricOptions.PLAIN), Score.of(over, clean, MetricOptions.PLAIN));
    }

    @Test
    void variantsCropAndLabel() {
        RgbImage clean = random(37, 35, 6), restored = random(37, 35, 7);
        assertEquals(32, MetricOptions.AUTHORS.region(clean).width());
        assertEquals(32, MetricOptions.AUTHORS.region(clean).height());
        MetricOptions border = new MetricOptions(false, 4, false);
        assertEquals(29, border.region(clean).width());
        assertEquals(Score.of(restored.crop(4, 4, 29, 27), clean.crop(4, 4, 29, 27), MetricOptions.PLAIN),
                Score.of(restored, clean, border));
        MetricOptions y = new MetricOptions(true, 0, true);
        assertEquals("Y (BT.601), centre crop to 16", y.label());
        // A grey image's luma is the BT.601 studio-range value.
        RgbImage grey = new RgbImage(8, 8, fill(192, 0.5f));
        assertEquals((16 + 0.5 * (65.481 + 128.553 + 24.966)) / 255, Planes.luma(grey).channels()[0][0], 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Score.of(restored, clean.crop(0, 0, 36, 35), MetricOptions.PLAIN));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Score.of(random(6, 9, 1), random(6, 9, 2), MetricOptions.PLAIN));
        assertTrue(e.getMessage().contains("7x7"), e.getMessage());
    }

    static float[] fill(int n, float v) {
        float[] f = new float[n];
        java.util.Arrays.fill(f, v);
        return f;
    }

    static RgbImage random(int w, int h, long seed) {
        Random r = new Random(seed);
        float[] p = new float[3 * w * h];
        for (int i = 0; i < p.length; i++) p[i] = r.nextFloat();
        return new RgbImage(w, h, p);
    }

    private static double naive(double[] x, double[] y, int w, int h) {
        double sum = 0;
        int n = 0;
        for (int cy = 3; cy < h - 3; cy++) {
            for (int cx = 3; cx < w - 3; cx++) {
                double mx = 0, my = 0;
                for (int dy = -3; dy <= 3; dy++) for (int dx = -3; dx <= 3; dx++) {
                    mx += x[(cy + dy) * w + cx + dx];
                    my += y[(cy + dy) * w + cx + dx];
                }
                mx /= 49; my /= 49;
                double vx = 0, vy = 0, vxy = 0;
                for (int dy = -3; dy <= 3; dy++) for (int dx = -3; dx <= 3; dx++) {
                    double a = x[(cy + dy) * w + cx + dx] - mx, b = y[(cy + dy) * w + cx + dx] - my;
                    vx += a * a; vy += b * b; vxy += a * b;
                }
                vx /= 48; vy /= 48; vxy /= 48;
                sum += (2 * mx * my + 1e-4) * (2 * vxy + 9e-4) / ((mx * mx + my * my + 1e-4) * (vx + vy + 9e-4));
                n++;
            }
        }
        return sum / n;
    }
}
