package org.vlunet.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.vlunet.Fixtures;
import org.vlunet.TestDevice;
import org.vlunet.config.ModelConfig;
import org.vlunet.model.VluNet;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.StateDict;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * fixtures/train_steps_io: three torch.optim.AdamW steps (lr 2e-4) of the tiny VLUNet from vlunet_tiny_weights,
 * with the fixture's degradation features fed straight to the network. The four L1 losses to relative 1e-5 and
 * the tracked weights after the three steps to relative L2 1e-5; once on one replica, once split over two replicas
 * (both on {@link TestDevice}: on one GPU the two share it).
 */
class TrainStepsFixtureTest {

    static ModelConfig config(String json) throws Exception {
        JsonNode n = new ObjectMapper().readTree(json);
        return new ModelConfig(n.get("dim").asInt(), ints(n.get("num_blocks")), n.get("num_refinement_blocks").asInt(),
                ints(n.get("heads")), n.get("ffn_expansion_factor").asDouble(), n.get("de_dim").asInt(), 96, 512);
    }

    static int[] ints(JsonNode a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).asInt();
        return v;
    }

    static double relL2(float[] want, float[] got) {
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            num += (double) (want[i] - got[i]) * (want[i] - got[i]);
            den += (double) want[i] * want[i];
        }
        return Math.sqrt(num / den);
    }

    void reproduce(int replicas) throws Exception {
        Map<String, String> meta = Fixtures.open("train_steps_io.safetensors").metadata();
        Map<String, HostTensor> io = Fixtures.readAll("train_steps_io.safetensors");
        Map<String, HostTensor> init = Fixtures.readAll(meta.get("initial_weights"));
        double[] want = new ObjectMapper().readValue(meta.get("losses"), double[].class);
        ModelConfig cfg = config(meta.get("config"));
        Device device = TestDevice.get();
        try (NDManager m = NDManager.newBaseManager(device)) {
            List<DataParallel.Replica<VluNet>> reps = new ArrayList<>();
            for (int r = 0; r < replicas; r++) {
                VluNet net = new VluNet(cfg).initialize(m);
                StateDict.load(net, init, true, "vlunet_tiny_weights");
                reps.add(new DataParallel.Replica<>(net, device, f -> f.duplicate()));
            }
            double[] got = new double[4];
            try (DataParallel<VluNet> dp = new DataParallel<>(reps, VluNet::forward, m);
                 AdamW opt = new AdamW(dp.parameters(), AdamW.Settings.torchDefaults(), m);
                 NDManager data = m.newSubManager()) {
                TrainBatch batch = new TrainBatch(io.get("input").toNDArray(data), io.get("target").toNDArray(data),
                        io.get("degradation").toNDArray(data), new int[2]);
                for (int k = 0; k < 3; k++) {
                    dp.zeroGrad();
                    got[k] = dp.lossAndGradients(batch);
                    opt.step(2e-4, dp.gradients(), 0);
                    dp.broadcast();
                }
                try (NDManager s = m.newSubManager()) {
                    NDArray out = reps.get(0).model().forward(batch.degraded(), batch.clipInput());
                    got[3] = out.sub(batch.clean()).abs().mean().getFloat();
                }
                assertEquals(0, opt.stepCount("down1_2_i.body.0.weight"), "the unused convolution gets no update");
                assertEquals(3, opt.stepCount("output.weight"));
            }
            StringBuilder report = new StringBuilder(replicas + " replica(s):");
            for (int k = 0; k < 4; k++) {
                double rel = Math.abs(got[k] - want[k]) / want[k];
                report.append(String.format(" loss%d rel %.2e", k, rel));
                assertTrue(rel < 1e-5, "loss " + k + ": " + got[k] + " vs " + want[k]);
            }
            Map<String, HostTensor> after = StateDict.save(reps.get(0).model());
            double worst = 0;
            for (Map.Entry<String, HostTensor> e : io.entrySet()) {
                if (!e.getKey().startsWith("after.")) continue;
                String key = e.getKey().substring("after.".length());
                double rel = relL2(e.getValue().toFloats(), after.get(key).toFloats());
                worst = Math.max(worst, rel);
                assertTrue(rel < 1e-5, key + ": relative L2 " + rel);
                // the tracked weights did move: the check is not trivially met by the initial weights
                assertTrue(relL2(e.getValue().toFloats(), init.get(key).toFloats()) > 10 * rel, key + " barely moved");
            }
            report.append(String.format("; worst tracked weight rel L2 %.2e", worst));
            System.out.println("train_steps_io " + report);
        }
    }

    @Test
    void threeAdamWStepsMatchTorch() throws Exception {
        reproduce(1);
    }

    @Test
    void threeAdamWStepsMatchTorchOnTwoReplicas() throws Exception {
        reproduce(2);
    }
}
