package org.vlunet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlunet.data.ImageCodec;
import org.vlunet.data.RgbImage;
import org.vlunet.eval.MetricOptions;
import org.vlunet.eval.Score;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class ScoreCommandTest {

    /** Runs the CLI in-process and returns {exit code, stdout, stderr}. */
    static Object[] run(String... args) {
        CliRun r = CliRun.of(args);
        return new Object[] {r.rc(), r.out(), r.err()};
    }

    static RgbImage noisy(RgbImage base, double sigma, long seed) {
        Random r = new Random(seed);
        float[] p = base.pixels().clone();
        for (int i = 0; i < p.length; i++) p[i] = (float) Math.min(1, Math.max(0, p[i] + sigma * r.nextGaussian()));
        return new RgbImage(base.width(), base.height(), p);
    }

    static RgbImage gradient(int w, int h) {
        float[] p = new float[3 * w * h];
        for (int c = 0; c < 3; c++) for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
            p[(c * h + y) * w + x] = (float) (0.5 + 0.4 * Math.sin(0.3 * x + c) * Math.cos(0.2 * y));
        }
        return new RgbImage(w, h, p);
    }

    @Test
    void scoresMatchedPairsAndReportsProblems(@TempDir Path tmp) throws Exception {
        Path rd = Files.createDirectories(tmp.resolve("restored")), cd = Files.createDirectories(tmp.resolve("clean"));
        RgbImage a = gradient(40, 33), b = gradient(24, 24);
        ImageCodec.writePng(noisy(a, 0.05, 1), rd.resolve("a.png"));
        ImageIO.write(ImageCodec.toBuffered(a), "bmp", cd.resolve("a.bmp").toFile()); // matched by stem
        ImageCodec.writePng(noisy(b, 0.1, 2), rd.resolve("b.png"));
        ImageCodec.writePng(b, cd.resolve("b.png"));
        ImageCodec.writePng(gradient(20, 20), rd.resolve("c.png"));
        ImageCodec.writePng(gradient(20, 21), cd.resolve("c.png"));
        ImageCodec.writePng(b, rd.resolve("d.png"));
        ImageCodec.writePng(b, cd.resolve("e.png"));
        Path json = tmp.resolve("scores.json");

        Object[] r = run("score", "--restored", rd.toString(), "--clean", cd.toString(), "--json", json.toString());
        String out = (String) r[1], err = (String) r[2];
        assertEquals(1, r[0], "size mismatch and missing clean image must fail the run\n" + out + err);
        assertTrue(err.contains("c.png") && err.contains("20x20") && err.contains("20x21"), err);
        assertTrue(err.contains("d.png") && err.contains("no clean image"), err);
        assertTrue(err.contains("e.png") && err.contains("no restoration"), err);
        assertTrue(out.contains("a.png") && out.contains("b.png") && out.contains("mean of 2"), out);

        JsonNode j = new ObjectMapper().readTree(json.toFile());
        assertEquals(2, j.get("images").size());
        Score sa = Score.of(ImageCodec.read(rd.resolve("a.png")), ImageCodec.read(cd.resolve("a.bmp")), MetricOptions.PLAIN);
        Score sb = Score.of(ImageCodec.read(rd.resolve("b.png")), ImageCodec.read(cd.resolve("b.png")), MetricOptions.PLAIN);
        assertEquals(sa.psnr(), j.get("images").get("a.png").get("psnr").asDouble(), 1e-12);
        assertEquals(sb.ssim(), j.get("images").get("b.png").get("ssim").asDouble(), 1e-12);
        assertEquals((sa.psnr() + sb.psnr()) / 2, j.get("mean").get("psnr").asDouble(), 1e-12);
        assertEquals((sa.ssim() + sb.ssim()) / 2, j.get("mean").get("ssim").asDouble(), 1e-12);
        assertTrue(sa.psnr() > 20 && sa.psnr() < 35, "sanity: " + sa);
    }

    @Test
    void optionsChangeTheRegionAndCleanRunsSucceed(@TempDir Path tmp) throws Exception {
        Path rd = Files.createDirectories(tmp.resolve("r")), cd = Files.createDirectories(tmp.resolve("c"));
        RgbImage a = gradient(37, 35);
        ImageCodec.writePng(noisy(a, 0.05, 3), rd.resolve("x.png"));
        ImageCodec.writePng(a, cd.resolve("x.png"));
        Path json = tmp.resolve("s.json");
        Object[] r = run("score", "--restored", rd.toString(), "--clean", cd.toString(), "--json", json.toString(),
                "--y_channel", "--crop16", "--crop_border", "2");
        assertEquals(0, r[0], (String) r[2]);
        assertTrue(((String) r[1]).contains("Y (BT.601), centre crop to 16, border 2"), (String) r[1]);
        assertTrue(((String) r[1]).contains("28x28"), (String) r[1]);
        MetricOptions o = new MetricOptions(true, 2, true);
        Score s = Score.of(ImageCodec.read(rd.resolve("x.png")), ImageCodec.read(cd.resolve("x.png")), o);
        assertEquals(s.psnr(), new ObjectMapper().readTree(json.toFile()).get("images").get("x.png").get("psnr").asDouble(), 1e-12);

        Object[] bad = run("score", "--restored", tmp.resolve("nope").toString(), "--clean", cd.toString());
        assertEquals(1, bad[0]);
        assertTrue(((String) bad[2]).contains("not a folder"), (String) bad[2]);
    }
}
