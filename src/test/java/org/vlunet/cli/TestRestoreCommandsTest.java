package org.vlunet.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlunet.Fixtures;
import org.vlunet.VluNetModel;
import org.vlunet.checkpoint.Provenance;
import org.vlunet.config.VluNetConfig;
import org.vlunet.data.ImageCodec;
import org.vlunet.data.RgbImage;
import org.vlunet.eval.MetricOptions;
import org.vlunet.eval.Score;
import org.vlunet.infer.ImageModel;
import org.vlunet.infer.TiledRestorer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code test} and {@code restore} end to end on a tiny random VLU-Net saved in our format and a tiny task tree. */
class TestRestoreCommandsTest {
    @TempDir
    static Path shared;
    static Path ckpt;
    static VluNetModel model;

    @BeforeAll
    static void tinyCheckpoint() {
        VluNetConfig cfg = VluNetConfig.load(Fixtures.path("e2e_tiny/config.json").toString());
        try (VluNetModel m = VluNetModel.create(cfg, Device.cpu())) {
            ckpt = shared.resolve("tiny.safetensors");
            m.save(ckpt, Provenance.now("test", null, null, null, "tiny random model for the CLI tests"));
        }
        model = VluNetModel.load(ckpt, null, Device.cpu());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static RgbImage picture(int w, int h, long seed, double noise) {
        Random r = new Random(seed);
        float[] p = new float[3 * w * h];
        for (int c = 0; c < 3; c++) for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
            double v = 0.5 + 0.3 * Math.sin(0.2 * x + c + seed) * Math.cos(0.15 * y) + noise * r.nextGaussian();
            p[(c * h + y) * w + x] = (float) Math.min(1, Math.max(0, v));
        }
        return new RgbImage(w, h, p);
    }

    /** datasets/denoising_datasets/CBSD68/{15,25,50}_test_paths.txt, two 40x35 pairs each (scored on 32x32). */
    static Path taskTree(Path root) throws Exception {
        Path base = root.resolve("denoising_datasets/CBSD68");
        for (int s : new int[] {15, 25, 50}) {
            StringBuilder list = new StringBuilder();
            for (int i = 0; i < 2; i++) {
                Path clean = base.resolve("original_png/" + i + ".png"), noisy = base.resolve("noisy" + s + "/" + i + ".png");
                if (!Files.exists(clean)) ImageCodec.writePng(picture(40, 35, i, 0), clean);
                ImageCodec.writePng(picture(40, 35, i, s / 255.0), noisy);
                list.append("./denoising_datasets/CBSD68/noisy").append(s).append('/').append(i).append(".png,")
                        .append("./denoising_datasets/CBSD68/original_png/").append(i).append(".png\n");
            }
            Files.writeString(base.resolve(s + "_test_paths.txt"), list);
        }
        return root;
    }

