package org.vlunet.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.vlunet.config.VluNetConfig;
import org.vlunet.model.VluNet;
import org.vlunet.train.AdamW;
import org.vlunet.train.DataParallel;
import org.vlunet.train.FeatureSource;
import org.vlunet.train.Gradients;
import org.vlunet.train.TrainBatch;
import org.vlunet.weights.StateDict;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Times the training step (not a test): forward, L1 loss, backward and the AdamW update of VLU-Net on a fixed
 * random batch, after warm-up steps. Prints ms/step (and the optimizer's share), samples/s and peak memory
 * (GPU: the most the device reported in use; CPU: the process's peak resident set).
 *
 * <pre>java -cp vlunet.jar org.vlunet.bench.TrainBench [--config vlunet-nhr] [--batch 4] [--patch 128]
 *      [--steps 5] [--warmup 2] [--device cpu|gpu|gpu:0,gpu:1] [--no_clip] [--count_ops] [--count_jni]</pre>
 * The frozen CLIP encoder (random weights of the configured size) runs on each batch unless --no_clip.
 * {@code --count_ops} profiles one more step, part by part, and prints the native ops each part issued
 * ({@link OpCount}). {@code --count_jni} (with the {@link JniCalls} agent) counts every call into the PyTorch JNI
 * during the timed steps.
 */
public final class TrainBench {

    public static void main(String[] args) throws Exception {
        String config = "vlunet-nhr", device = "cpu";
        int batch = 4, patch = 128, steps = 5, warmup = 2;
        boolean clip = true, countOps = false, countJni = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> config = args[++i];
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--patch" -> patch = Integer.parseInt(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--device" -> device = args[++i];
                case "--no_clip" -> clip = false;
                case "--count_ops" -> countOps = true;
                case "--count_jni" -> countJni = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (countJni) {
            Class.forName("ai.djl.pytorch.jni.PyTorchLibrary"); // the agent rewrites it as it loads
            if (!JniCalls.active()) {
                throw new IllegalArgumentException("--count_jni needs the JNI call counter: run with"
                        + " -javaagent:target/vlunet.jar (scripts/bench-train.sh --count_jni does)");
            }
        }
        VluNetConfig cfg = VluNetConfig.load(config);
        List<Device> devices = new ArrayList<>();
        for (String d : device.split(",")) devices.add(Device.fromName(d.trim()));
        org.vlunet.engine.CpuKernels.prepare();
        Engine.getInstance().setRandomSeed(0);
        try (NDManager m = NDManager.newBaseManager(devices.get(0))) {
            int dd = cfg.model().degradationDim();
            List<DataParallel.Replica<VluNet>> reps = new ArrayList<>();
            VluNet first = null;
            for (Device d : devices) {
                NDManager dm = m.newSubManager(d);
                VluNet net = new VluNet(cfg.model()).initialize(dm);
                if (!d.isGpu()) org.vlunet.engine.CpuKernels.verify(net, true);
                if (first == null) first = net;
                else StateDict.load(net, StateDict.save(first), true, "replica");
                // the frozen CLIP encoder (random weights: the cost is the same), or a fixed feature per sample
                FeatureSource features;
                if (clip) {
                    features = org.vlunet.clip.DegradationEncoder.create(cfg.clip(), dm)::features;
                } else {
                    features = x -> x.duplicate();
                }
                reps.add(new DataParallel.Replica<>(net, d, features));
            }
            NDManager host = m.newSubManager(Device.cpu());
            int s224 = cfg.clip().vision().imageSize();
            TrainBatch b = new TrainBatch(host.randomUniform(0, 1, new Shape(batch, 3, patch, patch)),
                    host.randomUniform(0, 1, new Shape(batch, 3, patch, patch)),
                    clip ? host.randomUniform(0, 1, new Shape(batch, 3, s224, s224)) : host.randomNormal(new Shape(batch, dd)),
                    new int[batch]);
            long params = StateDict.count(first);
            double totalMs = 0, optMs = 0;
            long jniStep = 0, jniZero = 0, jniForward = 0, jniUpdate = 0;
            java.util.Map<String, Long> jniBefore = null;
            long peakGpu = 0;
            try (DataParallel<VluNet> dp = new DataParallel<>(reps, VluNet::forward, m);
                 AdamW opt = new AdamW(dp.parameters(), AdamW.Settings.torchDefaults(), m)) {
                System.err.println(org.vlunet.engine.CpuMemory.describe());
                for (int s = 0; s < warmup + steps; s++) {
                    if (s == warmup) jniBefore = JniCalls.byMethod();
                    long c0 = JniCalls.total();
                    long t0 = System.nanoTime();
                    dp.zeroGrad();
                    long c1 = JniCalls.total();
                    double loss;
                    long t1, c2, c3;
                    try (NDManager stepScope = m.newSubManager()) {
                        // as the training loop does: the loss stays on the device, the update is applied if it is finite
                        NDArray lossOnDevice = dp.lossAndGradients(b, stepScope);
                        t1 = System.nanoTime();
                        c2 = JniCalls.total();
                        NDArray finite = lossOnDevice.sub(lossOnDevice).eq(org.vlunet.model.DeviceConstants.scalar(0f, lossOnDevice.getDevice()));
                        finite.attach(stepScope);
                        opt.step(2e-4, dp.gradients(), 0, finite);
                        dp.broadcast();
                        c3 = JniCalls.total();
                        loss = lossOnDevice.getFloat(); // waits for the device (the loop reads losses every few steps)
                    }
                    long t2 = System.nanoTime();
                    if (s >= warmup) {
                        jniStep += JniCalls.total() - c0;
                        jniZero += c1 - c0;
                        jniForward += c2 - c1;
                        jniUpdate += c3 - c2;
                    }
                    for (Device d : devices) {
                        if (d.isGpu()) peakGpu = Math.max(peakGpu, ai.djl.util.cuda.CudaUtils.getGpuMemory(d).getUsed());
                    }
                    if (s >= warmup) {
                        totalMs += (t2 - t0) / 1e6;
                        optMs += (t2 - t1) / 1e6;
                    }
                    System.err.printf(Locale.ROOT, "step %d loss %.5f %.1f ms%s%n", s, loss, (t2 - t0) / 1e6,
                            s < warmup ? " (warm-up)" : "");
                    if (Double.isNaN(loss)) throw new IllegalStateException("the loss is NaN");
                }
                if (countOps) countStep(dp, opt, b);
                if (countJni) {
                    System.out.printf(Locale.ROOT, "JNI calls per step: %,d (mean of %d steps): zero grads %,d;"
                                    + " forward, loss, backward %,d; AdamW + broadcast %,d; most per step: %s%n",
                            jniStep / steps, steps, jniZero / steps, jniForward / steps, jniUpdate / steps,
                            JniCalls.top(jniBefore, JniCalls.byMethod(), 8, steps));
                }
            }
            double ms = totalMs / steps;
            String mem = peakGpu > 0 ? String.format(Locale.ROOT, "%.2f GiB GPU (in use, max over steps)", peakGpu / 1073741824.0)
                    : String.format(Locale.ROOT, "%.2f GiB RSS (process peak)", org.vlunet.util.PeakMemory.peakMegabytes() / 1024.0);
            System.out.printf(Locale.ROOT, "| %s (%,d params)%s | %s | %d | %d | %.0f | %.0f | %.2f | %s |%n",
                    config, params, clip ? " + CLIP" : "", device + " (" + Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion()
                            + ", " + Runtime.getRuntime().availableProcessors() + " cores)",
                    batch, patch, ms, optMs / steps, batch / (ms / 1000), mem);
        }
    }

    /** One more step under the profiler, part by part: the native ops each issues. */
    private static void countStep(DataParallel<VluNet> dp, AdamW opt, TrainBatch b) {
        OpCount.Counts zero = OpCount.during(dp::zeroGrad);
        double[] loss = new double[1];
        OpCount.Counts fwdBwd = OpCount.during(() -> loss[0] = dp.lossAndGradients(b));
        OpCount.Counts update = OpCount.during(() -> opt.step(2e-4, dp.gradients(), 0));
        OpCount.Counts broadcast = OpCount.during(dp::broadcast);
        System.out.printf(Locale.ROOT, "native ops per step: zero grads %s; forward (CLIP included), loss, backward %s;"
                        + " AdamW %s; broadcast %s; issued in all %d%n",
                zero.describe(), fwdBwd.describe(), update.describe(), broadcast.describe(),
                zero.issued() + fwdBwd.issued() + update.issued() + broadcast.issued());
        System.out.println("  most issued in forward+backward: " + fwdBwd.top(8));
        System.out.println("  most issued in AdamW: " + update.top(6));
    }
}
