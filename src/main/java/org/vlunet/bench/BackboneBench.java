package org.vlunet.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.cuda.CudaUtils;
import org.vlunet.config.ModelConfig;
import org.vlunet.config.VluNetConfig;
import org.vlunet.model.VluNet;
import org.vlunet.weights.StateDict;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * Times the restoration network alone (no CLIP): forward (no gradients) and forward + L1 loss + backward, in
 * ms per iteration after a warm-up, each iteration in its own NDManager scope. Random weights and inputs.
 *
 * <pre>java -cp target/vlunet.jar org.vlunet.bench.BackboneBench [--config vlunet-nhrbl] [--batch 1]
 *     [--patch 128] [--device cpu|gpu|gpu:N] [--warmup 2] [--iters 5] [--mode forward|train|both] [--threads N]
 *     [--cpu_route default|sse41|native] [--count_ops]</pre>
 */
public final class BackboneBench {
    private BackboneBench() {}

    public static void main(String[] args) {
        String config = "vlunet-nhrbl", mode = "both", device = null;
        int batch = 1, patch = 128, warmup = 2, iters = 5, threads = 0;
        org.vlunet.engine.Route route = null;
        boolean countOps = false, countJni = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                System.out.println("options: --config NAME|FILE --batch N --patch N --device cpu|gpu|gpu:N --warmup N --iters N --mode forward|train|both --threads N (CPU intra-op threads)"
                        + " --cpu_route default|sse41|native (time that CPU convolution route unchecked; results may be wrong)"
                        + " --count_ops (native ops issued by one forward / one forward+backward)"
                        + " --count_jni (calls into the PyTorch JNI per iteration; needs the JniCalls agent, as scripts/bench-backbone.sh --count_jni runs it)");
                return;
            }
            if (a.equals("--count_ops")) {
                countOps = true;
                continue;
            }
            if (a.equals("--count_jni")) {
                countJni = true;
                continue;
            }
            if (i + 1 >= args.length) fail(a + " needs a value");
            String v = args[++i];
            switch (a) {
                case "--config" -> config = v;
                case "--batch" -> batch = positive(a, v);
                case "--patch" -> patch = positive(a, v);
                case "--device" -> device = v;
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--iters" -> iters = positive(a, v);
                case "--threads" -> threads = positive(a, v);
                case "--cpu_route" -> route = cpuRoute(v);
                case "--mode" -> {
                    if (!v.equals("forward") && !v.equals("train") && !v.equals("both")) fail("--mode must be forward, train or both, got " + v);
                    mode = v;
                }
                default -> fail("unknown option " + a + " (try --help)");
            }
        }
        if (threads > 0) { // read once when the engine starts
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        if (countJni && !JniCalls.active()) {
            // the agent rewrites the library class when it loads, which has not happened yet: ask it now
            try {
                Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
            } catch (ClassNotFoundException e) {
                fail("the PyTorch engine is not on the class path");
            }
            if (!JniCalls.active()) fail("--count_jni needs the JNI call counter: run with -javaagent:target/vlunet.jar (scripts/bench-backbone.sh --count_jni does)");
        }
        if (patch % 8 != 0) fail("--patch must be a multiple of 8, got " + patch);
        ModelConfig c = VluNetConfig.load(config).model();
        Device dev = device == null ? Engine.getInstance().defaultDevice() : Device.fromName(device);
        System.out.printf(Locale.ROOT, "config %s %s%nbatch %d, patch %d, device %s, engine %s %s, %d CPUs visible, intra-op threads %s, load average %s%n",
                config, c, batch, patch, dev, Engine.getInstance().getEngineName(), Engine.getInstance().getVersion(),
                Runtime.getRuntime().availableProcessors(), threads > 0 ? threads : "default", loadAverage());
        if (route != null) org.vlunet.engine.CpuKernels.benchmarkUnchecked(route);
        org.vlunet.engine.CpuKernels.prepare();
        System.out.println(org.vlunet.engine.CpuMemory.describe());
        System.out.println("CPU convolution route: " + org.vlunet.engine.CpuKernels.process().route()
                + " (" + org.vlunet.engine.CpuKernels.process().why() + ")");
        try (NDManager base = NDManager.newBaseManager(dev)) {
            VluNet net = new VluNet(c).initialize(base);
            if (!dev.isGpu()) org.vlunet.engine.CpuKernels.verify(net, !mode.equals("forward"));
            System.out.printf(Locale.ROOT, "parameters %,d%n", StateDict.count(net));
            Parameter probe = StateDict.parameters(net).get("patch_embed.proj.weight");
            Shape image = new Shape(batch, 3, patch, patch);
            Shape feature = new Shape(batch, c.degradationDim());
            long gpuPeak = 0;
            if (!mode.equals("train")) {
                for (int i = 0; i < warmup; i++) forward(base, net, image, feature);
                double[] ms = new double[iters];
                long calls = JniCalls.total();
                Map<String, Long> before = JniCalls.byMethod();
                for (int i = 0; i < iters; i++) {
                    long t0 = System.nanoTime();
                    forward(base, net, image, feature);
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                    gpuPeak = Math.max(gpuPeak, gpuUsed(dev));
                }
                calls = JniCalls.total() - calls;
                report("forward", ms, batch);
                if (countJni) jniReport("forward", calls, iters, before);
                if (countOps) {
                    System.out.println("native ops per forward: "
                            + OpCount.during(() -> forward(base, net, image, feature)).describe());
                }
            }
            if (!mode.equals("forward")) {
                for (int i = 0; i < warmup; i++) train(base, net, probe, image, feature);
                double[] ms = new double[iters];
                long calls = JniCalls.total();
                Map<String, Long> before = JniCalls.byMethod();
                for (int i = 0; i < iters; i++) {
                    long t0 = System.nanoTime();
                    train(base, net, probe, image, feature);
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                    gpuPeak = Math.max(gpuPeak, gpuUsed(dev));
                }
                calls = JniCalls.total() - calls;
                report("forward+backward", ms, batch);
                if (countJni) jniReport("forward+backward", calls, iters, before);
                if (countOps) {
                    System.out.println("native ops per forward+backward: "
                            + OpCount.during(() -> train(base, net, probe, image, feature)).describe());
                }
            }
            System.out.printf(Locale.ROOT, "peak RSS %d MiB%s%n", org.vlunet.util.PeakMemory.peakMegabytes(),
                    dev.isGpu() ? String.format(Locale.ROOT, ", GPU memory in use (max sampled) %.0f MiB", gpuPeak / 1048576.0) : "");
        }
    }

    private static org.vlunet.engine.Route cpuRoute(String v) {
        try {
            return org.vlunet.engine.Route.valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            fail("--cpu_route must be default, sse41 or native, got " + v);
            return null;
        }
    }

    private static void forward(NDManager base, VluNet net, Shape image, Shape feature) {
        try (NDManager step = base.newSubManager()) {
            NDArray y = net.forward(step.randomUniform(0f, 1f, image), step.randomNormal(feature));
            y.get(0, 0, 0, 0).getFloat(); // waits for the device
        }
    }

    private static void train(NDManager base, VluNet net, Parameter probe, Shape image, Shape feature) {
        try (NDManager step = base.newSubManager()) {
            NDArray x = step.randomUniform(0f, 1f, image);
            NDArray target = step.randomUniform(0f, 1f, image);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(net.forward(x, step.randomNormal(feature)).sub(target).abs().mean());
            }
            try (NDArray g = probe.getArray().getGradient()) {
                g.get(0, 0, 0, 0).getFloat(); // waits for the device; gradients accumulate, as they may here
            }
        }
    }

    private static void jniReport(String what, long calls, int iters, Map<String, Long> before) {
        System.out.printf(Locale.ROOT, "JNI calls per %s: %,d (%d iters); most per iteration: %s%n", what, calls / iters, iters,
                JniCalls.top(before, JniCalls.byMethod(), 8, iters));
    }

    private static void report(String what, double[] ms, int batch) {
        double[] s = ms.clone();
        Arrays.sort(s);
        double mean = Arrays.stream(ms).average().orElse(0);
        System.out.printf(Locale.ROOT, "%-17s %8.1f ms/iter mean, %8.1f median, %8.1f min (%d iters), %.2f images/s%n",
                what, mean, s[s.length / 2], s[0], ms.length, batch * 1000.0 / mean);
    }

    private static long gpuUsed(Device dev) {
        if (!dev.isGpu()) return 0;
        try {
            return CudaUtils.getGpuMemory(dev).getUsed();
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return 0;
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().split(" ", 4)[0];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static int positive(String name, String v) {
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n <= 0) fail(name + " must be a positive integer, got " + v);
        return n;
    }

    private static void fail(String message) {
        System.err.println("BackboneBench: " + message);
        System.exit(2);
    }
}
