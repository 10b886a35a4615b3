package org.vlunet.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlunet.model.VluNet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The choice of route, with kernels made to look wrong: the fallback runs on any machine. */
class CpuKernelsTest {
    private static final List<ConvShape> SHAPES = List.of(new ConvShape(24, 12, 3, 1, 1), new ConvShape(12, 12, 3, 1, 12));
    private static final KernelCheck.Fault FAULT = new KernelCheck.Fault("24->12 3x3 batch 2 6x6 forward", 0.2);

    @TempDir
    Path dir;

    /** Records what the guard asks of the engine. */
    static final class Controls implements NativeControls {
        final List<String> calls = new ArrayList<>();

        @Override
        public void capInstructionSet(String isa) {
            calls.add("cap " + isa);
        }

        @Override
        public void useOneDnn(boolean on) {
            calls.add("oneDNN " + on);
        }
    }

    /** A guard whose checks report a fault while {@code wrong} holds for the route in force. */
    private CpuKernels guard(Controls c, RouteMemory memory, boolean x86, Supplier<KernelProbe.Result> probe,
                             Predicate<Route> wrong, List<String> said) {
        return new CpuKernels(c, memory, "machine.test", x86, probe, said::add) {
            @Override
            List<KernelCheck.Fault> runConvolutions(List<ConvShape> shapes, boolean backward) {
                return wrong.test(route()) ? List.of(FAULT) : List.of();
            }

            @Override
            List<KernelCheck.Fault> runNetwork(VluNet net) {
                return List.of();
            }
        };
    }

    private static KernelProbe.Result probe(KernelCheck.Fault... faults) {
        return new KernelProbe.Result(List.of(faults), List.of());
    }

    @Test
    void aWrongKernelSwitchesThisRunToNativeAndLaterRunsToSse41() {
        Controls c = new Controls();
        RouteMemory memory = new RouteMemory(dir.resolve("k.properties"));
        List<String> said = new ArrayList<>();
        CpuKernels g = guard(c, memory, true, () -> probe(), r -> r == Route.DEFAULT, said);
        g.check(null, SHAPES, false, null);
        assertEquals(Route.NATIVE, g.route());
        assertEquals(List.of("oneDNN false"), c.calls);
        assertEquals(Route.SSE41, memory.recall("machine.test"), "the next start caps oneDNN instead");
        assertEquals(1, said.size(), said.toString());
        assertTrue(said.get(0).contains("24->12 3x3") && said.get(0).contains("SSE4.1") && said.get(0).contains("oneDNN off"), said.get(0));
        assertEquals(List.of(Route.DEFAULT, Route.NATIVE), g.findings().stream().map(CpuKernels.Finding::route).toList());

        // the next start: the remembered route is set before oneDNN's first use, no probe, and it checks right
        Controls c2 = new Controls();
        List<String> said2 = new ArrayList<>();
        CpuKernels next = guard(c2, memory, true, () -> { throw new AssertionError("no probe when remembered"); }, r -> r == Route.DEFAULT, said2);
        next.check(null, SHAPES, true, null);
        assertEquals(Route.SSE41, next.route());
        assertEquals(List.of("cap SSE41"), c2.calls);
        assertEquals(1, said2.size(), "says once which route it uses: " + said2);
    }

    @Test
    void aProbeThatFindsFaultsCapsOneDnnBeforeItsFirstUse() {
        Controls c = new Controls();
        RouteMemory memory = new RouteMemory(dir.resolve("k.properties"));
        List<String> said = new ArrayList<>();
        CpuKernels g = guard(c, memory, true, () -> probe(FAULT), r -> r == Route.DEFAULT, said);
        g.check(null, SHAPES, false, null);
        assertEquals(Route.SSE41, g.route());
        assertEquals(List.of("cap SSE41"), c.calls);
        assertEquals(Route.SSE41, memory.recall("machine.test"));
        assertTrue(g.why().contains("probe found"), g.why());
    }

    @Test
    void aRightProbeKeepsTheDefaultAndChecksStillRun() {
        Controls c = new Controls();
        RouteMemory memory = new RouteMemory(dir.resolve("k.properties"));
        List<String> said = new ArrayList<>();
        CpuKernels g = guard(c, memory, true, () -> probe(), r -> false, said);
        g.check(null, SHAPES, false, null);
        g.check(null, SHAPES, false, null); // verified shapes are not checked twice
        assertEquals(Route.DEFAULT, g.route());
        assertEquals(List.of(), c.calls);
        assertEquals(List.of(), said);
        assertEquals(1, g.findings().size());
        assertEquals(Route.DEFAULT, memory.recall("machine.test"));
    }

    @Test
    void wrongUnderSse41LeavesNativeForLaterRunsAndWrongEverywhereStops() {
        RouteMemory memory = new RouteMemory(dir.resolve("k.properties"));
        memory.remember("machine.test", Route.SSE41);
        CpuKernels g = guard(new Controls(), memory, true, () -> null, r -> r != Route.NATIVE, new ArrayList<>());
        g.check(null, SHAPES, false, null);
        assertEquals(Route.NATIVE, g.route());
        assertEquals(Route.NATIVE, memory.recall("machine.test"));

        CpuKernels hopeless = guard(new Controls(), new RouteMemory(dir.resolve("other.properties")), true, () -> null, r -> true, new ArrayList<>());
        KernelException e = assertThrows(KernelException.class, () -> hopeless.check(null, SHAPES, false, null));
        assertTrue(e.getMessage().contains("24->12 3x3") && e.getMessage().contains("nothing was computed"), e.getMessage());
    }

    @Test
    void offX86TheLadderSkipsTheInstructionSetCap() {
        RouteMemory memory = new RouteMemory(dir.resolve("k.properties"));
        CpuKernels g = guard(new Controls(), memory, false, () -> null, r -> r == Route.DEFAULT, new ArrayList<>());
        g.check(null, Set.copyOf(SHAPES), false, null);
        assertEquals(Route.NATIVE, memory.recall("machine.test"));
    }
}
