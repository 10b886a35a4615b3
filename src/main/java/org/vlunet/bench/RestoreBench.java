package org.vlunet.bench;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import org.vlunet.VluNetModel;
import org.vlunet.data.ImageCodec;
import org.vlunet.data.RgbImage;
import org.vlunet.infer.RestoreJob;
import org.vlunet.infer.TiledRestorer;
import org.vlunet.util.PeakMemory;

import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Peak memory and time of {@code restore} on one synthetic photo-sized image: the library path the command takes
 * (checkpoint load with the CPU kernel checks, {@link RestoreJob}: PNG read, conditioning, tiles, PNG write), in this
 * process, so run one image per JVM. Peak resident memory is the kernel's high-water mark (VmHWM) of the process
 * from its start, taken after the image is written; "before" is the high-water mark once the model is loaded.
 *
 * <pre>java -cp target/vlunet.jar org.vlunet.bench.RestoreBench --ckpt FILE --megapixels 4 [--tile 512]
 *     [--tile_overlap 64] [--device cpu|gpu]</pre>
 * Prints one line: {@code restore-bench WxH tile overlap passes seconds peakMB beforeMB}.
 */
public final class RestoreBench {
    private RestoreBench() {}

    public static void main(String[] args) throws IOException {
        Path ckpt = null;
        double megapixels = 1;
        int tile = 512, overlap = 64;
        String device = "cpu";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                System.out.println("options: --ckpt FILE --megapixels X (4:3 image) --tile N (0 = whole) --tile_overlap M --device cpu|gpu|gpu:N");
                return;
            }
            if (i + 1 >= args.length) fail(a + " needs a value");
            String v = args[++i];
            switch (a) {
                case "--ckpt" -> ckpt = Path.of(v);
                case "--megapixels" -> megapixels = Double.parseDouble(v);
                case "--tile" -> tile = Integer.parseInt(v);
                case "--tile_overlap" -> overlap = Integer.parseInt(v);
                case "--device" -> device = v;
                default -> fail("unknown option " + a + " (try --help)");
            }
        }
        if (ckpt == null) fail("--ckpt is required");
        if (!(megapixels > 0 && megapixels <= 100)) fail("--megapixels must be in (0, 100], got " + megapixels);
        int w = (int) Math.round(Math.sqrt(megapixels * 1e6 * 4 / 3)), h = (int) Math.round(w * 3 / 4.0);
        Path dir = Files.createTempDirectory("vlunet-restore-bench");
        try {
            Path input = dir.resolve("photo.png");
            ImageCodec.writePng(photo(w, h, 1), input);
            Device d = device.equals("cpu") ? Device.cpu() : Device.fromName(device);
            try (VluNetModel model = VluNetModel.load(ckpt, null, d)) {
                JniUtils.setGradMode(false);
                long before = PeakMemory.peakMegabytes();
                TiledRestorer.Options opts = new TiledRestorer.Options(TiledRestorer.Options.DEFAULT_MULTIPLE, tile, overlap, 0, 512);
                long t0 = System.nanoTime();
                RestoreJob.Outcome o = new RestoreJob(model, model.manager(), opts, dir.resolve("out"), false)
                        .run(List.of(input), new PrintStream(OutputStream.nullOutputStream()));
                double seconds = (System.nanoTime() - t0) / 1e9;
                if (!o.failed().isEmpty()) fail(o.failed().get(0).message());
                System.out.printf(Locale.ROOT, "restore-bench %dx%d tile %d overlap %d passes %d seconds %.1f peakMB %d beforeMB %d%n",
                        w, h, tile, overlap, o.done().get(0).tiles(), seconds, PeakMemory.peakMegabytes(), before);
            }
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** A smooth scene with fine texture and noise σ 25/255: every tile gets real work, nothing compresses away. */
    static RgbImage photo(int w, int h, long seed) {
        Random r = new Random(seed);
        float[] p = new float[3 * w * h];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v = 0.5 + 0.25 * Math.sin(x * (0.013 + 0.004 * c) + y * 0.009) * Math.cos(y * 0.021 - x * 0.002 * c)
                            + 0.1 * Math.sin(0.4 * x + 0.3 * y) + r.nextGaussian() * 25 / 255.0;
                    p[(c * h + y) * w + x] = (float) Math.min(1, Math.max(0, v));
                }
            }
        }
        return new RgbImage(w, h, p);
    }

    private static void fail(String message) {
        System.err.println("restore-bench: " + message);
        System.exit(2);
    }
}
