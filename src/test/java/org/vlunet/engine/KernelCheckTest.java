package org.vlunet.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.vlunet.config.VluNetConfig;
import org.vlunet.model.VluNet;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine's kernels, as this process runs them after CpuKernels chose its route, against float64. */
class KernelCheckTest {

    @Test
    void everyShippedConvolutionIsRightForwardAndBackwardAtBatchOneAndTwo() {
        Set<ConvShape> shapes = ConvShape.shipped();
        // the paper's and the tiny configurations' convolutions, CLIP's patch embedding among them
        assertTrue(shapes.contains(new ConvShape(384, 768, 3, 1, 1)), shapes.toString());
        assertTrue(shapes.contains(new ConvShape(24, 12, 3, 1, 1)), shapes.toString());
        assertTrue(shapes.contains(new ConvShape(2042, 2042, 3, 1, 2042)), shapes.toString());
        assertTrue(shapes.contains(new ConvShape(3, 768, 32, 32, 1)), shapes.toString());
        List<KernelCheck.Fault> faults = KernelCheck.convolutions(shapes, true);
        assertEquals(List.of(), faults, "route " + CpuKernels.process().route() + " (" + CpuKernels.process().why() + ")");
    }

    @Test
    void wholeForwardsOfTheTinyConfigurationsMatchFloat64() {
        for (String preset : List.of("vlunet-tiny", "vlunet-tiny-nhr")) {
            try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
                VluNet net = new VluNet(VluNetConfig.load(preset).model()).initialize(m);
                assertEquals(List.of(), KernelCheck.network(net), preset);
            }
        }
    }

    @Test
    void theComparisonFlagsSmallErrorsAndNaNButNotRounding() {
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            NDArray ref = m.arange(1f, 101f).toType(ai.djl.ndarray.types.DataType.FLOAT64, false);
            List<KernelCheck.Fault> faults = new ArrayList<>();
            KernelCheck.compare("rounding", ref.toType(ai.djl.ndarray.types.DataType.FLOAT32, false), ref, KernelCheck.CONV_TOLERANCE, faults);
            assertTrue(faults.isEmpty(), faults.toString());
            KernelCheck.compare("1% off", ref.mul(1.01), ref, KernelCheck.CONV_TOLERANCE, faults);
            NDArray nan = ref.duplicate();
            nan.set(new ai.djl.ndarray.index.NDIndex("3"), Double.NaN);
            KernelCheck.compare("one NaN", nan, ref, KernelCheck.CONV_TOLERANCE, faults);
            assertEquals(2, faults.size(), faults.toString());
            assertFalse(Double.isFinite(faults.get(1).error()));
        }
    }
}