    @Test
    void testWritesImagesTablesJsonCsvAndReportAndResumes(@TempDir Path tmp) throws Exception {
        Path data = taskTree(tmp.resolve("datasets")), out = tmp.resolve("output");
        // First only one image per set, then --resume does the rest without redoing those.
        Object[] r = ScoreCommandTest.run("test", "--task", "N", "--pretrained_ckpt_path", ckpt.toString(), "--de_dim", "7",
                "--data_root", data.toString(), "--output_path", out.toString(), "--name", "run1", "--max_images", "1");
        String stdout = (String) r[1], stderr = (String) r[2];
        assertEquals(0, r[0], stdout + stderr);
        for (String t : List.of("Denoise15", "Denoise25", "Denoise50")) assertTrue(stdout.contains(t), stdout);
        assertTrue(stdout.contains("input PSNR"), stdout);
        assertTrue(stderr.contains("ETA"), "progress bar: " + stderr);
        Path run = out.resolve("run1/N");
        JsonNode first = new ObjectMapper().readTree(run.resolve("results.json").toFile());
        assertEquals(1, first.get("sets").get(0).get("images").asInt());

        Object[] again = ScoreCommandTest.run("test", "--task", "N", "--ckpt", ckpt.toString(), "--data_root", data.toString(),
                "--output_path", out.toString(), "--name", "run1", "--resume");
        assertEquals(0, again[0], (String) again[2]);
        assertTrue(((String) again[1]).contains("resumed: 3 image(s)"), (String) again[1]);

        RgbImage saved = ImageCodec.read(run.resolve("CBSD68/Denoise25/1.png"));
        assertEquals(32, saved.width());
        assertEquals(32, saved.height());
        JsonNode j = new ObjectMapper().readTree(run.resolve("results.json").toFile());
        assertEquals("N", j.get("task").asText());
        assertEquals("tiny.safetensors", j.get("checkpoint").asText());
        assertEquals(3, j.get("sets").size());
        JsonNode s25 = j.get("sets").get(1);
        assertEquals("CBSD68", s25.get("set").asText());
        assertEquals("Denoise25", s25.get("type").asText());
        assertEquals(2, s25.get("images").asInt());
        JsonNode img = s25.get("images_detail").get(1);
        assertEquals(7, img.get("readout").get("gdm").size());
        double sum = 0;
        for (var it = img.get("readout").get("gdm").elements(); it.hasNext(); ) sum += it.next().asDouble();
        assertEquals(1.0, sum, 1e-5, "GDM read-out is a softmax");
        assertTrue(img.get("readout").has("clip"), "text adapter present: CLIP prompt match recorded");

        // The numbers are the model's: restore the same cropped image directly and score it.
        RgbImage noisy = ImageCodec.read(data.resolve("denoising_datasets/CBSD68/noisy25/1.png")).cropToMultiple(16);
        RgbImage clean = ImageCodec.read(data.resolve("denoising_datasets/CBSD68/original_png/1.png")).cropToMultiple(16);
        Score direct = Score.of(model.restore(noisy, true), clean, MetricOptions.PLAIN);
        assertEquals(direct.psnr(), img.get("psnr").asDouble(), 1e-4);
        assertEquals(direct.ssim(), img.get("ssim").asDouble(), 1e-5);
        assertEquals(Score.of(noisy, clean, MetricOptions.PLAIN).psnr(), img.get("input_psnr").asDouble(), 1e-9);
        double mean = (s25.get("images_detail").get(0).get("psnr").asDouble() + img.get("psnr").asDouble()) / 2;
        assertEquals(mean, s25.get("psnr").asDouble(), 1e-9);

        List<String> csv = Files.readAllLines(run.resolve("results.csv"));
        assertEquals(4, csv.size());
        assertTrue(csv.get(2).startsWith("CBSD68,Denoise25,2,"), csv.toString());
        String html = Files.readString(run.resolve("report.html"));
        assertTrue(html.contains("CBSD68 / Denoise50") && html.contains("thumbs/CBSD68/Denoise15/0.input.jpg"), "report");
    }

