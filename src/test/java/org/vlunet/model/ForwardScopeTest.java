package org.vlunet.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** A forward leaves only its result on the caller's manager; what it made on the way is freed on return. */
class ForwardScopeTest {

    @Test
    void aStepKeepsItsResultFreesTheRestAndHandsItsInputsBack() {
        try (NDManager a = NDManager.newBaseManager(); NDManager b = NDManager.newBaseManager()) {
            NDArray x = a.ones(new Shape(2, 3)), y = b.ones(new Shape(2, 3));
            NDArray[] inner = new NDArray[1];
            NDArray out = ForwardScope.run(() -> {
                inner[0] = x.mul(2);
                return inner[0].add(y);
            }, x, y, x);
            assertTrue(inner[0].isReleased(), "intermediate freed");
            assertSame(a, out.getManager(), "result on the first input's manager");
            assertSame(a, x.getManager());
            assertSame(b, y.getManager());
            assertFalse(x.isReleased() || y.isReleased());
            assertArrayEquals(new float[] {3, 3, 3, 3, 3, 3}, out.toFloatArray());
            assertEquals(2, a.getManagedArrays().size(), "x and the result");
            assertEquals(1, b.getManagedArrays().size());
        }
    }

    @Test
    void theWholeNetworkLeavesOnlyItsOutputWithAndWithoutGradients() {
        try (NDManager base = NDManager.newBaseManager()) {
            VluNet net = new VluNet(TinyNet.config()).initialize(base);
            for (boolean backward : new boolean[] {false, true}) {
                try (NDManager step = base.newSubManager()) {
                    NDArray image = step.randomUniform(0f, 1f, new Shape(1, 3, 16, 24));
                    NDArray degradation = step.randomNormal(new Shape(1, 512));
                    int before = step.getManagedArrays().size();
                    if (backward) {
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray out = net.forward(image, degradation);
                            assertEquals(before + 1, step.getManagedArrays().size(), "only the output stays");
                            gc.backward(out.sub(image).abs().mean()); // autograd still has what it needs
                        }
                        var params = net.getParameters(); // the output convolution's, last registered
                        assertTrue(params.valueAt(params.size() - 1).getArray().getGradient().abs().sum().getFloat() > 0);
                    } else {
                        net.forward(image, degradation);
                        assertEquals(before + 1, step.getManagedArrays().size(), "only the output stays");
                    }
                }
            }
        }
    }
}
