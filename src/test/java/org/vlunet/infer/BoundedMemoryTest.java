package org.vlunet.infer;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.Test;
import org.vlunet.VluNetModel;
import org.vlunet.config.VluNetConfig;
import org.vlunet.data.ImageCodec;
import org.vlunet.util.PeakMemory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Peak memory of a tiled restore depends on the tile and the model, not on the image. In a forked JVM (fixed,
 * pre-touched heap, one engine thread) the tiny VLU-Net restores one tile's worth of image, then, with the peak
 * reset, an image of 12 tiles; the peaks (VmHWM) are compared. No timing.
 */
class BoundedMemoryTest {
    static final int TILE = 128, OVERLAP = 16;

    /** Prints "peaks BASE SMALL BIG TILES": MiB after loading, after the one-tile image, after the big one. */
    public static final class Child {
        public static void main(String[] args) throws IOException {
            Path dir = Files.createTempDirectory("vlunet-bounded-memory");
            Path small = dir.resolve("small.png"), big = dir.resolve("big.png");
            ImageCodec.writePng(TiledRestorerTest.image(TILE, TILE, 3), small);
            ImageCodec.writePng(TiledRestorerTest.image(432, 304, 4), big);
            try (VluNetModel model = VluNetModel.create(VluNetConfig.load("vlunet-tiny-nhr"), Device.cpu())) { // checks the kernels
                JniUtils.setGradMode(false);
                TiledRestorer.Options tiles = new TiledRestorer.Options(8, TILE, OVERLAP, 0, 512);
                PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
                long base = PeakMemory.peakMegabytes();
                RestoreJob.Outcome one = new RestoreJob(model, model.manager(), tiles, dir.resolve("out"), false).run(List.of(small), quiet);
                long peakSmall = PeakMemory.peakMegabytes();
                PeakMemory.resetPeak();
                RestoreJob.Outcome many = new RestoreJob(model, model.manager(), tiles, dir.resolve("out"), false).run(List.of(big), quiet);
                long peakBig = PeakMemory.peakMegabytes();
                if (!one.failed().isEmpty() || !many.failed().isEmpty()) throw new IllegalStateException("restore failed");
                System.out.println("peaks " + base + " " + peakSmall + " " + peakBig + " " + many.done().get(0).tiles());
            }
        }
    }

    @Test
    void peakMemoryDoesNotGrowWithTheImage() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xms160m", "-Xmx160m", "-XX:+AlwaysPreTouch", "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                "-cp", System.getProperty("java.class.path"), Child.class.getName())
                .redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        String text = out.toString(StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("peaks (\\d+) (\\d+) (\\d+) (\\d+)").matcher(text);
        assertTrue(p.exitValue() == 0 && m.find(), "child failed:\n" + text);
        long base = Long.parseLong(m.group(1)), small = Long.parseLong(m.group(2)), big = Long.parseLong(m.group(3));
        int tiles = Integer.parseInt(m.group(4));
        System.out.printf("bounded memory, tile %d: model %d MB, one tile %d MB, %d tiles %d MB%n", TILE, base, small, tiles, big);
        assertEquals(12, tiles);
        assertTrue(big <= small + 48, "peak grew with the image: " + small + " MB for one tile, " + big + " MB for " + tiles);
        // Measured: about 85 MB; 245 MB when the forward kept its intermediates (and the 12-tile peak then grew by 170 MB).
        assertTrue(small - base < 160, "one " + TILE + "-pixel tile took " + (small - base) + " MB over the loaded model");
    }
}
