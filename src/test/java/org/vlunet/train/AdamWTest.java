package org.vlunet.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import org.junit.jupiter.api.Test;
import org.vlunet.model.ModuleBlock;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.StateDict;
import org.vlunet.weights.WeightsException;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdamWTest {

    /** Three parameters: w (2x3), tiny (4, gradients ~1e-8 so that eps matters), unused (never in the loss). */
    static final class Toy extends ModuleBlock {
        final Parameter w = weight("w", 2, 3);
        final Parameter tiny = weight("tiny", 4);
        final Parameter unused = weight("unused", 2);
    }

    static final double[] A = {0.3, -1.2, 0.7, 2.0, -0.4, 0.05};
    static final double[] B = {0.5, 0.1, 1.5, 0.2, 0.9, 0.3};
    static final double[] TA = {1e-8, -3e-8, 2e-9, 5e-8};

    static void set(Parameter p, double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        p.getArray().set(f);
    }

    static double[] values(Parameter p) {
        float[] f = p.getArray().toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /** loss = Σ a·w + Σ b·w² + Σ ta·tiny: d/dw = a + 2b·w, d/dtiny = ta. */
    static void backward(Toy t, NDManager m) {
        try (NDManager sub = m.newSubManager()) {
            Gradients.record(true);
            NDArray a = sub.create(toF(A)).reshape(2, 3), b = sub.create(toF(B)).reshape(2, 3), ta = sub.create(toF(TA));
            NDArray w = t.w.getArray(), tiny = t.tiny.getArray();
            NDArray loss = a.mul(w).sum().add(b.mul(w.square()).sum()).add(ta.mul(tiny).sum());
            Gradients.backward(loss);
            Gradients.record(false);
        }
    }

    static float[] toF(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    /** The torch formulas in double precision. */
    static final class Reference {
        final double b1 = 0.9, b2 = 0.999, eps = 1e-8, wd;
        final double[] p, m, v;
        long t;

        Reference(double[] p0, double wd) {
            p = p0.clone();
            m = new double[p.length];
            v = new double[p.length];
            this.wd = wd;
        }

        void step(double lr, double[] g) {
            t++;
            double bc1 = 1 - Math.pow(b1, t), bc2 = 1 - Math.pow(b2, t);
            for (int i = 0; i < p.length; i++) {
                p[i] *= 1 - lr * wd;
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                double denom = Math.sqrt(v[i]) / Math.sqrt(bc2) + eps;
                p[i] -= lr / bc1 * m[i] / denom;
            }
        }
    }

    static double maxRel(double[] want, double[] got) {
        double worst = 0;
        for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got[i]) / Math.max(Math.abs(want[i]), 1e-30));
        return worst;
    }

    @Test
    void matchesTorchFormulasInDoublePrecision() {
        try (NDManager m = NDManager.newBaseManager()) {
            Toy toy = new Toy().initialize(m);
            double[] w0 = {0.2, -0.5, 1.0, 0.0, 0.8, -1.5};
            double[] tiny0 = {1e-3, -2e-3, 5e-4, 0.0};
            set(toy.w, w0);
            set(toy.tiny, tiny0);
            double[] unused0 = values(toy.unused);
            Reference rw = new Reference(w0, 0.01), rt = new Reference(tiny0, 0.01);
            // a large rate makes the decoupled decay visible above float32 noise
            double[] lrs = {0.1, 0.05, 0.2, 0.01, 0.1};
            try (AdamW opt = new AdamW(StateDict.parameters(toy), AdamW.Settings.torchDefaults(), m)) {
                for (double lr : lrs) {
                    opt.zeroGrad();
                    backward(toy, m);
                    double[] g = new double[6];
                    for (int i = 0; i < 6; i++) g[i] = A[i] + 2 * B[i] * rw.p[i];
                    rw.step(lr, g);
                    rt.step(lr, TA);
                    assertEquals(2, opt.step(lr));
                    assertTrue(maxRel(rw.p, values(toy.w)) < 2e-6, "w: " + maxRel(rw.p, values(toy.w)));
                    // tiny gradients: eps is of the size of √v̂, so its placement decides the step
                    assertTrue(maxRel(rt.p, values(toy.tiny)) < 2e-6, "tiny: " + maxRel(rt.p, values(toy.tiny)));
                }
                assertArrayEquals(unused0, values(toy.unused), "a parameter without gradient is not touched");
                assertEquals(5, opt.stepCount("w"));
                assertEquals(0, opt.stepCount("unused"));
                assertEquals(6, opt.state().size());
            }
        }
    }

    @Test
    void flatBuffersGiveTheSameNumbersAsPerParameterUpdates() {
        // the whole buffer in one chunk (as on a GPU), and one chunk per parameter
        flatAgainstPerParameter(Long.MAX_VALUE);
        flatAgainstPerParameter(5);
    }

    private static void flatAgainstPerParameter(long chunk) {
        try (NDManager m = NDManager.newBaseManager()) {
            Toy a = new Toy().initialize(m), b = new Toy().initialize(m);
            StateDict.load(b, StateDict.save(a), true, "copy");
            Map<String, Parameter> pa = new LinkedHashMap<>(), pb = new LinkedHashMap<>();
            pa.put("w", a.w);
            pa.put("tiny", a.tiny);
            pb.put("w", b.w);
            pb.put("tiny", b.tiny);
            NDArray before = a.w.getArray();
            try (AdamW flat = new AdamW(pa, AdamW.Settings.torchDefaults(), m, true, chunk);
                 AdamW each = new AdamW(pb, AdamW.Settings.torchDefaults(), m, false, AdamW.CPU_CHUNK)) {
                assertTrue(flat.flat());
                assertTrue(!each.flat());
                assertTrue(before != a.w.getArray(), "the parameter now lives in the optimizer's buffer");
                assertArrayEquals(b.w.getArray().toFloatArray(), a.w.getArray().toFloatArray(), "moving changes no value");
                double[] lrs = {0.1, 0.05, 0.2, 0.01};
                for (double lr : lrs) {
                    flat.zeroGrad();
                    backward(a, m);
                    each.zeroGrad();
                    backward(b, m);
                    assertEquals(2, flat.step(lr));
                    assertEquals(2, each.step(lr));
                    assertArrayEquals(b.w.getArray().toFloatArray(), a.w.getArray().toFloatArray());
                    assertArrayEquals(b.tiny.getArray().toFloatArray(), a.tiny.getArray().toFloatArray());
                }
                Map<String, HostTensor> sa = flat.state(), sb = each.state();
                assertEquals(sb.keySet(), sa.keySet());
                for (String k : sb.keySet()) assertArrayEquals(sb.get(k).toFloats(), sa.get(k).toFloats(), k);

                // the flat state loads into a per-parameter optimizer and back, and both go on alike
                each.loadState(sa, "flat state");
                flat.loadState(sb, "per-parameter state");
                flat.zeroGrad();
                backward(a, m);
                each.zeroGrad();
                backward(b, m);
                flat.step(0.03);
                each.step(0.03);
                assertArrayEquals(b.w.getArray().toFloatArray(), a.w.getArray().toFloatArray());
                assertEquals(5, flat.stepCount("tiny"));
            }
        }
    }

    @Test
    void aParameterWithoutGradientOnOneStepIsSkippedAsTorchDoes() {
        // step 1 reaches only w; from then on the step counts differ and the flat group is updated per parameter
        try (NDManager m = NDManager.newBaseManager()) {
            Toy a = new Toy().initialize(m), b = new Toy().initialize(m);
            StateDict.load(b, StateDict.save(a), true, "copy");
            Map<String, Parameter> pa = new LinkedHashMap<>(Map.of("w", a.w, "tiny", a.tiny));
            Map<String, Parameter> pb = new LinkedHashMap<>(Map.of("w", b.w, "tiny", b.tiny));
            try (AdamW flat = new AdamW(pa, AdamW.Settings.torchDefaults(), m);
                 AdamW each = new AdamW(pb, AdamW.Settings.torchDefaults(), m, false, AdamW.CPU_CHUNK)) {
                for (Toy t : new Toy[] {a, b}) {
                    try (NDManager sub = m.newSubManager()) {
                        Gradients.record(true);
                        Gradients.backward(t.w.getArray().square().sum());
                        Gradients.record(false);
                    }
                }
                double[] tinyBefore = values(a.tiny);
                assertEquals(1, flat.step(0.1));
                assertEquals(1, each.step(0.1));
                assertArrayEquals(tinyBefore, values(a.tiny), "no gradient, no decay");
                for (int s = 0; s < 2; s++) {
                    flat.zeroGrad();
                    backward(a, m);
                    each.zeroGrad();
                    backward(b, m);
                    flat.step(0.05);
                    each.step(0.05);
                }
                assertEquals(3, flat.stepCount("w"));
                assertEquals(2, flat.stepCount("tiny"));
                assertArrayEquals(b.w.getArray().toFloatArray(), a.w.getArray().toFloatArray());
                assertArrayEquals(b.tiny.getArray().toFloatArray(), a.tiny.getArray().toFloatArray());
            }
        }
    }

    @Test
    void epsIsAddedAfterBiasCorrection() {
        // first step with g = 1e-8: √v̂ = |g| = eps, so the step is lr·g/(|g| + eps) = lr/2 (DJL's form gives ≈ lr·0.97)
        try (NDManager m = NDManager.newBaseManager()) {
            Toy toy = new Toy().initialize(m);
            set(toy.w, new double[6]);
            set(toy.tiny, new double[4]);
            try (AdamW opt = new AdamW(Map.of("tiny", toy.tiny), new AdamW.Settings(0.9, 0.999, 1e-8, 0), m)) {
                backward(toy, m);
                opt.step(1.0);
            }
            double[] got = values(toy.tiny);
            for (int i = 0; i < 4; i++) {
                double g = TA[i];
                assertEquals(-Math.signum(g) * Math.abs(g) / (Math.abs(g) + 1e-8), got[i], 1e-6);
            }
        }
    }

    @Test
    void stateRoundTripResumesExactly() {
        try (NDManager m = NDManager.newBaseManager()) {
            Toy a = new Toy().initialize(m), b = new Toy().initialize(m);
            try (AdamW optA = new AdamW(StateDict.parameters(a), AdamW.Settings.torchDefaults(), m)) {
                for (int s = 0; s < 3; s++) {
                    optA.zeroGrad();
                    backward(a, m);
                    optA.step(0.05);
                }
                Map<String, HostTensor> state = new LinkedHashMap<>(optA.state());
                StateDict.load(b, StateDict.save(a), true, "copy");
                try (AdamW optB = new AdamW(StateDict.parameters(b), AdamW.Settings.torchDefaults(), m)) {
                    optB.loadState(state, "saved state");
                    assertEquals(3, optB.stepCount("w"));
                    for (int s = 0; s < 2; s++) {
                        optA.zeroGrad();
                        backward(a, m);
                        optA.step(0.07);
                        optB.zeroGrad();
                        backward(b, m);
                        optB.step(0.07);
                    }
                    assertArrayEquals(a.w.getArray().toFloatArray(), b.w.getArray().toFloatArray());
                    assertArrayEquals(a.tiny.getArray().toFloatArray(), b.tiny.getArray().toFloatArray());
                    assertEquals(5, optB.stepCount("tiny"));

                    Map<String, HostTensor> bad = new LinkedHashMap<>(state);
                    bad.put("other.exp_avg", HostTensor.ofFloats(new long[] {1}, new float[] {0}));
                    bad.put("w.exp_avg", HostTensor.ofFloats(new long[] {6}, new float[6]));
                    WeightsException e = assertThrows(WeightsException.class, () -> optB.loadState(bad, "bad state"));
                    assertTrue(e.getMessage().contains("'other' is not a trained parameter"), e.getMessage());
                    assertTrue(e.getMessage().contains("w.exp_avg: shape [6], expected [2, 3]"), e.getMessage());
                    assertEquals(5, optB.stepCount("w"), "a failed load changes nothing");
                }
            }
        }
    }

    @Test
    void clippingInTheStepScalesLikeTorch() {
        // grads: w = A (b·w term is 0), tiny = TA; clip_grad_norm_ scales both by maxNorm / (norm + 1e-6)
        double norm = 0;
        for (double x : A) norm += x * x;
        for (double x : TA) norm += x * x;
        norm = Math.sqrt(norm);
        double coef = 1.0 / (norm + 1e-6);
        double[] clipped = stepAfter(1.0, 1.0), scaledByHand = stepAfter(coef, 0), free = stepAfter(1.0, 0);
        for (int i = 0; i < clipped.length; i++) {
            assertEquals(scaledByHand[i], clipped[i], 1e-7, "clipped at norm 1: element " + i);
        }
        assertArrayEquals(free, stepAfter(1.0, 10.0), 0.0, "below the limit nothing changes");
        assertTrue(Math.abs(free[0] - clipped[0]) > 1e-4, "clipping changed the update");
    }

    /** The toy's w after one AdamW step (lr 1, weight decay 0) on its gradients times {@code scale}, clipped at {@code maxNorm}. */
    private static double[] stepAfter(double scale, double maxNorm) {
        try (NDManager m = NDManager.newBaseManager()) {
            Toy toy = new Toy().initialize(m);
            set(toy.w, new double[6]);
            // a large epsilon keeps the update far from sign(g), so that scaling the gradient shows
            try (AdamW opt = new AdamW(StateDict.parameters(toy), new AdamW.Settings(0.9, 0.999, 1.0, 0), m)) {
                backward(toy, m);
                if (scale != 1.0) {
                    try (NDManager sub = m.newSubManager()) {
                        Gradients.of(toy.w, sub).muli((float) scale);
                        Gradients.of(toy.tiny, sub).muli((float) scale);
                    }
                }
                opt.step(1.0, null, maxNorm);
                return values(toy.w);
            }
        }
    }
}
