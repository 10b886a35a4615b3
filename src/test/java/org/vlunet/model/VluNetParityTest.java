package org.vlunet.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vlunet.Fixtures;
import org.vlunet.TestDevice;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.StateDict;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The tiny VLUNet against the authors' float64 run: output, L1 loss and every parameter gradient (on {@link TestDevice}). */
class VluNetParityTest {
    private static NDManager manager;
    private static VluNet net;
    private static Map<String, HostTensor> io;
    private static Map<String, String> ioMeta;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager(TestDevice.get());
        net = new VluNet(TinyNet.config()).initialize(manager);
        StateDict.load(net, Fixtures.readAll("vlunet_tiny_weights.safetensors"), true, "vlunet_tiny_weights");
        io = Fixtures.readAll("vlunet_tiny_io.safetensors");
        ioMeta = Fixtures.open("vlunet_tiny_io.safetensors").metadata();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void outputLossAndGradientsMatchTheReference() throws Exception {
        Map<String, Parameter> params = StateDict.parameters(net);
        assertEquals(Long.parseLong(ioMeta.get("params")), StateDict.count(net));
        try (NDManager step = manager.newSubManager()) {
            NDArray input = io.get("input").toNDArray(step);
            NDArray degradation = io.get("degradation").toNDArray(step);
            NDArray target = io.get("target").toNDArray(step);
            float[] out;
            float loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = net.forward(input, degradation);
                NDArray l = y.sub(target).abs().mean();
                gc.backward(l);
                out = y.toFloatArray();
                loss = l.getFloat();
            }
            double[] ref = io.get("output").toDoubles();
            double num = 0, den = 0, maxAbs = 0;
            for (int i = 0; i < ref.length; i++) {
                double e = out[i] - ref[i];
                num += e * e;
                den += ref[i] * ref[i];
                maxAbs = Math.max(maxAbs, Math.abs(e));
            }
            double rel = Math.sqrt(num / den);
            double lossErr = Math.abs(loss - io.get("loss").toDoubles()[0]);
            System.out.printf("parity: output rel-L2 %.3e, max abs %.3e, loss |diff| %.3e%n", rel, maxAbs, lossErr);
            assertTrue(rel <= 1e-5, "output rel-L2 " + rel);
            assertTrue(maxAbs <= 1e-4, "output max abs " + maxAbs);
            assertTrue(lossErr <= 1e-6, "loss diff " + lossErr);

            List<String> bad = new ArrayList<>();
            double worst = 0;
            String worstKey = "";
            int compared = 0;
            for (Map.Entry<String, HostTensor> e : io.entrySet()) {
                if (!e.getKey().startsWith("grad.")) continue;
                String key = e.getKey().substring(5);
                Parameter p = params.get(key);
                assertNotNull(p, "gradient for unknown parameter " + key);
                double[] g;
                try (NDArray grad = p.getArray().getGradient()) {
                    g = toDoubles(grad);
                }
                double[] gr = e.getValue().toDoubles();
                double dn = 0, rn = 0;
                for (int i = 0; i < gr.length; i++) {
                    dn += (g[i] - gr[i]) * (g[i] - gr[i]);
                    rn += gr[i] * gr[i];
                }
                dn = Math.sqrt(dn);
                rn = Math.sqrt(rn);
                double ratio = dn / (1e-4 * rn + 1e-9);
                if (ratio > worst) {
                    worst = ratio;
                    worstKey = key + String.format(" (|g-ref| %.3e, |ref| %.3e)", dn, rn);
                }
                if (ratio > 1) bad.add(key + String.format(": |g-ref| %.3e vs |ref| %.3e", dn, rn));
                compared++;
            }
            System.out.printf("parity: %d gradients, worst |g-ref|/(1e-4|ref|+1e-9) = %.3f at %s%n", compared, worst, worstKey);
            assertTrue(bad.isEmpty(), "gradients off: " + bad);
            assertEquals(211, compared);

            // down1_2_i is never used: no gradient, or an all-zero one.
            for (String unused : new ObjectMapper().readValue(ioMeta.get("unused_params"), String[].class)) {
                NDArray w = params.get(unused).getArray();
                if (w.hasGradient()) {
                    try (NDArray g = w.getGradient()) {
                        assertEquals(0f, g.abs().sum().getFloat(), 0f, unused + " got a gradient");
                    }
                }
            }
            // Gradients zero in exact arithmetic stay at rounding level here.
            for (String zero : new ObjectMapper().readValue(ioMeta.get("zero_gradients_left_out"), String[].class)) {
                try (NDArray g = params.get(zero).getArray().getGradient()) {
                    double n = Math.sqrt(Arrays.stream(toDoubles(g)).map(v -> v * v).sum());
                    System.out.printf("parity: %s (zero in exact arithmetic) |g| = %.3e%n", zero, n);
                    assertTrue(n < 1e-5, zero + " gradient " + n);
                }
            }
        }
    }

    private static double[] toDoubles(NDArray a) {
        float[] f = a.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
