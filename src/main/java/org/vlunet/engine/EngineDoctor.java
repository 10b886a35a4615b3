package org.vlunet.engine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import org.vlunet.config.VluNetConfig;
import org.vlunet.model.VluNet;
import org.vlunet.util.Versions;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What {@code vlunet doctor} prints: versions, the processor, oneDNN as a probe of the default kernels saw it,
 * which kernels were wrong, the route this process takes and the checks it passed.
 */
public final class EngineDoctor {
    private static final List<String> FLAGS = List.of("sse4_1", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni",
            "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16");

    private EngineDoctor() {}

    /** Prints the diagnosis; true when this process's kernels are right for every shipped (and the given) configuration. */
    public static boolean run(String config, PrintStream out) {
        out.println(Versions.all());
        String flags = Arrays.stream(CpuKernels.Machine.flags().split("\\s+")).filter(FLAGS::contains).collect(Collectors.joining(" "));
        out.printf("CPU: %s, %d logical cores; flags: %s%n", CpuKernels.Machine.cpu(), Runtime.getRuntime().availableProcessors(),
                flags.isEmpty() ? "(unknown)" : flags);
        String user = CpuKernels.userCap();
        out.println("ONEDNN_MAX_CPU_ISA: " + (user == null ? "not set" : user));

        out.println("probe of the default kernels (child JVM, every shipped convolution forward and backward, tiny networks whole):");
        KernelProbe.Result probe = user != null ? null : KernelProbe.run(Map.of("ONEDNN_VERBOSE", "1"));
        if (user != null) {
            out.println("  skipped: the environment sets the instruction set");
        } else if (probe == null) {
            out.println("  could not run (see -Dvlunet.kernel_probe); this process checks its own kernels below");
        } else {
            probe.info().stream().filter(l -> l.contains("oneDNN v") || l.contains("isa:")).map(EngineDoctor::info)
                    .forEach(l -> out.println("  oneDNN " + l));
            if (probe.faults().isEmpty()) out.println("  all right");
            else {
                out.println("  " + probe.faults().size() + " wrong:");
                probe.faults().forEach(f -> out.println("    " + f));
            }
        }
        CpuKernels.prepare(probe);
        CpuKernels guard = CpuKernels.process();
        out.println("engine: " + Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
        out.println(EngineNoise.describe());
        out.println(CpuMemory.describe());
        boolean right = true;
        try {
            CpuKernels.verifyShipped(true);
            if (config != null) {
                try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
                    CpuKernels.verify(new VluNet(VluNetConfig.load(config).model()).initialize(m), true);
                }
            }
        } catch (KernelException e) {
            right = false;
            out.println("error: " + e.getMessage());
        }
        out.println("checked in this process:");
        for (CpuKernels.Finding f : guard.findings()) {
            out.println("  " + f.what() + " with " + f.route().description() + ": "
                    + (f.faults().isEmpty() ? "right" : f.faults().size() + " wrong, first " + f.faults().get(0)) + " (" + f.millis() + " ms)");
        }
        out.println("route: " + guard.route().description() + " (" + guard.why() + ")");
        out.println("remembered in: " + guard.memoryFile());
        return right;
    }

    /** "onednn_verbose,v1,info,oneDNN v3.7.1 (commit …)" → "v3.7.1 (commit …)". */
    private static String info(String line) {
        int i = line.indexOf(",info,");
        String s = i < 0 ? line : line.substring(i + 6);
        return s.startsWith("oneDNN ") ? s.substring(7) : s;
    }
}
