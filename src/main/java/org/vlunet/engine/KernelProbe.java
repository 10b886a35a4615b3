package org.vlunet.engine;

import ai.djl.ndarray.NDManager;
import org.vlunet.config.VluNetConfig;
import org.vlunet.model.VluNet;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM that checks the engine's default kernels and exits, so that the parent can still choose oneDNN's
 * instruction set before its own first use (oneDNN fixes it then, for the life of the process). Checks every
 * convolution of the shipped configurations forward and backward, and whole forwards of the tiny ones; prints
 * one {@code fault} line per wrong result and {@code done}.
 */
public final class KernelProbe {
    /** The probe's faults and any oneDNN information lines it printed (with {@code ONEDNN_VERBOSE=1}). */
    public record Result(List<KernelCheck.Fault> faults, List<String> info) {}

    private static final long TIMEOUT_S = 180;

    private KernelProbe() {}

    public static void main(String[] args) {
        List<KernelCheck.Fault> faults = new ArrayList<>(KernelCheck.convolutions(ConvShape.shipped(), true));
        for (String preset : List.of("vlunet-tiny", "vlunet-tiny-nhr")) {
            try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
                faults.addAll(KernelCheck.network(new VluNet(VluNetConfig.load(preset).model()).initialize(m)));
            }
        }
        for (KernelCheck.Fault f : faults) System.out.println("fault\t" + f.what() + "\t" + f.error());
        System.out.println("done");
    }

    /**
     * The child's class path: the jars this code and DJL were loaded from, then the JVM's own class path. Under
     * {@code spark-submit} (or any application server) the application jar is loaded by a child class loader and is
     * not on {@code java.class.path}, so that alone would not find this class.
     */
    static String classPath() {
        java.util.LinkedHashSet<String> parts = new java.util.LinkedHashSet<>();
        for (Class<?> c : List.of(KernelProbe.class, ai.djl.engine.Engine.class, ai.djl.pytorch.engine.PtEngine.class)) {
            try {
                java.security.CodeSource cs = c.getProtectionDomain().getCodeSource();
                if (cs != null && cs.getLocation() != null) parts.add(Path.of(cs.getLocation().toURI()).toString());
            } catch (java.net.URISyntaxException | RuntimeException e) {
                // not a file location: the JVM's class path has to do
            }
        }
        for (String p : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
            if (!p.isEmpty()) parts.add(p);
        }
        return String.join(java.io.File.pathSeparator, parts);
    }

    /** Runs the probe with the default route (no instruction-set cap); null when it could not run. */
    static Result run() {
        return run(Map.of());
    }

    /** Runs the probe with extra environment variables; null when it could not run. */
    public static Result run(Map<String, String> env) {
        if ("false".equals(System.getProperty("vlunet.kernel_probe"))) return null;
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx2g", "-Dai.djl.offline=true"));
        for (String p : List.of("ai.djl.pytorch.num_threads", "ai.djl.pytorch.num_interop_threads")) {
            if (System.getProperty(p) != null) cmd.add("-D" + p + "=" + System.getProperty(p));
        }
        cmd.addAll(List.of("-cp", classPath(), KernelProbe.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove("ONEDNN_MAX_CPU_ISA");
        pb.environment().remove("DNNL_MAX_CPU_ISA");
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            Thread watchdog = new Thread(() -> {
                try {
                    if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) p.destroyForcibly();
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                }
            }, "kernel-probe-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
            List<KernelCheck.Fault> faults = new ArrayList<>();
            List<String> info = new ArrayList<>();
            boolean done = false;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("fault\t")) {
                        String[] f = line.split("\t");
                        faults.add(new KernelCheck.Fault(f[1], Double.parseDouble(f[2])));
                    } else if (line.equals("done")) {
                        done = true;
                    } else if (line.contains(",info,")) {
                        info.add(line);
                    }
                }
            }
            if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) return null;
            return done && p.exitValue() == 0 ? new Result(faults, info) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
