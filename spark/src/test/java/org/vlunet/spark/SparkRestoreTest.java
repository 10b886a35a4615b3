package org.vlunet.spark;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlunet.VluNetModel;
import org.vlunet.infer.RestoreJob;
import org.vlunet.infer.TiledRestorer;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The job on local[2] against the {@code restore} command's library path, with the shipped model and samples. */
class SparkRestoreTest {
    static final Path REPO = Path.of(System.getProperty("vlunet.repo", "..")).toAbsolutePath().normalize();
    static final Path CKPT = REPO.resolve("pretrained_ckpt/vlunet-tiny-nhr.safetensors");
    static final Path SAMPLES = REPO.resolve("datasets/samples");

    static SparkSession spark;
    static VluNetModel model;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("vlunet-spark-test")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate();
        model = VluNetModel.load(CKPT, null, Device.cpu());
        JniUtils.setGradMode(false);
    }

    @AfterAll
    static void stop() {
        if (model != null) model.close();
        if (spark != null) spark.stop();
    }

    static JobOptions job(Path in, Path out, boolean overwrite) {
        return new JobOptions(in.toString(), out.toString(), null, CKPT.toString(), null, "cpu", "*", 0, 64, 1L << 20, overwrite, 0);
    }

    /** What {@code restore} makes of each folder of images under {@code in}, into the same relative folders under {@code out}. */
    static RestoreJob.Outcome restoreFolders(Path in, Path out) throws IOException {
        List<RestoreJob.Item> done = new ArrayList<>();
        List<RestoreJob.Failure> failed = new ArrayList<>();
        List<Path> dirs;
        try (Stream<Path> s = Files.walk(in)) {
            dirs = s.filter(Files::isDirectory).sorted().toList();
        }
        for (Path d : dirs) {
            try (Stream<Path> s = Files.list(d)) {
                if (s.noneMatch(p -> Files.isRegularFile(p) && RestoreJob.isImageName(p.getFileName().toString()))) continue;
            }
            RestoreJob.Outcome o = new RestoreJob(model, model.manager(), TiledRestorer.Options.of(0, 64, 1L << 20),
                    out.resolve(in.relativize(d).toString()), false).run(List.of(d), new PrintStream(OutputStream.nullOutputStream()));
            done.addAll(o.done());
            failed.addAll(o.failed());
        }
        return new RestoreJob.Outcome(done, failed);
    }

    /** Every file under {@code dir} outside the manifest, by relative path. */
    static Map<String, byte[]> files(Path dir) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String rel = dir.relativize(p).toString();
                if (!rel.startsWith("_manifest")) m.put(rel, Files.readAllBytes(p));
            }
        }
        return m;
    }

    /** The manifest's rows by input's local path: {status, error}. */
    static Map<String, String[]> manifest(CollectionRestore.Summary s) {
        Map<String, String[]> m = new HashMap<>();
        for (Row r : spark.read().parquet(s.manifest()).collectAsList()) {
            String local = new org.apache.hadoop.fs.Path(r.getString(r.fieldIndex("path"))).toUri().getPath();
            m.put(local, new String[] {r.getString(r.fieldIndex("status")), r.getString(r.fieldIndex("error")),
                    r.isNullAt(r.fieldIndex("readout")) ? null : r.getString(r.fieldIndex("readout"))});
        }
        return m;
    }

    static void assertSameFiles(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((k, v) -> assertArrayEquals(v, actual.get(k), k + " differs from restore's"));
    }

    @Test
    void samplesEqualRestoreByteForByteAndRerunSkipsAll(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("job"), ref = tmp.resolve("restore");
        CollectionRestore.Summary s = CollectionRestore.run(spark, job(SAMPLES, out, false));
        RestoreJob.Outcome r = restoreFolders(SAMPLES, ref);
        assertTrue(r.done().size() >= 40, "samples restored by restore: " + r.done().size());
        assertTrue(r.failed().isEmpty(), () -> "restore failed: " + r.failed());
        assertEquals(r.done().size(), s.restored());
        assertEquals(0, s.failed());
        assertEquals(s.restored(), s.images());
        Map<String, byte[]> jobFiles = files(out);
        assertSameFiles(files(ref), jobFiles);
        // The read-out is restore's too.
        Map<String, String[]> rows = manifest(s);
        for (RestoreJob.Item it : r.done()) {
            assertEquals(it.readout().summary(), rows.get(it.input().toAbsolutePath().toString())[2], it.input().toString());
        }
        assertTrue(Files.isRegularFile(Path.of(s.summaryFile().replaceFirst("^file:", ""))), "summary JSON written");

        Map<String, FileTime> times = new HashMap<>();
        for (String k : jobFiles.keySet()) times.put(k, Files.getLastModifiedTime(out.resolve(k)));
        CollectionRestore.Summary again = CollectionRestore.run(spark, job(SAMPLES, out, false));
        assertEquals(s.images(), again.skipped());
        assertEquals(0, again.restored());
        assertEquals(0, again.failed());
        for (String[] row : manifest(again).values()) assertEquals(Manifest.SKIPPED, row[0]);
        for (String k : jobFiles.keySet()) assertEquals(times.get(k), Files.getLastModifiedTime(out.resolve(k)), k + " was rewritten");
    }

    @Test
    void oddImagesAreHandledAsRestoreHandlesThem(@TempDir Path tmp) throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in")), out = tmp.resolve("job"), ref = tmp.resolve("restore");
        Random rnd = new Random(7);
        BufferedImage grey = new BufferedImage(37, 29, BufferedImage.TYPE_BYTE_GRAY);
        BufferedImage grey16 = new BufferedImage(30, 26, BufferedImage.TYPE_USHORT_GRAY);
        BufferedImage rgba = new BufferedImage(33, 24, BufferedImage.TYPE_INT_ARGB);
        for (BufferedImage b : List.of(grey, grey16, rgba)) {
            WritableRaster w = b.getRaster();
            int max = b == grey16 ? 65535 : 255;
            for (int y = 0; y < b.getHeight(); y++) {
                for (int x = 0; x < b.getWidth(); x++) {
                    for (int c = 0; c < w.getNumBands(); c++) w.setSample(x, y, c, rnd.nextInt(max + 1));
                }
            }
        }
        ImageIO.write(grey, "png", in.resolve("grey8.png").toFile());
        ImageIO.write(grey16, "png", in.resolve("grey16.png").toFile());
        ImageIO.write(rgba, "png", in.resolve("rgba.png").toFile());
        byte[] corrupt = new byte[300];
        rnd.nextBytes(corrupt);
        System.arraycopy(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10}, 0, corrupt, 0, 8);
        Files.write(in.resolve("corrupt.png"), corrupt);
        Path photo = SAMPLES.resolve("denoising_datasets/CBSD68/noisy25");
        Path first;
        try (Stream<Path> s = Files.list(photo)) {
            first = s.sorted().findFirst().orElseThrow();
        }
        BufferedImage ph = ImageIO.read(first.toFile());
        ImageIO.write(ph, "jpg", in.resolve("photo.jpg").toFile());
        byte[] jpg = Files.readAllBytes(in.resolve("photo.jpg"));
        Files.write(in.resolve("truncated.jpg"), Arrays.copyOf(jpg, jpg.length / 2));
        Files.copy(first, in.resolve("photo.png")); // same stem as photo.jpg: one output, the second input fails
        ImageIO.write(new BufferedImage(3, 3, BufferedImage.TYPE_INT_RGB), "png", in.resolve("tiny.png").toFile());
        Files.writeString(in.resolve("notes.txt"), "not an image, not taken");

        RestoreJob.Outcome r = restoreFolders(in, ref);
        CollectionRestore.Summary s = CollectionRestore.run(spark, job(in, out, false));
        assertSameFiles(files(ref), files(out));
        assertEquals(List.of("grey16.png", "grey8.png", "photo.jpg", "rgba.png"),
                r.done().stream().map(i -> i.input().getFileName().toString()).sorted().toList());
        assertEquals(r.done().size(), s.restored());
        assertEquals(r.failed().size(), s.failed());
        Map<String, String[]> rows = manifest(s);
        assertEquals(8, rows.size(), "notes.txt is not an image");
        for (RestoreJob.Failure f : r.failed()) {
            String[] row = rows.get(f.input().toAbsolutePath().toString());
            assertEquals(Manifest.FAILED, row[0], f.input().toString());
            if (f.message().contains("is already the output of")) { // paths are written differently: file: URIs in the job
                assertTrue(row[1].contains("is already the output of"), row[1]);
                continue;
            }
            String why = f.message().startsWith(f.input().toString()) ? f.message().substring(f.input().toString().length()) : ": " + f.message();
            assertTrue(row[1].endsWith(why), row[1] + " | restore: " + f.message());
        }
        assertEquals(new TreeSet<>(List.of("corrupt.png", "photo.png", "tiny.png", "truncated.jpg")),
                new TreeSet<>(r.failed().stream().map(f -> f.input().getFileName().toString()).toList()));

        // The command: failures are reported and the exit status is 0 unless --fail_on_error.
        String[] args = {"--ckpt", CKPT.toString(), "--device", "cpu", in.toString(), out.toString()};
        assertEquals(0, new CommandLine(new SparkRestore()).execute(args));
        String[] strict = Arrays.copyOf(args, args.length + 1);
        strict[args.length] = "--fail_on_error";
        assertEquals(1, new CommandLine(new SparkRestore()).execute(strict));
        assertFalse(spark.sparkContext().isStopped(), "the command leaves a session it did not make open");
    }

    @Test
    void killedJobThenRerunLeavesOneCorrectFilePerImage(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("in"), out = tmp.resolve("job"), ref = tmp.resolve("restore");
        List<Path> sources = new ArrayList<>();
        for (String set : List.of("denoising_datasets/CBSD68/noisy50", "denoising_datasets/CBSD68/noisy15", "dehazing_datasets/test/hazy",
                "deraining_datasets/Rain100L/test/rainy")) {
            try (Stream<Path> s = Files.list(SAMPLES.resolve(set))) {
                for (Path p : s.sorted().toList()) {
                    Path dst = in.resolve(set.replace('/', '_')).resolve(p.getFileName());
                    Files.createDirectories(dst.getParent());
                    Files.copy(p, dst);
                    sources.add(dst);
                }
            }
        }
        // What a task killed in an earlier run leaves: a temporary file beside where its output would go.
        Path stale = Files.createDirectories(out.resolve("denoising_datasets_CBSD68_noisy50")).resolve(".x.png.0000" + OutputFiles.TEMP_SUFFIX);
        Files.write(stale, new byte[] {1, 2, 3});
        Files.setLastModifiedTime(stale, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));

        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g"));
        cmd.addAll(Arrays.asList(System.getProperty("vlunet.spark.opens", "").trim().split("\\s+")));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), SparkRestore.class.getName(), "--master", "local[1]",
                "--partitions", String.valueOf(sources.size()), "--device", "cpu", "--ckpt", CKPT.toString(), in.toString(), out.toString()));
        Process job = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("killed.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        boolean sawOutput = false;
        while (job.isAlive() && System.nanoTime() < deadline && !sawOutput) {
            Thread.sleep(100);
            try (Stream<Path> s = Files.walk(out)) {
                sawOutput = s.anyMatch(p -> p.getFileName().toString().endsWith(".png"));
            }
        }
        assertTrue(job.isAlive(), () -> "the job ended before it could be killed:\n" + read(tmp.resolve("killed.log")));
        assertTrue(sawOutput, "the job wrote nothing in time");
        job.destroyForcibly().waitFor(60, TimeUnit.SECONDS);
        int before = files(out).size();

        CollectionRestore.Summary s = CollectionRestore.run(spark, job(in, out, false));
        assertEquals(sources.size(), s.images());
        assertEquals(0, s.failed());
        assertTrue(s.skipped() >= 1 && s.restored() >= 1, "restored " + s.restored() + ", skipped " + s.skipped() + " (files before: " + before + ")");
        restoreFolders(in, ref);
        assertSameFiles(files(ref), files(out)); // one PNG per image, no temporary files left, restore's bytes
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void badArgumentsStopBeforeAnyWorkAndLoseNothing(@TempDir Path tmp) throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in"));
        Files.copy(SAMPLES.resolve("dehazing_datasets/test/hazy").toFile().listFiles()[0].toPath(), in.resolve("a.png"));
        assertEquals("input " + tmp.resolve("none") + ": no such folder", assertThrows(IllegalArgumentException.class,
                () -> CollectionRestore.run(spark, job(tmp.resolve("none"), tmp.resolve("out"), false))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CollectionRestore.run(spark, job(in, in.resolve("restored"), false)))
                .getMessage().contains("must not contain one another"));
        JobOptions noCkpt = new JobOptions(in.toString(), tmp.resolve("out").toString(), null, tmp.resolve("no.safetensors").toString(),
                null, "cpu", "*", 0, 64, 1L << 20, false, 0);
        assertEquals("--ckpt " + tmp.resolve("no.safetensors") + ": no such file",
                assertThrows(IllegalArgumentException.class, () -> CollectionRestore.run(spark, noCkpt)).getMessage());
        Path keep = Files.writeString(Files.createDirectories(tmp.resolve("notes")).resolve("keep.txt"), "mine");
        JobOptions intoNotes = new JobOptions(in.toString(), tmp.resolve("out").toString(), keep.getParent().toString(), CKPT.toString(),
                null, "cpu", "*", 0, 64, 1L << 20, false, 0);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CollectionRestore.run(spark, intoNotes)).getMessage()
                .contains("holds keep.txt, not only an earlier manifest"));
        assertEquals("mine", Files.readString(keep));
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new JobOptions(in.toString(), "o", null, CKPT.toString(), null, "cpu",
                "*", 16, 64, 0, false, 0)).getMessage().contains("--tile_overlap 64 must be at most half of the tile"));
    }
}
