package org.vlunet.eval;

import org.vlunet.infer.Readout;
import org.vlunet.infer.ReadoutProbe;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlunet.data.Degradation;
import org.vlunet.data.ImageCodec;
import org.vlunet.data.PairEntry;
import org.vlunet.data.TestSet;
import org.vlunet.data.RgbImage;
import org.vlunet.infer.ImageModel;
import org.vlunet.infer.Network;
import org.vlunet.infer.TiledRestorer;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class EvaluatorTest {
    static NDManager manager;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    /** Pulls values towards the clean pictures' mid-grey a little: a "restoration" that changes PSNR measurably. */
    static NDArray shrink(NDArray x) {
        return x.mul(0.8f).add(0.1f);
    }

    static ReadoutProbe probe() {
        return batch -> {
            double mean = batch.mean().getFloat();
            Map<String, Double> g = new LinkedHashMap<>();
            g.put("denoise_25", mean);
            g.put("derain", 1 - mean);
            return new Readout(g, null);
        };
    }

    /** A tiny task tree: two sets, pairs 40x36 (cropped to 32x32 for the metrics). */
    static List<TestSet> sets(Path root) {
        List<TestSet> sets = new ArrayList<>();
        String[][] spec = {{"CBSD68", "Denoise25", "3"}, {"Rain100L", "Derain", "2"}};
        int seed = 10;
        for (String[] s : spec) {
            List<PairEntry> pairs = new ArrayList<>();
            Degradation deg = s[1].equals("Derain") ? Degradation.DERAIN : Degradation.DENOISE_25;
            for (int i = 0; i < Integer.parseInt(s[2]); i++, seed++) {
                Path d = root.resolve(s[0]).resolve("degraded").resolve("p" + i + ".png");
                Path c = root.resolve(s[0]).resolve("clean").resolve("p" + i + ".png");
                ImageCodec.writePng(ReportBrowserTest.picture(40, 36, seed, 0.1), d);
                ImageCodec.writePng(ReportBrowserTest.picture(40, 36, seed, 0), c);
                pairs.add(new PairEntry(d, c, deg, null, 0));
            }
            sets.add(new TestSet(s[0], s[1], deg, pairs));
        }
        return sets;
    }

    static Evaluator evaluator(Network net, Path out, boolean resume, String ckpt) {
        return new Evaluator(ImageModel.of(net, probe(), 8), manager, TiledRestorer.Options.defaults(),
                new Evaluator.Options(out, "NR", ckpt, MetricOptions.PLAIN, true, 0, resume), new PrintStream(new ByteArrayOutputStream()));
    }

    @Test
    void writesImagesTablesJsonCsvAndReport(@TempDir Path tmp) throws Exception {
        List<TestSet> sets = sets(tmp.resolve("data"));
        Path out = tmp.resolve("output");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Evaluator ev = new Evaluator(ImageModel.of(EvaluatorTest::shrink, probe(), 8), manager, TiledRestorer.Options.defaults(),
                new Evaluator.Options(out, "NR", "tiny.ckpt", MetricOptions.PLAIN, true, 0, false), new PrintStream(printed));
        Evaluator.Outcome o = ev.run(sets);
        assertTrue(o.failures().isEmpty(), o.failures().toString());
        String table = printed.toString();
        assertTrue(table.contains("CBSD68") && table.contains("Derain") && table.contains("input PSNR"), table);

        Path restored = out.resolve("CBSD68/Denoise25/p1.png");
        RgbImage r = ImageCodec.read(restored);
        assertEquals(32, r.width());
        assertEquals(32, r.height());

        JsonNode j = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertEquals("NR", j.get("task").asText());
        assertEquals("tiny.ckpt", j.get("checkpoint").asText());
        assertEquals(2, j.get("sets").size());
        JsonNode s0 = j.get("sets").get(0);
        assertEquals("CBSD68", s0.get("set").asText());
        assertEquals("Denoise25", s0.get("type").asText());
        assertEquals(3, s0.get("images").asInt());
        // Independent recomputation: centre crop to 16, restore, clamp, score.
        double sum = 0;
        for (int i = 0; i < 3; i++) {
            PairEntry p = (PairEntry) sets.get(0).pairs().get(i);
            RgbImage d = ImageCodec.read(p.degraded()).cropToMultiple(16), c = ImageCodec.read(p.clean()).cropToMultiple(16);
            float[] px = d.pixels().clone();
            for (int k = 0; k < px.length; k++) px[k] = px[k] * 0.8f + 0.1f;
            Score sc = Score.of(new RgbImage(32, 32, px), c, MetricOptions.PLAIN);
            JsonNode e = s0.get("images_detail").get(i);
            assertEquals(sc.psnr(), e.get("psnr").asDouble(), 1e-9);
            assertEquals(sc.ssim(), e.get("ssim").asDouble(), 1e-9);
            assertEquals(Score.of(d, c, MetricOptions.PLAIN).psnr(), e.get("input_psnr").asDouble(), 1e-9);
            assertTrue(e.get("readout").get("gdm").has("derain"));
            sum += sc.psnr();
        }
        assertEquals(sum / 3, s0.get("psnr").asDouble(), 1e-9);
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertEquals("set,type,images,psnr,ssim,input_psnr,input_ssim,failed", csv.get(0));
        assertEquals(3, csv.size());
        assertTrue(csv.get(2).startsWith("Rain100L,Derain,2,"));
        assertEquals(6, Files.readAllLines(out.resolve("results_images.csv")).size());
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("Rain100L / Derain") && html.contains("thumbs/CBSD68/Denoise25/p0.restored.jpg"));
        assertTrue(Files.isRegularFile(out.resolve("thumbs/Rain100L/Derain/p1.clean.jpg")));
    }

    static final class Crash extends Error {
        Crash() {
            super("simulated crash");
        }
    }

    @Test
    void crashLosesNothingAndResumeSkipsDoneImages(@TempDir Path tmp) throws Exception {
        List<TestSet> sets = sets(tmp.resolve("data"));
        Path full = tmp.resolve("full"), out = tmp.resolve("out");
        evaluator(EvaluatorTest::shrink, full, false, "tiny.ckpt").run(sets);

        AtomicInteger calls = new AtomicInteger();
        Network crashing = x -> {
            if (calls.incrementAndGet() > 4) throw new Crash();
            return shrink(x);
        };
        assertThrows(Crash.class, () -> evaluator(crashing, out, false, "tiny.ckpt").run(sets));
        // The 4 finished images are in the log, the first set's summary is on disk.
        assertEquals(1 + 4, Files.readAllLines(out.resolve(Evaluator.LOG)).size());
        assertEquals(1, new ObjectMapper().readTree(out.resolve("results.json").toFile()).get("sets").size());
        // A half-written line from the crash is tolerated.
        Files.writeString(out.resolve(Evaluator.LOG), "{\"set\":\"Rain", java.nio.file.StandardOpenOption.APPEND);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> evaluator(EvaluatorTest::shrink, out, true, "other.ckpt").run(sets));
        assertTrue(e.getMessage().contains("checkpoint"), e.getMessage());

        AtomicInteger resumed = new AtomicInteger();
        Evaluator.Outcome o = evaluator(x -> {
            resumed.incrementAndGet();
            return shrink(x);
        }, out, true, "tiny.ckpt").run(sets);
        assertEquals(1, resumed.get(), "only the image not yet done is restored");
        assertEquals(4, o.skipped());
        JsonNode a = new ObjectMapper().readTree(full.resolve("results.json").toFile());
        JsonNode b = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        for (int i = 0; i < 2; i++) {
            assertEquals(a.get("sets").get(i).get("psnr").asDouble(), b.get("sets").get(i).get("psnr").asDouble(), 1e-12);
            assertEquals(a.get("sets").get(i).get("ssim").asDouble(), b.get("sets").get(i).get("ssim").asDouble(), 1e-12);
        }
    }

    @Test
    void badPairsAreReportedAndMaxImagesLimits(@TempDir Path tmp) throws Exception {
        List<TestSet> sets = sets(tmp.resolve("data"));
        Files.delete(((PairEntry) sets.get(1).pairs().get(0)).clean());
        Path out = tmp.resolve("out");
        Evaluator.Outcome o = new Evaluator(ImageModel.of(EvaluatorTest::shrink, null, 8), manager, TiledRestorer.Options.defaults(),
                new Evaluator.Options(out, "NR", "tiny.ckpt", MetricOptions.PLAIN, false, 2, false),
                new PrintStream(new ByteArrayOutputStream())).run(sets);
        assertEquals(1, o.failures().size());
        assertTrue(o.failures().get(0).message().contains("no such image file"), o.failures().get(0).message());
        assertEquals(2, o.sets().get(0).images().size());
        assertEquals(1, o.sets().get(1).images().size());
        assertFalse(Files.exists(out.resolve("CBSD68/Denoise25/p0.png")), "--no_save_images");
        assertNull(o.sets().get(0).images().get(0).readout());
    }
}
