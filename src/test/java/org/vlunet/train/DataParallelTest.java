package org.vlunet.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import org.junit.jupiter.api.Test;
import org.vlunet.weights.StateDict;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataParallelTest {

    static final int D = 6;

    static TrainBatch batch(NDManager m, int n, long seed) {
        m.getEngine().setRandomSeed((int) seed);
        NDArray clean = m.randomUniform(0, 1, new Shape(n, 3, 8, 8));
        NDArray degraded = clean.add(m.randomNormal(0, 0.1f, new Shape(n, 3, 8, 8), ai.djl.ndarray.types.DataType.FLOAT32));
        NDArray feats = m.randomNormal(new Shape(n, D));
        return new TrainBatch(degraded, clean, feats, new int[n]);
    }

    /** Runs three steps of AdamW with {@code k} replicas on the CPU; returns losses, first-step gradients, final weights. */
    static Object[] run(int k, int n) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            ToyNet first = new ToyNet(D).initialize(m);
            List<DataParallel.Replica<ToyNet>> reps = new ArrayList<>();
            m.getEngine().setRandomSeed(7);
            ToyNet seeded = new ToyNet(D).initialize(m);
            StateDict.load(first, StateDict.save(seeded), true, "seed");
            for (int r = 0; r < k; r++) {
                ToyNet net = r == 0 ? first : new ToyNet(D).initialize(m);
                StateDict.load(net, StateDict.save(first), true, "replica");
                reps.add(new DataParallel.Replica<>(net, Device.cpu(), f -> f.duplicate()));
            }
            double[] losses = new double[3];
            Map<String, float[]> grads = new LinkedHashMap<>();
            try (DataParallel<ToyNet> dp = new DataParallel<>(reps, ToyNet::forward, m);
                 AdamW opt = new AdamW(dp.parameters(), AdamW.Settings.torchDefaults(), m)) {
                for (int s = 0; s < 3; s++) {
                    dp.zeroGrad();
                    try (NDManager bm = m.newSubManager(); TrainBatch b = batch(bm, n, 100 + s)) {
                        losses[s] = dp.lossAndGradients(b);
                    }
                    if (s == 0) {
                        try (NDManager gm = m.newSubManager()) {
                            GradientSource summed = dp.gradients();
                            summed.prepare();
                            int i = 0;
                            for (String key : dp.parameters().keySet()) {
                                grads.put(key, summed.has(i) ? summed.gather(i, i + 1, gm).toFloatArray() : null);
                                i++;
                            }
                        }
                    }
                    opt.step(0.01, dp.gradients(), 0);
                    dp.broadcast();
                    assertTrue(dp.inSync(), "replicas equal after the broadcast");
                }
                Map<String, float[]> weights = new LinkedHashMap<>();
                StateDict.save(first).forEach((key, t) -> weights.put(key, t.toFloats()));
                return new Object[] {losses, grads, weights};
            }
        }
    }

    static double relL2(float[] want, float[] got) {
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            num += (double) (want[i] - got[i]) * (want[i] - got[i]);
            den += (double) want[i] * want[i];
        }
        return Math.sqrt(num / Math.max(den, 1e-300));
    }

    @Test
    void splitIsAsEvenAsPossible() {
        assertArrayEquals(new int[] {2, 2, 1}, DataParallel.split(5, 3));
        assertArrayEquals(new int[] {1, 1, 0}, DataParallel.split(2, 3));
        assertArrayEquals(new int[] {4}, DataParallel.split(4, 1));
    }

    @Test
    @SuppressWarnings("unchecked")
    void replicasMatchOneDevice() {
        Object[] one = run(1, 5);
        for (int k : new int[] {2, 3}) {
            Object[] many = run(k, 5);
            double[] l1 = (double[]) one[0], lk = (double[]) many[0];
            for (int s = 0; s < 3; s++) assertEquals(l1[s], lk[s], 1e-6 * l1[s], k + " replicas, loss " + s);
            Map<String, float[]> g1 = (Map<String, float[]>) one[1], gk = (Map<String, float[]>) many[1];
            assertEquals(null, g1.get("unused"));
            assertEquals(null, gk.get("unused"));
            for (String p : List.of("conv1", "proj", "conv2")) {
                assertTrue(relL2(g1.get(p), gk.get(p)) < 1e-6, k + " replicas, gradient " + p + ": " + relL2(g1.get(p), gk.get(p)));
            }
            Map<String, float[]> w1 = (Map<String, float[]>) one[2], wk = (Map<String, float[]>) many[2];
            for (String p : w1.keySet()) {
                assertTrue(relL2(w1.get(p), wk.get(p)) < 1e-6, k + " replicas, weight " + p + ": " + relL2(w1.get(p), wk.get(p)));
            }
        }
    }
}
