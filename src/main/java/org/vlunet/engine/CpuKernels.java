package org.vlunet.engine;

import ai.djl.nn.Block;
import org.vlunet.model.VluNet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Right numbers from the CPU engine on every processor. The bundled libtorch 2.7.1 (oneDNN 3.7.1) computes some
 * float32 convolutions wrongly on some processors (AMD EPYC with AVX-512 seen), and reuses cached primitives for
 * problems they were not made for; see docs/known-issues.md. So no convolution kernel is trusted until checked:
 * <ol>
 *   <li>{@link #prepare()}, before oneDNN's first use, picks the route: the one remembered for this machine, else
 *       the verdict of a one-off probe in a child JVM, else the default; {@code ONEDNN_MAX_CPU_ISA} set by the user
 *       is left as it is.</li>
 *   <li>{@link #verify(VluNet, boolean)} and {@link #verify(Block, boolean)}, before a model's first op on the CPU,
 *       check every convolution it has (forward, and backward for training) and a whole small forward against
 *       float64. A wrong result switches this process to PyTorch's own convolutions (the one switch that still
 *       works after oneDNN's first use), says so in one line and remembers the next route for later starts; when
 *       nothing is right it stops with an error. A wrong number is never computed silently.</li>
 * </ol>
 */
public class CpuKernels {
    /** What a check found: the route it ran under, the faults (none: right) and how long it took. */
    public record Finding(Route route, String what, List<KernelCheck.Fault> faults, long millis) {}

    private static final CpuKernels PROCESS = new CpuKernels(NativeControls.PROCESS, RouteMemory.user(), Machine.signature(),
            Machine.isX86(), KernelProbe::run, line -> System.err.println(line));

    private final NativeControls controls;
    private final RouteMemory memory;
    private final String machine;
    private final boolean x86;
    private final Supplier<KernelProbe.Result> probe;
    private final Consumer<String> say;
    private final Set<String> verified = new HashSet<>();
    private final List<Finding> findings = new ArrayList<>();
    private boolean prepared;
    private boolean unchecked;
    private Route route = Route.DEFAULT;
    private String why = "not prepared";

    CpuKernels(NativeControls controls, RouteMemory memory, String machine, boolean x86, Supplier<KernelProbe.Result> probe,
               Consumer<String> say) {
        this.controls = controls;
        this.memory = memory;
        this.machine = machine;
        this.x86 = x86;
        this.probe = probe;
        this.say = say;
    }

    /** The process's guard. */
    public static CpuKernels process() {
        return PROCESS;
    }

    /** Chooses the route before oneDNN's first use; cheap after the first call. */
    public static void prepare() {
        EngineNoise.quiet();
        PROCESS.choose(null);
    }

    /** Chooses the route from a probe just run (it replaces what this machine's entry remembered). */
    public static void prepare(KernelProbe.Result fresh) {
        EngineNoise.quiet();
        PROCESS.choose(fresh);
    }

    /** Checks a restoration network's convolutions and a whole small forward of it (it must be on the CPU). */
    public static void verify(VluNet net, boolean backward) {
        EngineNoise.quiet();
        PROCESS.check("network " + net.config() + (backward ? " +backward" : ""), ConvShape.of(net), backward, net);
    }

    /** Checks the convolutions of any block tree (CLIP, for example) that runs on the CPU. */
    public static void verify(Block block, boolean backward) {
        EngineNoise.quiet();
        PROCESS.check(null, ConvShape.of(block), backward, null);
    }

    /** Checks the convolutions of every shipped configuration (tests and {@code doctor}). */
    public static void verifyShipped(boolean backward) {
        EngineNoise.quiet();
        PROCESS.check(null, ConvShape.shipped(), backward, null);
    }

    /**
     * For benchmarks only: runs the given route with no checks, so that a route known to be wrong can still be
     * timed against the others. Must come before the engine's first convolution; results may be wrong.
     */
    public static void benchmarkUnchecked(Route r) {
        EngineNoise.quiet();
        synchronized (PROCESS) {
            if (PROCESS.prepared) throw new IllegalStateException("the CPU route was already chosen");
            PROCESS.prepared = true;
            PROCESS.unchecked = true;
            PROCESS.why = "forced for a benchmark, unchecked";
            PROCESS.apply(r);
            PROCESS.say.accept("vlunet: CPU convolutions: " + r.description() + ", UNCHECKED (benchmark timing only; results may be wrong)");
        }
    }

    public synchronized Route route() {
        return route;
    }

    /** Why this route: "remembered for this machine", "probe found ...", "set in the environment". */
    public synchronized String why() {
        return why;
    }

    public synchronized List<Finding> findings() {
        return List.copyOf(findings);
    }

    public Path memoryFile() {
        return memory.file();
    }

    synchronized void choose(KernelProbe.Result fresh) {
        if (prepared) return;
        prepared = true;
        String user = userCap();
        if (user != null) {
            why = "ONEDNN_MAX_CPU_ISA=" + user + " set in the environment";
            return;
        }
        Route r = fresh != null ? null : memory.recall(machine);
        if (r != null) {
            why = "remembered for this machine in " + memory.file();
        } else {
            KernelProbe.Result p = fresh != null ? fresh : probe.get();
            if (p == null) {
                r = Route.DEFAULT;
                why = "no probe could run; checked in this process";
            } else {
                r = p.faults().isEmpty() ? Route.DEFAULT : Route.DEFAULT.next(x86);
                why = p.faults().isEmpty() ? "a probe found the default kernels right"
                        : "a probe found the default kernels wrong: " + p.faults().get(0)
                        + (p.faults().size() > 1 ? ", and " + (p.faults().size() - 1) + " more" : "");
                memory.remember(machine, r);
            }
        }
        apply(r);
        if (r != Route.DEFAULT) say.accept("vlunet: CPU convolutions: using " + r.description() + "; " + why + " (see docs/known-issues.md)");
    }

    private void apply(Route r) {
        switch (r) {
            case DEFAULT -> { }
            case SSE41 -> controls.capInstructionSet("SSE41");
            case NATIVE -> controls.useOneDnn(false);
        }
        route = r;
    }

    synchronized void check(String network, Collection<ConvShape> shapes, boolean backward, VluNet net) {
        choose(null);
        if (unchecked) return;
        List<ConvShape> todo = shapes.stream().filter(s -> !verified.contains(key(s, backward))).toList();
        VluNet whole = net != null && !verified.contains(network) ? net : null;
        if (todo.isEmpty() && whole == null) return;
        List<KernelCheck.Fault> faults = run(todo, backward, whole);
        if (!faults.isEmpty()) {
            if (route == Route.NATIVE) throw wrong(faults);
            fallBack(faults);
            todo = List.copyOf(shapes);
            whole = net;
            faults = run(todo, backward, whole);
            if (!faults.isEmpty()) throw wrong(faults);
        }
        for (ConvShape s : todo) verified.add(key(s, backward));
        if (whole != null) verified.add(network);
    }

    /** Switches this process to the native kernels and remembers the next route for later starts. */
    private void fallBack(List<KernelCheck.Fault> faults) {
        Route wrongRoute = route;
        Route later = userCap() != null ? null : wrongRoute.next(x86);
        boolean remembered = later != null && memory.remember(machine, later);
        apply(Route.NATIVE);
        verified.clear(); // what passed under oneDNN is not yet checked under the native kernels
        why = faults.get(0) + " with " + wrongRoute.description();
        say.accept("vlunet: CPU convolutions: " + faults.get(0) + (faults.size() > 1 ? " (and " + (faults.size() - 1) + " more)" : "")
                + " with " + wrongRoute.description() + "; this run uses " + Route.NATIVE.description()
                + (remembered && later != Route.NATIVE ? "; later runs on this machine use " + later.description() : "")
                + " (see docs/known-issues.md)");
    }

    private List<KernelCheck.Fault> run(List<ConvShape> shapes, boolean backward, VluNet net) {
        long t0 = System.nanoTime();
        List<KernelCheck.Fault> faults = new ArrayList<>(runConvolutions(shapes, backward));
        if (faults.isEmpty() && net != null) faults.addAll(runNetwork(net));
        findings.add(new Finding(route, ConvShape.describe(shapes) + (backward ? " forward and backward" : " forward")
                + (net != null ? ", and a whole network forward" : ""), faults, (System.nanoTime() - t0) / 1_000_000));
        return faults;
    }

    // Overridable in tests, to make a kernel look wrong.
    List<KernelCheck.Fault> runConvolutions(List<ConvShape> shapes, boolean backward) {
        return shapes.isEmpty() ? List.of() : KernelCheck.convolutions(shapes, backward);
    }

    List<KernelCheck.Fault> runNetwork(VluNet net) {
        return KernelCheck.network(net);
    }

    private KernelException wrong(List<KernelCheck.Fault> faults) {
        return new KernelException("the CPU engine computes wrong results on this processor even with " + Route.NATIVE.description()
                + ": " + faults.get(0) + (faults.size() > 1 ? " (and " + (faults.size() - 1) + " more)" : "")
                + "; nothing was computed (see docs/known-issues.md; run 'vlunet doctor')");
    }

    private static String key(ConvShape s, boolean backward) {
        return s + (backward ? " +backward" : "");
    }

    static String userCap() {
        String v = System.getenv("ONEDNN_MAX_CPU_ISA");
        if (v == null || v.isBlank()) v = System.getenv("DNNL_MAX_CPU_ISA");
        return v == null || v.isBlank() ? null : v;
    }

    /** The processor this runs on, as far as the kernels care. */
    public static final class Machine {
        private Machine() {}

        /** "model name" of /proc/cpuinfo, or the architecture. */
        public static String cpu() {
            String name = cpuinfo("model name");
            return name != null ? name : System.getProperty("os.arch");
        }

        /** The processor's instruction-set flags (Linux), space-separated. */
        public static String flags() {
            String f = cpuinfo("flags");
            return f == null ? "" : f;
        }

        static boolean isX86() {
            String a = System.getProperty("os.arch", "");
            return a.equals("amd64") || a.equals("x86_64");
        }

        /** Processor, flags and libtorch build: what decides which kernels are right. */
        static String signature() {
            String libtorch = System.getenv().getOrDefault("PYTORCH_LIBRARY_PATH", "bundled") + " "
                    + System.getenv().getOrDefault("PYTORCH_VERSION", "") + " " + System.getenv().getOrDefault("PYTORCH_FLAVOR", "");
            String text = cpu() + "|" + flags() + "|" + libtorch + "|" + org.vlunet.util.Versions.all();
            try {
                byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
                return "machine." + HexFormat.of().formatHex(d, 0, 12);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        private static String cpuinfo(String field) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                    int colon = line.indexOf(':');
                    if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(field)) {
                        return line.substring(colon + 1).trim();
                    }
                }
            } catch (IOException | RuntimeException e) {
                return null;
            }
            return null;
        }
    }
}
