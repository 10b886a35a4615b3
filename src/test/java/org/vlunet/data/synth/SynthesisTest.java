package org.vlunet.data.synth;

import org.junit.jupiter.api.Test;
import org.vlunet.data.Degradation;
import org.vlunet.data.RgbImage;
import org.vlunet.data.TestImages;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SynthesisTest {
    private static final RgbImage IMG = TestImages.pattern(64, 48, 3);

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) s += x;
        return s / v.length;
    }

    private static void deterministic(java.util.function.LongFunction<RgbImage> f) {
        assertArrayEquals(f.apply(1).pixels(), f.apply(1).pixels(), "same seed, same image");
        assertFalse(Arrays.equals(f.apply(1).pixels(), f.apply(2).pixels()), "another seed, another image");
    }

    @Test
    void gaussianNoiseIsTheAuthorsFormula() {
        RgbImage grey = TestImages.flat(96, 96, 128 / 255f, 128 / 255f, 128 / 255f);
        for (double sigma : new double[] {15, 25, 50}) {
            float[] y = GaussianNoise.apply(grey, sigma, 7).pixels();
            double s = 0, m = 0;
            for (float v : y) m += v * 255 - 128;
            m /= y.length;
            for (float v : y) s += (v * 255 - 128 - m) * (v * 255 - 128 - m);
            double sd = Math.sqrt(s / (y.length - 1));
            assertEquals(sigma, sd, 0.05 * sigma, "noise std for sigma " + sigma);
            for (float v : y) assertEquals(Math.rint(v * 255), v * 255, 1e-3, "8-bit values");
        }
        // uint8() truncates: a tiny sigma only ever moves a value down by one level or keeps it.
        float[] x = IMG.pixels(), t = GaussianNoise.apply(IMG, 0.2, 5).pixels();
        int down = 0;
        for (int i = 0; i < x.length; i++) {
            int d = Math.round(t[i] * 255) - Math.round(x[i] * 255);
            assertTrue(d == 0 || d == -1, "difference " + d);
            if (d == -1) down++;
        }
        assertTrue(down > x.length / 4 && down < 3 * x.length / 4, "about half the values truncate down: " + down);
        assertArrayEquals(x, GaussianNoise.apply(IMG, 0, 5).pixels());
        // clipped to [0, 255]
        float[] c = GaussianNoise.apply(TestImages.flat(32, 32, 0, 1, 0.5f), 50, 1).pixels();
        for (float v : c) assertTrue(v >= 0 && v <= 1);
        int zeros = 0, full = 0;
        for (int i = 0; i < 1024; i++) { if (c[i] == 0) zeros++; if (c[1024 + i] == 1) full++; }
        assertTrue(zeros > 450 && full > 450, "half the noise is clipped away at 0 and 255: " + zeros + ", " + full);
        deterministic(seed -> GaussianNoise.apply(IMG, 25, seed));
    }

    @Test
    void rainAddsBrightThinStreaks() {
        RainStreaks.Params p = new RainStreaks.Params(2, 10, 30, 0, 0, 1, 0.5, 0.9);
        RgbImage rainy = RainStreaks.apply(IMG, p, 9);
        float[] x = IMG.pixels(), y = rainy.pixels();
        int changed = 0;
        for (int i = 0; i < x.length; i++) {
            assertTrue(y[i] >= x[i] - 0.5f / 255, "rain only brightens");
            if (y[i] > x[i] + 2f / 255) changed++;
        }
        double frac = changed / (double) x.length;
        assertTrue(frac > 0.01 && frac < 0.35, "streaks cover a small part: " + frac);
        // Vertical streaks: the streak layer correlates along the columns far more than across them.
        float[] s = RainStreaks.streakLayer(64, 48, p, 9);
        double along = 0, across = 0;
        for (int yy = 0; yy < 46; yy++) {
            for (int xx = 0; xx < 62; xx++) {
                along += s[yy * 64 + xx] * s[(yy + 2) * 64 + xx];
                across += s[yy * 64 + xx] * s[yy * 64 + xx + 2];
            }
        }
        assertTrue(along > 5 * across, "thin streaks along the rain direction: along " + along + " across " + across);
        double d = mean(y) - mean(x);
        assertTrue(d > 0.002, "brighter on average: " + d);
        deterministic(seed -> RainStreaks.apply(IMG, p, seed));
    }

    @Test
    void hazeBrightensDarkRegionsTowardsTheAirlight() {
        Haze.Params p = new Haze.Params(0.1, new double[] {0.9, 0.9, 0.9}, 10);
        RgbImage dark = TestImages.flat(40, 40, 0.05f, 0.1f, 0.2f);
        float[] x = IMG.pixels(), y = Haze.apply(IMG, p, null, 4).pixels();
        for (int i = 0; i < x.length; i++) {
            double a = 0.9;
            assertTrue(Math.abs(y[i] - a) <= Math.abs(x[i] - a) + 0.51 / 255, "closer to A");
            assertTrue((y[i] - x[i]) * (a - x[i]) >= -0.51 / 255 * Math.abs(a - x[i]) - 1e-7, "moves towards A, never past");
        }
        float[] dy = Haze.apply(dark, p, null, 4).pixels();
        float[] dx = dark.pixels();
        for (int i = 0; i < dy.length; i++) assertTrue(dy[i] > dx[i] + 0.05f, "dark regions brighten");
        // Supplied depth: the far half is hazier.
        float[] depth = new float[40 * 40];
        for (int i = 0; i < depth.length; i++) depth[i] = (i % 40) < 20 ? 1 : 20;
        float[] h = Haze.apply(dark, p, depth, 0).pixels();
        double t = Math.exp(-0.1 * 20);
        assertEquals(0.05 * t + 0.9 * (1 - t), h[39], 0.5 / 255 + 1e-6);
        assertEquals(0.05 * Math.exp(-0.1) + 0.9 * (1 - Math.exp(-0.1)), h[0], 0.5 / 255 + 1e-6);
        // Pseudo-depth: the top of a flat frame is farther than the bottom.
        float[] pd = Haze.pseudoDepth(dark, 10, 3);
        assertTrue(pd[0] > pd[39 * 40], "top farther");
        for (float v : pd) assertTrue(v >= 1 - 1e-5 && v <= 10 + 1e-5);
        deterministic(seed -> Haze.apply(IMG, p, null, seed));
    }

    @Test
    void blurPreservesMeanAndSmooths() {
        for (Blur.Params p : new Blur.Params[] {new Blur.Params("linear", 11, 30), new Blur.Params("curved", 15, 0),
                new Blur.Params("defocus", 3.5, 0)}) {
            BlurKernel k = p.kernel(2);
            double sum = 0;
            for (float v : k.weights) sum += v;
            assertEquals(1, sum, 1e-5);
            RgbImage b = Blur.apply(IMG, k);
            assertEquals(mean(IMG.pixels()), mean(b.pixels()), 2e-3, p.kind() + " keeps the mean");
            assertTrue(gradientEnergy(b) < 0.6 * gradientEnergy(IMG), p.kind() + " smooths");
        }
        // A horizontal motion leaves horizontal stripes alone and smears vertical ones.
        RgbImage rows = stripes(true), cols = stripes(false);
        BlurKernel h = BlurKernel.linear(9, 0);
        assertArrayEquals(rows.pixels(), Blur.apply(rows, h).pixels(), 1e-6f);
        assertTrue(gradientEnergy(Blur.apply(cols, h)) < 0.2 * gradientEnergy(cols));
        deterministic(seed -> Blur.apply(IMG, new Blur.Params("curved", 15, 10), seed));
    }

    private static RgbImage stripes(boolean horizontal) {
        float[] p = new float[3 * 32 * 32];
        for (int c = 0; c < 3; c++) for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) {
            p[(c * 32 + y) * 32 + x] = ((horizontal ? y : x) / 2) % 2 == 0 ? 0.2f : 0.8f;
        }
        return new RgbImage(32, 32, p);
    }

    private static double gradientEnergy(RgbImage img) {
        double e = 0;
        int w = img.width(), h = img.height();
        for (int c = 0; c < 3; c++) for (int y = 0; y < h - 1; y++) for (int x = 0; x < w - 1; x++) {
            double v = img.get(c, y, x);
            e += Math.pow(img.get(c, y, x + 1) - v, 2) + Math.pow(img.get(c, y + 1, x) - v, 2);
        }
        return e;
    }

    @Test
    void lowLightDarkensWithSignalDependentNoise() {
        float[] x = IMG.pixels();
        float[] y = LowLight.apply(IMG, new LowLight.Params(0.3, 2, 0.002, 0.004), 1).pixels();
        assertTrue(mean(y) < 0.4 * mean(x), "darker: " + mean(y) + " vs " + mean(x));
        float[] clean = LowLight.apply(IMG, new LowLight.Params(0.3, 2, 0, 0), 1).pixels();
        for (int i = 0; i < x.length; i++) {
            assertTrue(clean[i] <= x[i] + 0.5f / 255);
            assertEquals(0.3 * x[i] * x[i], clean[i], 0.5 / 255 + 1e-6);
        }
        LowLight.Params noisy = new LowLight.Params(1, 1, 0.01, 0.002);
        double darkSd = sd(LowLight.apply(TestImages.flat(64, 64, 0.05f, 0.05f, 0.05f), noisy, 3).pixels());
        double brightSd = sd(LowLight.apply(TestImages.flat(64, 64, 0.6f, 0.6f, 0.6f), noisy, 3).pixels());
        assertEquals(Math.sqrt(0.01 * 0.6 + 0.002 * 0.002), brightSd, 0.1 * brightSd);
        assertTrue(brightSd > 2.5 * darkSd, "noise grows with the signal: " + darkSd + " vs " + brightSd);
        deterministic(seed -> LowLight.apply(IMG, new LowLight.Params(0.3, 2, 0.002, 0.004), seed));
    }

    private static double sd(float[] v) {
        double m = mean(v), s = 0;
        for (float x : v) s += (x - m) * (x - m);
        return Math.sqrt(s / (v.length - 1));
    }

    @Test
    void specsParseDrawAndRecordTheirParameters() {
        SynthSpec s = SynthSpec.parse("dehaze: beta=0.1 , A=0.85");
        assertEquals("dehaze:A=0.85,beta=0.1", s.toString());
        SynthSpec.Result r = s.synthesize(IMG, 5);
        assertEquals(0.1, (double) r.params().get("beta"));
        assertEquals(0.85, (double) r.params().get("A"));
        assertEquals(10.0, (double) r.params().get("depth_max"));
        for (Degradation d : Degradation.values()) {
            SynthSpec sp = SynthSpec.of(d);
            SynthSpec.Result a = sp.synthesize(IMG, 11), b = sp.synthesize(IMG, 11), c = sp.synthesize(IMG, 12);
            assertArrayEquals(a.image().pixels(), b.image().pixels(), d.key);
            assertEquals(a.params(), b.params());
            assertFalse(Arrays.equals(a.image().pixels(), c.image().pixels()), d.key);
            for (float v : a.image().pixels()) assertEquals(Math.rint(v * 255), v * 255, 1e-3, "8-bit " + d.key);
        }
        assertEquals(Map.of("sigma", 25.0), SynthSpec.of(Degradation.DENOISE_25).synthesize(IMG, 0).params());
        assertEquals(30.0, SynthSpec.parse("denoise_15:sigma=30").synthesize(IMG, 0).params().get("sigma"));
        assertEquals("defocus", SynthSpec.parse("deblur:kind=defocus").synthesize(IMG, 3).params().get("kind"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SynthSpec.parse("derain:speed=3"));
        assertEquals("unknown parameter 'speed' for derain (known: density, length_min, length_max, angle, angle_spread, width, "
                + "intensity_min, intensity_max)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SynthSpec.parse("dehaze:beta=-1"));
        assertThrows(IllegalArgumentException.class, () -> SynthSpec.parse("dehaze:beta=x"));
        assertThrows(IllegalArgumentException.class, () -> SynthSpec.parse("deblur:kind=wobble"));
        assertThrows(IllegalArgumentException.class, () -> SynthSpec.parse("desnow"));
    }
}
