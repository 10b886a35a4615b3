package org.vlunet.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Repeated passes, each in its own sub-manager, leave nothing behind on the model's manager. */
class VluNetMemoryTest {

    @Test
    void forwardAndBackwardPassesStayFlat() {
        try (NDManager base = NDManager.newBaseManager()) {
            VluNet net = new VluNet(TinyNet.config()).initialize(base);
            int params = base.getManagedArrays().size();
            pass(base, net, true);
            pass(base, net, false); // warm-up: the prompt resize matrices are cached once
            int afterWarmUp = base.getManagedArrays().size();
            for (int i = 0; i < 3; i++) {
                pass(base, net, i % 2 == 0);
                assertEquals(afterWarmUp, base.getManagedArrays().size(), "live arrays after pass " + i);
            }
            System.out.printf("memory: %d parameters, %d live arrays after every pass%n", params, afterWarmUp);
        }
    }

    private static void pass(NDManager base, VluNet net, boolean backward) {
        try (NDManager step = base.newSubManager()) {
            NDArray image = step.randomUniform(0f, 1f, new Shape(1, 3, 8, 16));
            NDArray degradation = step.randomNormal(new Shape(1, 512));
            if (backward) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(net.forward(image, degradation).sub(image).abs().mean());
                }
            } else {
                net.forward(image, degradation).sum().getFloat();
            }
        }
    }
}
