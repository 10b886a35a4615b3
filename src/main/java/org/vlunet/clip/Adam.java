package org.vlunet.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.WeightsException;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * torch.optim.Adam (betas 0.9/0.999, eps 1e-8, no weight decay, no amsgrad), as the authors fine-tune the
 * adapter: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − (lr/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε).
 * Gradients are cleared after each step.
 */
public final class Adam {
    public static final double BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8;

    private final Map<String, Parameter> params;
    private final Map<String, NDArray> m = new LinkedHashMap<>(), v = new LinkedHashMap<>();
    private final NDManager manager;
    private final NDArray beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps;
    private double lr;
    private long step;

    /** {@code params} by reference key; state lives on {@code manager} (the parameters' device). */
    public Adam(Map<String, Parameter> params, double lr, NDManager manager) {
        this.params = new LinkedHashMap<>(params);
        this.lr = lr;
        this.manager = manager.newSubManager();
        for (Map.Entry<String, Parameter> e : this.params.entrySet()) {
            NDArray p = e.getValue().getArray();
            m.put(e.getKey(), this.manager.zeros(p.getShape(), p.getDataType(), p.getDevice()));
            v.put(e.getKey(), this.manager.zeros(p.getShape(), p.getDataType(), p.getDevice()));
        }
        beta1 = this.manager.create((float) BETA1);
        oneMinusBeta1 = this.manager.create((float) (1 - BETA1));
        beta2 = this.manager.create((float) BETA2);
        oneMinusBeta2 = this.manager.create((float) (1 - BETA2));
        eps = this.manager.create((float) EPS);
    }

    public long steps() {
        return step;
    }

    public double learningRate() {
        return lr;
    }

    public void setLearningRate(double lr) {
        this.lr = lr;
    }

    /** One update from the gradients now held by the parameters, which are then zeroed. */
    public void step() {
        step++;
        double bc1 = 1 - Math.pow(BETA1, step), bc2 = 1 - Math.pow(BETA2, step);
        try (NDManager s = manager.newSubManager()) {
            NDArray stepSize = s.create((float) (lr / bc1));
            NDArray sqrtBc2 = s.create((float) Math.sqrt(bc2));
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray p = e.getValue().getArray();
                NDArray g = p.getGradient();
                g.attach(s);
                NDArray mk = m.get(e.getKey()), vk = v.get(e.getKey());
                // Results belong to their first operand's manager: the long-lived m and v must not collect them.
                NDArray gm = g.mul(oneMinusBeta1);
                mk.muli(beta1).addi(gm);
                NDArray g2 = g.square().muli(oneMinusBeta2);
                vk.muli(beta2).addi(g2);
                NDArray denom = vk.sqrt();
                denom.attach(s);
                denom.divi(sqrtBc2).addi(eps);
                NDArray update = mk.mul(stepSize);
                update.attach(s);
                p.subi(update.divi(denom));
                g.subi(g);
            }
        }
    }

    /** m and v under "adam.m.KEY" / "adam.v.KEY" (the step count goes in metadata, see {@link #steps()}). */
    public Map<String, HostTensor> state() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        m.forEach((k, a) -> out.put("adam.m." + k, HostTensor.of(a)));
        v.forEach((k, a) -> out.put("adam.v." + k, HostTensor.of(a)));
        return out;
    }

    /** Restores {@link #state()} and the step count; every key must be present with its shape. */
    public void load(Map<String, HostTensor> state, long steps, String what) {
        for (String k : params.keySet()) {
            for (String kind : new String[] {"m", "v"}) {
                HostTensor t = state.get("adam." + kind + "." + k);
                NDArray target = (kind.equals("m") ? m : v).get(k);
                if (t == null) throw new WeightsException(what + ": optimizer state lacks adam." + kind + "." + k);
                if (!java.util.Arrays.equals(t.shape(), target.getShape().getShape())) {
                    throw new WeightsException(what + ": adam." + kind + "." + k + " has shape " + java.util.Arrays.toString(t.shape())
                            + ", expected " + target.getShape());
                }
                target.set(java.nio.FloatBuffer.wrap(t.toFloats()));
            }
        }
        this.step = steps;
    }
}
