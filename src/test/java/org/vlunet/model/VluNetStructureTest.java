package org.vlunet.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.vlunet.Fixtures;
import org.vlunet.config.ModelConfig;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.StateDict;
import org.vlunet.weights.WeightsException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Keys, shapes and counts of the built network, strict loading, and input checks. */
class VluNetStructureTest {

    @Test
    void paperConfigurationsBuildExactlyTheReferenceKeysAndShapes() throws IOException {
        JsonNode ref = new ObjectMapper().readTree(Fixtures.path("reference_shapes.json").toFile());
        for (int deDim : new int[] {7, 5}) {
            JsonNode r = ref.get("vlunet_de_dim_" + deDim);
            VluNet net = new VluNet(ModelConfig.paper(deDim)); // shapes only, nothing allocated
            Map<String, Parameter> params = StateDict.parameters(net);
            List<String> refKeys = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = r.get("shapes").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                refKeys.add(e.getKey());
                Parameter p = params.get(e.getKey());
                assertNotNull(p, "missing " + e.getKey());
                long[] shape = new long[e.getValue().size()];
                for (int i = 0; i < shape.length; i++) shape[i] = e.getValue().get(i).asLong();
                assertArrayEquals(shape, p.getShape().getShape(), e.getKey());
            }
            assertEquals(refKeys, new ArrayList<>(params.keySet()), "keys and their order (deDim " + deDim + ")");
            assertEquals(r.get("params").asLong(), StateDict.count(net));
        }
        assertEquals(35_353_028L, StateDict.count(new VluNet(ModelConfig.paper(7))));
        assertEquals(34_364_852L, StateDict.count(new VluNet(ModelConfig.paper(5))));
    }

    @Test
    void strictLoadListsEveryMissingUnexpectedAndMismatchedKey() {
        Map<String, HostTensor> weights = new LinkedHashMap<>(Fixtures.readAll("vlunet_tiny_weights.safetensors"));
        weights.remove("latent.gradient_descent.r");
        weights.remove("output.weight");
        weights.put("encoder_level1.gradient_descent.phi.qv.weight", HostTensor.ofFloats(new long[] {24, 12}, new float[288]));
        weights.put("refinement.gradient_descent.prompt_param", HostTensor.ofFloats(new long[] {1, 7, 2, 48, 48}, new float[7 * 2 * 48 * 48]));
        weights.put("down1_2_i.body.1.weight", HostTensor.ofFloats(new long[] {1}, new float[1]));
        try (NDManager m = NDManager.newBaseManager()) {
            VluNet net = new VluNet(TinyNet.config()).initialize(m);
            NDArray before = StateDict.parameters(net).get("patch_embed.proj.weight").getArray().duplicate();
            WeightsException e = assertThrows(WeightsException.class, () -> StateDict.load(net, weights, true, "tampered.safetensors"));
            String msg = e.getMessage();
            for (String part : new String[] {
                    "tampered.safetensors",
                    "latent.gradient_descent.r [1]",
                    "output.weight [3, 24, 3, 3]",
                    "encoder_level1.gradient_descent.phi.qv.weight: file [24, 12] vs model [24, 12, 1, 1]",
                    "refinement.gradient_descent.prompt_param: file [1, 7, 2, 48, 48] vs model [1, 7, 2, 96, 96]",
                    "down1_2_i.body.1.weight"}) {
                assertTrue(msg.contains(part), "message lacks '" + part + "': " + msg);
            }
            assertFalse(msg.contains("\n"), "one line");
            // Nothing was loaded.
            assertEquals(before, StateDict.parameters(net).get("patch_embed.proj.weight").getArray());
        }
    }

    @Test
    void inputSizesThatAreNotMultiplesOfEightAreRejected() {
        VluNet net = new VluNet(TinyNet.config());
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray d = m.zeros(new Shape(1, 512));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> net.forward(m.zeros(new Shape(1, 3, 30, 48)), d));
            assertTrue(e.getMessage().contains("30x48") && e.getMessage().contains("multiple of 8"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
            e = assertThrows(IllegalArgumentException.class, () -> net.forward(m.zeros(new Shape(1, 1, 32, 32)), d));
            assertTrue(e.getMessage().contains("(batch, 3, height, width)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> net.forward(m.zeros(new Shape(2, 3, 32, 32)), d));
            assertTrue(e.getMessage().contains("(2, 512)"), e.getMessage());
        }
    }

    @Test
    void gdmWeightsAreTheFirstStagesSoftmaxOverTheDegradationClasses() {
        Map<String, HostTensor> w = Fixtures.readAll("vlunet_tiny_weights.safetensors");
        HostTensor feat = Fixtures.readAll("vlunet_tiny_io.safetensors").get("degradation");
        try (NDManager m = NDManager.newBaseManager()) {
            VluNet net = new VluNet(TinyNet.config()).initialize(m);
            StateDict.load(net, w, true, "tiny");
            float[] got = net.gdmWeights(feat.toNDArray(m)).toFloatArray();
            double[] a = w.get("encoder_level1.gradient_descent.linear.weight").toDoubles();
            double[] bias = w.get("encoder_level1.gradient_descent.linear.bias").toDoubles();
            double[] d = feat.toDoubles();
            int k = bias.length, n = 512, b = d.length / n;
            assertEquals(b * k, got.length);
            for (int row = 0; row < b; row++) {
                double[] z = new double[k];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j < k; j++) {
                    z[j] = bias[j];
                    for (int i = 0; i < n; i++) z[j] += a[j * n + i] * d[row * n + i];
                    max = Math.max(max, z[j]);
                }
                for (int j = 0; j < k; j++) sum += Math.exp(z[j] - max);
                for (int j = 0; j < k; j++) {
                    assertEquals(Math.exp(z[j] - max) / sum, got[row * k + j], 1e-6, "row " + row + " class " + j);
                }
            }
        }
    }
}