    @Test
    void testOnPairedFolders(@TempDir Path tmp) throws Exception {
        Path set = tmp.resolve("MyRain");
        ImageCodec.writePng(picture(33, 40, 7, 0.05), set.resolve("input/a.png"));
        ImageCodec.writePng(picture(33, 40, 7, 0), set.resolve("target/a.png"));
        Object[] r = ScoreCommandTest.run("test", "--pairs", set.toString(), "--ckpt", ckpt.toString(),
                "--output_path", tmp.resolve("out").toString(), "--no_save_images");
        assertEquals(0, r[0], (String) r[2]);
        JsonNode j = new ObjectMapper().readTree(tmp.resolve("out/final_results/MyRain/results.json").toFile());
        assertEquals("MyRain", j.get("sets").get(0).get("set").asText());
        assertEquals("Derain", j.get("sets").get(0).get("type").asText(), "class from the folder name");
        assertEquals(32, j.get("sets").get(0).get("images_detail").get(0).get("height").asInt());
        r = ScoreCommandTest.run("test", "--ckpt", ckpt.toString());
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).contains("--task") && ((String) r[2]).contains("--pairs"), (String) r[2]);
    }

    @Test
    void testRefusesBadInputsInOneLine(@TempDir Path tmp) throws Exception {
        Object[] r = ScoreCommandTest.run("test", "--task", "N", "--ckpt", ckpt.toString(), "--data_root", tmp.toString());
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).contains("_test_paths.txt"), (String) r[2]);
        Path data = taskTree(tmp.resolve("datasets"));
        r = ScoreCommandTest.run("test", "--task", "N", "--ckpt", ckpt.toString(), "--data_root", data.toString(), "--de_dim", "5",
                "--output_path", tmp.resolve("output").toString());
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).contains("--de_dim 5"), (String) r[2]);
        r = ScoreCommandTest.run("test", "--task", "X", "--ckpt", ckpt.toString());
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).contains("unknown task"), (String) r[2]);
    }

    @Test
    void restoreKeepsSizesSkipsBadFilesAndNeverOverwrites(@TempDir Path tmp) throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        ImageCodec.writePng(picture(37, 53, 1, 0.1), in.resolve("odd.png"));
        ImageCodec.writePng(picture(1, 1, 2, 0), in.resolve("dot.png"));
        Files.writeString(in.resolve("broken.png"), "no");
        Path out = tmp.resolve("out");
        Object[] r = ScoreCommandTest.run("restore", "--ckpt", ckpt.toString(), in.toString(), "-o", out.toString());
        String stdout = (String) r[1], stderr = (String) r[2];
        assertEquals(1, r[0], "some inputs failed: " + stdout + stderr);
        RgbImage odd = ImageCodec.read(out.resolve("odd.png"));
        assertEquals(37, odd.width());
        assertEquals(53, odd.height());
        assertTrue(stdout.contains("read-out:"), stdout);
        assertTrue(stderr.contains("dot.png") && stderr.contains("1x1 is too small"), stderr);
        assertTrue(stderr.contains("broken.png"), stderr);
        assertFalse(Files.exists(out.resolve("dot.png")));

        r = ScoreCommandTest.run("restore", "--ckpt", ckpt.toString(), in.resolve("odd.png").toString(), "-o", out.toString());
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).contains("--overwrite"), (String) r[2]);
        r = ScoreCommandTest.run("restore", "--ckpt", ckpt.toString(), in.resolve("odd.png").toString(), "-o", in.toString(), "--overwrite");
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).contains("is an input"), (String) r[2]);
        ImageCodec.writePng(picture(24, 40, 4, 0.1), in.resolve("tall.png"));
        r = ScoreCommandTest.run("restore", "--ckpt", ckpt.toString(), in.resolve("tall.png").toString(), "-o", out.toString(),
                "--tile", "24", "--tile_overlap", "8");
        assertEquals(0, r[0], (String) r[2]);
        assertTrue(((String) r[1]).contains(" tiles)"), (String) r[1]);
    }

    @Test
    void aSecondTestRunOfTheSameNameIsRefusedUnlessResumedOrReplaced(@TempDir Path tmp) throws Exception {
        Path data = taskTree(tmp.resolve("datasets")), out = tmp.resolve("output"), run = out.resolve("twice/N");
        String[] base = {"test", "--task", "N", "--ckpt", ckpt.toString(), "--data_root", data.toString(), "--output_path", out.toString(),
                "--name", "twice"};
        Object[] r = ScoreCommandTest.run(concat(base, "--max_images", "2"));
        assertEquals(0, r[0], (String) r[2]);
        assertTrue(Files.isRegularFile(run.resolve("CBSD68/Denoise15/1.png")));
        byte[] results = Files.readAllBytes(run.resolve("results.json"));
        r = ScoreCommandTest.run(concat(base, "--max_images", "1"));
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).contains("holds an earlier run named 'twice'") && ((String) r[2]).contains("--overwrite"), (String) r[2]);
        assertFalse(((String) r[1]).contains("Denoise15"), "refused before any image: " + r[1]);
        assertArrayEquals(results, Files.readAllBytes(run.resolve("results.json")), "the earlier results are untouched");
        assertEquals(1, ScoreCommandTest.run(concat(base, "--resume", "--overwrite"))[0]);

        Files.writeString(run.resolve("mine.txt"), "a file of the user's");
        r = ScoreCommandTest.run(concat(base, "--max_images", "1", "--overwrite"));
        assertEquals(0, r[0], (String) r[2]);
        assertTrue(Files.isRegularFile(run.resolve("CBSD68/Denoise15/0.png")));
        assertFalse(Files.exists(run.resolve("CBSD68/Denoise15/1.png")), "no stale image of the earlier run");
        assertFalse(Files.exists(run.resolve("thumbs/CBSD68/Denoise15/1.restored.jpg")), "no stale thumbnail");
        assertEquals(1, new ObjectMapper().readTree(run.resolve("results.json").toFile()).get("sets").get(0).get("images").asInt());
        assertTrue(Files.isRegularFile(run.resolve("mine.txt")), "files the run did not write are kept");
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void unwritableOrWrongOutputsFailBeforeAnyWork(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux's /proc, where nothing can be created");
        Path in = Files.createDirectories(tmp.resolve("in"));
        ImageCodec.writePng(picture(24, 24, 1, 0.1), in.resolve("a.png"));
        Object[] r = ScoreCommandTest.run("restore", "--ckpt", ckpt.toString(), in.toString(), "-o", "/proc/vlunet-out");
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).strip().startsWith("vlunet restore: -o /proc/vlunet-out: cannot write in /proc ("), (String) r[2]);
        assertEquals(1, ((String) r[2]).strip().lines().count(), (String) r[2]);
        assertFalse(((String) r[1]).contains("->"), "no image restored: " + r[1]);
        Path file = Files.writeString(tmp.resolve("file"), "x");
        r = ScoreCommandTest.run("restore", "--ckpt", ckpt.toString(), in.toString(), "-o", file.toString());
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).contains(file + ": exists and is not a folder"), (String) r[2]);

        r = ScoreCommandTest.run("test", "--task", "N", "--ckpt", ckpt.toString(), "--data_root", taskTree(tmp.resolve("data")).toString(),
                "--output_path", "/proc/vlunet-out");
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).contains("cannot write in /proc"), (String) r[2]);
        r = ScoreCommandTest.run("convert", ckpt.toString(), "-o", "/proc/vlunet.safetensors");
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).contains("cannot write in /proc"), (String) r[2]);
        r = ScoreCommandTest.run("convert", ckpt.toString(), "-o", tmp.toString());
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).contains("is a folder"), (String) r[2]);
        r = ScoreCommandTest.run("score", "--restored", in.toString(), "--clean", in.toString(), "--json", "/proc/vlunet.json");
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).contains("cannot write in /proc"), (String) r[2]);
        assertFalse(((String) r[1]).contains("PSNR"), "nothing scored: " + r[1]);
        r = ScoreCommandTest.run("score", "--restored", in.toString(), "--clean", in.toString(), "--json", file.toString());
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).contains(file + ": exists (use --overwrite"), (String) r[2]);
        assertEquals("x", Files.readString(file));
        r = ScoreCommandTest.run("datasets", "--input", in.toString(), "--output", "/proc/vlunet-data");
        assertEquals(1, r[0]);
        assertTrue(((String) r[2]).contains("cannot write in /proc"), (String) r[2]);
    }

    /** The tiny checkpoint with its last convolution's weights made NaN, as a broken file would have them. */
    static Path nanCheckpoint(Path dir) throws Exception {
        Path bad = dir.resolve("nan.safetensors");
        java.util.Map<String, org.vlunet.weights.HostTensor> t = new java.util.LinkedHashMap<>(org.vlunet.weights.Safetensors.readAll(ckpt));
        java.util.Map<String, String> meta;
        try (var f = org.vlunet.weights.Safetensors.open(ckpt)) {
            meta = f.metadata();
        }
        long[] shape = t.get("output.weight").shape();
        float[] nan = new float[t.get("output.weight").toFloats().length];
        java.util.Arrays.fill(nan, Float.NaN);
        t.put("output.weight", org.vlunet.weights.HostTensor.ofFloats(shape, nan));
        org.vlunet.weights.Safetensors.write(bad, t, meta);
        return bad;
    }

    @Test
    void nonFiniteOutputIsAnErrorNeverAnImageOrAScore(@TempDir Path tmp) throws Exception {
        Path bad = nanCheckpoint(tmp);
        Path in = Files.createDirectories(tmp.resolve("in")), out = tmp.resolve("out");
        ImageCodec.writePng(picture(40, 32, 1, 0.1), in.resolve("a.png"));
        ImageCodec.writePng(picture(24, 40, 2, 0.1), in.resolve("b.png"));
        Object[] r = ScoreCommandTest.run("restore", "--ckpt", bad.toString(), in.toString(), "-o", out.toString());
        String stderr = (String) r[2];
        assertEquals(1, r[0], stderr);
        assertTrue(stderr.contains("a.png") && stderr.contains("b.png") && stderr.contains("NaN"), stderr);
        assertTrue(((String) r[1]).contains("restored 0 image(s)") && ((String) r[1]).contains("2 failed"), (String) r[1]);
        assertFalse(Files.exists(out.resolve("a.png")) || Files.exists(out.resolve("b.png")), "no black image written");
        // tiled: each tile's output is checked
        r = ScoreCommandTest.run("restore", "--ckpt", bad.toString(), in.resolve("a.png").toString(), "-o", out.toString(),
                "--tile", "24", "--tile_overlap", "8");
        assertEquals(1, r[0], (String) r[2]);
        assertTrue(((String) r[2]).contains("non-finite") || ((String) r[2]).contains("NaN"), (String) r[2]);

        Path data = taskTree(tmp.resolve("datasets")), results = tmp.resolve("output");
        r = ScoreCommandTest.run("test", "--task", "N", "--ckpt", bad.toString(), "--data_root", data.toString(),
                "--output_path", results.toString(), "--name", "nan", "--max_images", "1");
        stderr = (String) r[2];
        assertEquals(1, r[0], stderr);
        assertTrue(stderr.contains("3 image(s) failed") && stderr.contains("NaN"), stderr);
        Path run = results.resolve("nan/N");
        JsonNode j = new ObjectMapper().readTree(run.resolve("results.json").toFile());
        JsonNode s15 = j.get("sets").get(0);
        assertEquals(0, s15.get("images").asInt());
        assertEquals(1, s15.get("failed").asInt());
        assertTrue(s15.get("psnr").isNull() && s15.get("ssim").isNull(), "not computed: " + s15);
        assertEquals(3, j.get("failures").size());
        assertTrue(j.get("failures").get(0).get("error").asText().contains("NaN"), j.get("failures").toString());
        assertFalse(Files.exists(run.resolve("CBSD68/Denoise15/0.png")), "no image of a failed restoration");
        assertTrue(Files.readAllLines(run.resolve("results.csv")).get(1).endsWith(",1"), "failed count in the CSV");
    }

    /** The real network has global (transposed) attention, so tiles cannot be exact; how close they come. */
    @Test
    void tiledAndUntiledRealModelAgreeClosely() {
        RgbImage img = picture(48, 48, 3, 0.08);
        try (NDManager m = model.manager().newSubManager()) {
            ImageModel.Conditioned c = model.condition(m.create(img.pixels(), new Shape(1, 3, 48, 48)));
            RgbImage whole = new TiledRestorer(c.network(), m, TiledRestorer.Options.defaults()).restore(img);
            RgbImage tiled = new TiledRestorer(c.network(), m, TiledRestorer.Options.defaults().withTile(32, 16)).restore(img);
            double max = 0, se = 0;
            for (int i = 0; i < whole.pixels().length; i++) {
                double d = whole.pixels()[i] - tiled.pixels()[i];
                max = Math.max(max, Math.abs(d));
                se += d * d;
            }
            double psnr = 10 * Math.log10(1 / (se / whole.pixels().length));
            System.out.printf("tiny VLU-Net 48x48, 4 tiles 32/16 vs whole: max |diff| %.3g, PSNR between them %.1f dB%n", max, psnr);
            assertTrue(psnr > 30, "tiled vs whole PSNR " + psnr);
        }
    }

    @Test
    void testInTilesScoresTheTiledRestoration(@TempDir Path tmp) throws Exception {
        Path data = taskTree(tmp.resolve("datasets")), out = tmp.resolve("output");
        Object[] r = ScoreCommandTest.run("test", "--task", "N", "--ckpt", ckpt.toString(), "--data_root", data.toString(),
                "--output_path", out.toString(), "--max_images", "1", "--tile", "16", "--tile_overlap", "4");
        assertEquals(0, r[0], (String) r[1] + r[2]);
        assertTrue(((String) r[1]).contains("in tiles of 16 overlapping by 4"), (String) r[1]);
        JsonNode img = new ObjectMapper().readTree(out.resolve("final_results/N/results.json").toFile())
                .get("sets").get(1).get("images_detail").get(0);

        RgbImage noisy = ImageCodec.read(data.resolve("denoising_datasets/CBSD68/noisy25/0.png")).cropToMultiple(16);
        RgbImage clean = ImageCodec.read(data.resolve("denoising_datasets/CBSD68/original_png/0.png")).cropToMultiple(16);
        try (NDManager m = model.manager().newSubManager()) {
            ImageModel.Conditioned c = model.condition(noisy, m);
            RgbImage tiled = new TiledRestorer(c.network(), m, TiledRestorer.Options.defaults().withMaxPixels(0).withTile(16, 4)).restore(noisy);
            assertEquals(Score.of(tiled.clamped(), clean, MetricOptions.PLAIN).psnr(), img.get("psnr").asDouble(), 1e-4);
            double whole = Score.of(model.restore(noisy, true), clean, MetricOptions.PLAIN).psnr();
            assertNotEquals(whole, img.get("psnr").asDouble(), 1e-6, "4 tiles of 16 are not the whole 32x32 image");
        }

        Object[] bad = ScoreCommandTest.run("test", "--task", "N", "--ckpt", ckpt.toString(), "--data_root", data.toString(),
                "--output_path", out.toString(), "--name", "bad", "--tile", "16", "--tile_overlap", "9");
        assertNotEquals(0, bad[0]);
        assertTrue(((String) bad[2]).contains("--tile_overlap 9 must be at most half of the tile (16)"), (String) bad[2]);
    }
}
