package org.vlunet.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** libtorch's own stderr lines stay out of the output; a child JVM shows what they would be without the guard. */
class EngineNoiseTest {

    @Test
    void preparedEngineLogsErrorsOnlyAndLeavesNnpackOff() {
        CpuKernels.prepare();
        if (System.getenv("TORCH_CPP_LOG_LEVEL") == null) assertEquals(2, EngineNoise.logLevel());
        assertFalse(EngineNoise.nnpackEnabled());
        assertTrue(EngineNoise.describe().contains("NNPACK: off"), EngineNoise.describe());
    }

    @Test
    void childStderrHasNoEngineWarningsOnlyWhenPrepared() throws Exception {
        String raw = child(false, null);
        assertTrue(raw.contains("Warning:"), "without the guard the engine should warn (else this test proves nothing): " + raw);
        String quiet = child(true, null);
        assertFalse(quiet.contains("[W"), quiet);
        String asked = child(true, "WARNING");
        assertTrue(asked.contains("Warning:"), "TORCH_CPP_LOG_LEVEL=WARNING shows the engine's warnings again: " + asked);
    }

    /** Runs {@link Child} and returns its stderr. */
    private static String child(boolean prepare, String level) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-Dai.djl.offline=true", "-Dvlunet.kernel_probe=false",
                "-cp", System.getProperty("java.class.path"), Child.class.getName(), Boolean.toString(prepare)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove("TORCH_CPP_LOG_LEVEL");
        if (level != null) pb.environment().put("TORCH_CPP_LOG_LEVEL", level);
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, p.exitValue(), err);
        return err;
    }

    /** A copy into an array and a convolution, with or without {@link CpuKernels#prepare()} first. */
    public static final class Child {
        public static void main(String[] args) {
            if (Boolean.parseBoolean(args[0])) CpuKernels.prepare();
            try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
                NDArray x = m.randomNormal(new Shape(1, 3, 8, 8));
                NDArray w = m.randomNormal(new Shape(4, 3, 3, 3));
                w.set(new float[4 * 3 * 3 * 3]); // DJL's copy into an array: the deprecation warning
                NDArray y = Conv2d.conv2d(x, w, null, new Shape(1, 1), new Shape(1, 1), new Shape(1, 1), 1).head();
                System.out.println(y.sum().getFloat());
            }
        }
    }
}
