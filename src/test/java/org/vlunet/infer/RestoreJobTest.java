package org.vlunet.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlunet.data.ImageCodec;
import org.vlunet.data.RgbImage;

import javax.imageio.ImageIO;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class RestoreJobTest {
    static NDManager manager;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    /** Conditions on the image's mean (like a global degradation feature) and brightens by it. */
    static final class MeanModel implements ImageModel {
        final AtomicInteger conditioned = new AtomicInteger(), forwards = new AtomicInteger();

        @Override
        public Conditioned condition(NDArray image01) {
            conditioned.incrementAndGet();
            NDArray mean = image01.mean(); // kept on the image's manager for all its tiles
            float m = mean.getFloat();
            Network net = x -> {
                forwards.incrementAndGet();
                if (x.getShape().get(2) % 8 != 0 || x.getShape().get(3) % 8 != 0) throw new IllegalArgumentException("not a multiple of 8");
                return x.mul(0.5f).add(mean.mul(0.5f));
            };
            return new Conditioned(net, new Readout(Map.of("dehaze", (double) m, "derain", 1.0 - m), null));
        }

        @Override
        public int sizeMultiple() {
            return 8;
        }
    }

    static String run(RestoreJob job, List<Path> inputs, RestoreJob.Outcome[] result) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        result[0] = job.run(inputs, new PrintStream(b, true));
        return b.toString();
    }

    @Test
    void restoresFilesAndFoldersKeepingSizesAndSkippingBadFiles(@TempDir Path tmp) throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        ImageCodec.writePng(TiledRestorerTest.image(37, 53, 1), in.resolve("a.png"));
        ImageIO.write(ImageCodec.toBuffered(TiledRestorerTest.image(20, 20, 2)), "jpeg", in.resolve("b.jpg").toFile());
        Files.writeString(in.resolve("bad.png"), "not an image");
        ImageCodec.writePng(TiledRestorerTest.image(1, 1, 3), in.resolve("tiny.png"));
        Path single = tmp.resolve("c.bmp");
        ImageIO.write(ImageCodec.toBuffered(TiledRestorerTest.image(9, 17, 4)), "bmp", single.toFile());
        Path out = tmp.resolve("out");
        MeanModel model = new MeanModel();
        RestoreJob job = new RestoreJob(model, manager, TiledRestorer.Options.defaults(), out, false);
        RestoreJob.Outcome[] r = new RestoreJob.Outcome[1];
        String printed = run(job, List.of(in, single, tmp.resolve("missing.png")), r);

        assertEquals(3, r[0].done().size(), printed + r[0].failed());
        assertEquals(List.of(37, 20, 9), r[0].done().stream().map(RestoreJob.Item::width).toList());
        RgbImage a = ImageCodec.read(out.resolve("a.png"));
        assertEquals(37, a.width());
        assertEquals(53, a.height());
        assertEquals(17, ImageCodec.read(out.resolve("c.png")).height());
        assertTrue(printed.contains("read-out: "), printed);
        List<String> failures = r[0].failed().stream().map(f -> f.input().getFileName() + ": " + f.message()).toList();
        assertEquals(3, failures.size(), failures.toString());
        assertTrue(failures.stream().anyMatch(f -> f.startsWith("bad.png") && f.contains("not a readable image")), failures.toString());
        assertTrue(failures.stream().anyMatch(f -> f.startsWith("tiny.png") && f.contains("1x1 is too small")), failures.toString());
        assertTrue(failures.stream().anyMatch(f -> f.startsWith("missing.png") && f.contains("no such file")), failures.toString());
        assertFalse(Files.exists(out.resolve("tiny.png")));

        // Existing outputs are refused, then replaced with --overwrite.
        long before = Files.getLastModifiedTime(out.resolve("a.png")).toMillis();
        run(job, List.of(in.resolve("a.png")), r);
        assertTrue(r[0].done().isEmpty());
        assertTrue(r[0].failed().get(0).message().contains("--overwrite"), r[0].failed().toString());
        assertEquals(before, Files.getLastModifiedTime(out.resolve("a.png")).toMillis());
        run(new RestoreJob(model, manager, TiledRestorer.Options.defaults(), out, true), List.of(in.resolve("a.png")), r);
        assertEquals(1, r[0].done().size());
    }

    @Test
    void recursiveRestoresTheTreeIntoTheSameRelativePaths(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("photos");
        ImageCodec.writePng(TiledRestorerTest.image(16, 16, 1), in.resolve("top.png"));
        ImageCodec.writePng(TiledRestorerTest.image(24, 16, 2), in.resolve("2023/summer/beach.png"));
        ImageCodec.writePng(TiledRestorerTest.image(16, 24, 3), in.resolve("2023/beach.png")); // same stem, other folder
        Path out = in.resolve("restored"); // inside the tree: its files are outputs, never inputs
        ImageCodec.writePng(TiledRestorerTest.image(16, 16, 4), out.resolve("old.png"));
        RestoreJob.Outcome[] r = new RestoreJob.Outcome[1];
        run(new RestoreJob(new MeanModel(), manager, TiledRestorer.Options.defaults(), out, false), List.of(in), r);
        assertEquals(1, r[0].done().size(), "without --recursive, only the folder's own images");
        Files.delete(out.resolve("top.png"));
        run(new RestoreJob(new MeanModel(), manager, TiledRestorer.Options.defaults(), out, false, true), List.of(in), r);
        assertTrue(r[0].failed().isEmpty(), r[0].failed().toString());
        assertEquals(List.of(in.resolve("2023/beach.png"), in.resolve("2023/summer/beach.png"), in.resolve("top.png")),
                r[0].done().stream().map(RestoreJob.Item::input).toList());
        assertEquals(24, ImageCodec.read(out.resolve("2023/summer/beach.png")).width());
        assertEquals(24, ImageCodec.read(out.resolve("2023/beach.png")).height());
        assertTrue(Files.isRegularFile(out.resolve("top.png")));
        assertFalse(Files.exists(out.resolve("restored")), "the output folder was not restored into itself");
        // the library gives the same relative outputs to any caller
        List<RestoreJob.Failure> f = new java.util.ArrayList<>();
        assertEquals(List.of(Path.of("2023/beach.png"), Path.of("2023/summer/beach.png"), Path.of("top.png")),
                RestoreJob.sources(List.of(in), true, out, f).stream().map(RestoreJob.Source::output).toList());
    }

    @Test
    void anExistingOutputFailsAloneAndTheModelRunsOnlyOnTheOthers(@TempDir Path tmp) throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in")), out = tmp.resolve("out");
        for (int i = 0; i < 3; i++) ImageCodec.writePng(TiledRestorerTest.image(16, 16, i), in.resolve(i + ".png"));
        ImageCodec.writePng(TiledRestorerTest.image(16, 16, 9), out.resolve("2.png")); // the last one's output exists
        MeanModel model = new MeanModel();
        RestoreJob.Outcome[] r = new RestoreJob.Outcome[1];
        run(new RestoreJob(model, manager, TiledRestorer.Options.defaults(), out, false), List.of(in), r);
        assertEquals(2, r[0].done().size());
        assertEquals(1, r[0].failed().size());
        assertTrue(r[0].failed().get(0).message().contains("exists"), r[0].failed().toString());
        assertEquals(2, model.conditioned.get(), "the model ran only on the images whose outputs are free");
    }

    /**
     * Under LANG=C the JVM cannot encode a non-ASCII file name: that file fails alone with a message saying so, the
     * later ones are still restored (it aborted the whole batch). A forked JVM, as the locale is fixed at start-up.
     */
    @Test
    void anUnencodableFileNameFailsAloneUnderLangC(@TempDir Path tmp) throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        for (String n : List.of("a.png", "caf\u00e9.png", "z.png")) ImageCodec.writePng(TiledRestorerTest.image(16, 16, n.length()), in.resolve(n));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LangC.class.getName(), in.toString(), tmp.resolve("out").toString());
        pb.environment().put("LANG", "C");
        pb.environment().put("LC_ALL", "C");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals(0, p.waitFor(), output);
        assertTrue(output.contains("encoding ANSI_X3.4-1968"), "the child runs under LANG=C: " + output);
        assertTrue(output.contains("done 2, failed 1"), output);
        assertTrue(output.contains("file-name encoding") && output.contains("LANG=C.UTF-8"), output);
        assertTrue(Files.isRegularFile(tmp.resolve("out/a.png")) && Files.isRegularFile(tmp.resolve("out/z.png")));
    }

    /** The child of {@link #anUnencodableFileNameFailsAloneUnderLangC}: restores args[0] into args[1]. */
    public static final class LangC {
        public static void main(String[] args) {
            System.out.println("encoding " + System.getProperty("sun.jnu.encoding"));
            try (NDManager m = NDManager.newBaseManager()) {
                RestoreJob.Outcome o = new RestoreJob(new MeanModel(), m, TiledRestorer.Options.defaults(), Path.of(args[1]), false)
                        .run(List.of(Path.of(args[0])), System.out);
                System.out.println("done " + o.done().size() + ", failed " + o.failed().size());
                for (RestoreJob.Failure f : o.failed()) System.out.println("failure: " + f.message());
            }
        }
    }

    @Test
    void neverOverwritesInputsEvenWhenAsked(@TempDir Path tmp) throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        ImageCodec.writePng(TiledRestorerTest.image(16, 16, 1), in.resolve("a.png"));
        ImageIO.write(ImageCodec.toBuffered(TiledRestorerTest.image(16, 16, 2)), "bmp", in.resolve("b.bmp").toFile());
        byte[] original = Files.readAllBytes(in.resolve("a.png"));
        RestoreJob.Outcome[] r = new RestoreJob.Outcome[1];
        run(new RestoreJob(new MeanModel(), manager, TiledRestorer.Options.defaults(), in, true), List.of(in), r);
        assertArrayEquals(original, Files.readAllBytes(in.resolve("a.png")));
        assertEquals(1, r[0].failed().size());
        assertTrue(r[0].failed().get(0).message().contains("is an input"), r[0].failed().toString());
        assertEquals(1, r[0].done().size()); // b.bmp -> b.png is not an input
        assertTrue(Files.isRegularFile(in.resolve("b.png")));
    }

    @Test
    void largeImagesAreTiledUnderOneConditioning(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("big.png");
        RgbImage img = TiledRestorerTest.image(70, 50, 5);
        ImageCodec.writePng(img, f);
        MeanModel model = new MeanModel();
        RestoreJob job = new RestoreJob(model, manager, new TiledRestorer.Options(8, 0, 8, 1000, 32), tmp.resolve("o"), false);
        RestoreJob.Outcome[] r = new RestoreJob.Outcome[1];
        String printed = run(job, List.of(f), r);
        assertTrue(r[0].done().get(0).tiled(), printed);
        assertTrue(printed.contains(" tiles)"), printed);
        assertEquals(1, model.conditioned.get());
        assertTrue(model.forwards.get() > 4, "forwards " + model.forwards.get());
        // The model is pointwise under one whole-image mean, so the blended tiles give exactly x/2 + mean/2.
        RgbImage src = ImageCodec.read(f), out = ImageCodec.read(tmp.resolve("o/big.png"));
        assertEquals(70, out.width());
        assertEquals(50, out.height());
        double mean = 0;
        for (float v : src.pixels()) mean += v;
        mean /= src.pixels().length;
        double worst = 0;
        for (int i = 0; i < src.pixels().length; i++) worst = Math.max(worst, Math.abs(out.pixels()[i] - (0.5 * src.pixels()[i] + 0.5 * mean)));
        assertTrue(worst <= 0.5 / 255 + 1e-6, "max deviation " + worst);
    }

    @Test
    void nonFiniteOutputIsAnErrorNotAnImage() {
        ImageModel nan = ImageModel.of(x -> x.mul(Float.NaN), null, 8);
        ImageRestorer r = new ImageRestorer(nan, manager, TiledRestorer.Options.defaults());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> r.restore(new RgbImage(16, 8, new float[3 * 16 * 8])));
        assertTrue(e.getMessage().contains("NaN value(s)"), e.getMessage());
        RgbImage ok = new ImageRestorer(ImageModel.of(x -> x.mul(0.5f), null, 8), manager, TiledRestorer.Options.defaults())
                .restore(new RgbImage(13, 7, new float[3 * 13 * 7])).image();
        assertEquals(13, ok.width());
    }
}
