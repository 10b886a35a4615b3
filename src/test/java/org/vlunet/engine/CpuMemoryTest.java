package org.vlunet.engine;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** scripts/cpu-memory.sh (sourced by bin/vlunet and the benchmarks) and {@link CpuMemory} agree. */
class CpuMemoryTest {

    /** What GLIBC_TUNABLES the script leaves, given the environment changes in {@code env} ("" when unset). */
    private static String tunablesAfterScript(Map<String, String> env) throws Exception {
        Path script = Path.of("scripts", "cpu-memory.sh").toAbsolutePath();
        assertTrue(Files.isRegularFile(script), script + " missing");
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", ". \"$0\" && vlunet_cpu_memory && printf %s \"${GLIBC_TUNABLES:-}\"",
                script.toString());
        pb.environment().remove("GLIBC_TUNABLES");
        pb.environment().remove("VLUNET_MALLOC");
        pb.environment().putAll(env);
        return run(pb);
    }

    private static String run(ProcessBuilder pb) throws IOException, InterruptedException {
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    @Test
    void scriptSetsWhatTheDetectorRecognises() throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"), "glibc tunables are Linux only");
        String t = tunablesAfterScript(Map.of());
        assertTrue(t.contains("glibc.malloc.arena_max=1") && t.contains("glibc.malloc.mmap_max=0"), t);

        // a JVM started with it sees the setting (and glibc accepts it: the JVM starts)
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Probe.class.getName());
        pb.environment().put("GLIBC_TUNABLES", t);
        assertEquals("true", run(pb));
        pb.environment().remove("GLIBC_TUNABLES");
        assertEquals("false", run(pb));
    }

    @Test
    void systemDefaultsOnRequestAndTheUsersSettingsWin() throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"), "glibc tunables are Linux only");
        assertEquals("", tunablesAfterScript(Map.of("VLUNET_MALLOC", "system")));
        String t = tunablesAfterScript(Map.of("GLIBC_TUNABLES", "glibc.malloc.hugetlb=0"));
        List<String> items = List.of(t.split(":"));
        assertEquals("glibc.malloc.hugetlb=0", items.get(items.size() - 1), t); // later items override earlier ones
        assertFalse(items.subList(0, items.size() - 1).contains("glibc.malloc.hugetlb=0"), t);
    }

    /** Prints what {@link CpuMemory#reused()} says in a fresh JVM. */
    public static final class Probe {
        public static void main(String[] args) {
            System.out.print(CpuMemory.reused());
        }
    }
}
