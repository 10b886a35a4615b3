package org.vlunet.bench;

import org.vlunet.clip.ClipPreprocessor;
import org.vlunet.data.AuthorsLayout;
import org.vlunet.data.Augment;
import org.vlunet.data.DatasetWriter;
import org.vlunet.data.Degradation;
import org.vlunet.data.Example;
import org.vlunet.data.ImageCache;
import org.vlunet.data.ImageCodec;
import org.vlunet.data.ImagePair;
import org.vlunet.data.Loader;
import org.vlunet.data.RgbImage;
import org.vlunet.data.Rng;
import org.vlunet.data.TrainSampler;
import org.vlunet.data.TrainSet;
import org.vlunet.data.synth.SynthSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Times the training data path (not a test): decode + centre crop + aligned random crop + flip/rotation + CLIP
 * preprocessing, through the {@link Loader} at 0, 1 and 2 workers, without and with the decoded-image cache. By
 * default on a synthetic tree in the authors' layout (PNG photos of {@code --size}); {@code --data_root} and
 * {@code --de_type} time real data instead.
 *
 * <pre>java -cp vlunet.jar org.vlunet.bench.DataBench [--size 481x321] [--images 24] [--batches 40] [--batch 4]
 *      [--patch 128] [--workers 0,1,2] [--data_root DIR --de_type derain dehaze ...]</pre>
 */
public final class DataBench {

    public static void main(String[] args) throws Exception {
        int w = 481, h = 321, images = 24, batches = 40, batch = 4, patch = 128;
        List<Integer> workers = List.of(0, 1, 2);
        Path root = null;
        List<Degradation> classes = new ArrayList<>(List.of(Degradation.DENOISE_25, Degradation.DERAIN, Degradation.DEHAZE));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--size" -> {
                    String[] s = args[++i].split("x");
                    w = Integer.parseInt(s[0]);
                    h = Integer.parseInt(s[1]);
                }
                case "--images" -> images = Integer.parseInt(args[++i]);
                case "--batches" -> batches = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--patch" -> patch = Integer.parseInt(args[++i]);
                case "--workers" -> workers = Stream.of(args[++i].split(",")).map(Integer::parseInt).toList();
                case "--data_root" -> root = Path.of(args[++i]);
                case "--de_type" -> {
                    classes.clear();
                    while (i + 1 < args.length && !args[i + 1].startsWith("--")) classes.add(Degradation.of(args[++i]));
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path tmp = null;
        if (root == null) {
            tmp = Files.createTempDirectory("vlunet-databench-");
            root = tmp.resolve("datasets");
            synthetic(tmp.resolve("photos"), images, w, h);
            List<SynthSpec> specs = classes.stream().map(SynthSpec::of).toList();
            DatasetWriter.write(new DatasetWriter.Options(tmp.resolve("photos"), root, specs, 0, 0, 0, 0,
                    Runtime.getRuntime().availableProcessors(), false), null);
        }
        try {
            TrainSet set = AuthorsLayout.train(root, classes).check();
            System.out.printf(Locale.ROOT, "data: %s%n  %s (%d samples per epoch)%n", tmp != null ? "synthetic " + images
                    + " photos " + w + "x" + h + " PNG" : root, set.summary(), set.size());
            System.out.printf(Locale.ROOT, "cpus: %d, java %s, load average %.1f%n", Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.version"), load());
            stages(set, patch);
            for (boolean cached : new boolean[] {false, true}) {
                for (int n : workers) {
                    ImageCache cache = cached ? new ImageCache(512L << 20) : null;
                    TrainSampler s = new TrainSampler(set, patch, 1, ClipPreprocessor::preprocess, cache);
                    double[] r = run(s, batch, n, batches);
                    System.out.printf(Locale.ROOT, "loader  batch %d patch %d  workers %d  cache %-3s  %7.1f samples/s  %6.1f CPU ms/sample  load %.1f%s%n",
                            batch, patch, n, cached ? "on" : "off", r[0], r[1], load(),
                            cached ? String.format(Locale.ROOT, "  (hits %d, misses %d)", cache.hits(), cache.misses()) : "");
                }
            }
        } finally {
            if (tmp != null) delete(tmp);
        }
    }

    /** Per-stage costs in the caller's thread, ms per sample. */
    private static void stages(TrainSet set, int patch) {
        int n = Math.min(set.distinct().size(), 24);
        double decode = 0, crop = 0, clip = 0;
        for (int rep = 0; rep < 2; rep++) { // first pass warms the JIT
            decode = crop = clip = 0;
            for (int i = 0; i < n; i++) {
                Example e = set.distinct().get(i);
                long t0 = threadCpu();
                ImagePair p = e.load(null);
                long t1 = threadCpu();
                Rng r = Rng.of(i);
                int x0 = r.nextInt(0, p.width() - patch), y0 = r.nextInt(0, p.height() - patch), mode = r.nextInt(1, 7);
                RgbImage d = Augment.apply(p.degraded().crop(x0, y0, patch, patch), mode);
                Augment.apply(p.clean().crop(x0, y0, patch, patch), mode);
                long t2 = threadCpu();
                ClipPreprocessor.preprocess(d);
                long t3 = threadCpu();
                decode += (t1 - t0) / 1e6;
                crop += (t2 - t1) / 1e6;
                clip += (t3 - t2) / 1e6;
            }
        }
        System.out.printf(Locale.ROOT, "stages (CPU ms per sample, one thread): decode pair %.2f, crop+flip %.3f, CLIP preprocess %.2f%n",
                decode / n, crop / n, clip / n);
    }

    /** Samples per second of wall time, and process CPU milliseconds per sample (less sensitive to a busy machine). */
    private static double[] run(TrainSampler s, int batch, int workers, int batches) {
        int warm = Math.max(2, 2 * workers);
        try (Loader l = new Loader(s, batch, workers, 0, 0, Integer.MAX_VALUE)) {
            for (int i = 0; i < warm; i++) l.next();
            long c0 = cpu(), t0 = System.nanoTime();
            for (int i = 0; i < batches; i++) l.next();
            long t1 = System.nanoTime(), c1 = cpu();
            int n = batches * batch;
            return new double[] {n / ((t1 - t0) / 1e9), (c1 - c0) / 1e6 / n};
        }
    }

    private static long threadCpu() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double load() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /** Photo-like PNGs: smooth shapes plus fine texture, so they compress (and decode) like photographs. */
    private static void synthetic(Path dir, int n, int w, int h) {
        for (int k = 0; k < n; k++) {
            Rng r = Rng.of(k, 77);
            float[] p = new float[3 * w * h];
            double fx = r.uniform(0.005, 0.03), fy = r.uniform(0.005, 0.03), ph = r.uniform(0, 6);
            for (int c = 0; c < 3; c++) {
                double base = r.uniform(0.2, 0.7);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        double v = base + 0.25 * Math.sin(fx * x + ph + c) * Math.cos(fy * y - c) + 0.04 * (r.nextDouble() - 0.5);
                        p[(c * h + y) * w + x] = (float) Math.min(1, Math.max(0, v));
                    }
                }
            }
            ImageCodec.writePng(new RgbImage(w, h, p), dir.resolve(String.format(Locale.ROOT, "photo%03d.png", k)));
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private DataBench() {}
}
