package org.vlunet.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import org.vlunet.weights.HostTensor;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code torch.optim.AdamW} (amsgrad off), step for step:
 * <pre>
 *   p ← p·(1 − lr·wd)
 *   m ← β1·m + (1 − β1)·g          v ← β2·v + (1 − β2)·g²
 *   p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
 * </pre>
 * with ε added after the bias correction, as torch does (DJL's Adam adds it before, and keeps its state private,
 * so a run could not be resumed exactly). A parameter no backward pass reached is skipped, weight decay
 * included, and its step count does not advance, as torch skips {@code grad is None}.
 *
 * <p>The update is in place, with constants and per-step scalars as 0-d arrays on the parameter's device (a
 * Java scalar would be copied to the device for every op), and the few temporaries of each parameter closed
 * at once. State: per parameter its step count, {@code exp_avg} and {@code exp_avg_sq}, exported and restored
 * as host tensors so that {@code --resume} continues bit for bit.
 */
public final class AdamW implements AutoCloseable {

    /** Hyper-parameters other than the learning rate (which the schedule gives each step). */
    public record Settings(double beta1, double beta2, double eps, double weightDecay) {
        public Settings {
            if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("AdamW betas must lie in [0, 1), got " + beta1 + ", " + beta2);
            }
            if (!(eps >= 0) || !(weightDecay >= 0)) {
                throw new IllegalArgumentException("AdamW eps and weight decay must be >= 0, got " + eps + ", " + weightDecay);
            }
        }

        /** torch.optim.AdamW's defaults, which the authors used: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
        public static Settings torchDefaults() {
            return new Settings(0.9, 0.999, 1e-8, 0.01);
        }
    }

    /** One parameter's state. */
    private static final class Slot {
        long step;
        NDArray expAvg;
        NDArray expAvgSq;
    }

    /** The constant scalars, one set per device. */
    private static final class Constants {
        final NDArray beta1, beta2, oneMinusBeta2, eps;

        Constants(NDManager m, Settings s) {
            beta1 = m.create((float) s.beta1());
            beta2 = m.create((float) s.beta2());
            oneMinusBeta2 = m.create((float) (1 - s.beta2()));
            eps = m.create((float) s.eps());
        }
    }

    private final LinkedHashMap<String, Parameter> params;
    private final Settings settings;
    private final NDManager manager;
    private final Map<String, Slot> slots = new HashMap<>();
    private final Map<Device, NDManager> deviceManagers = new HashMap<>();
    private final Map<Device, Constants> constants = new HashMap<>();

    /**
     * @param params the parameters to train, by reference name (gradients are read from them)
     * @param manager the state lives in a sub-manager of it (closed with this optimizer)
     */
    public AdamW(Map<String, Parameter> params, Settings settings, NDManager manager) {
        this.params = new LinkedHashMap<>(params);
        this.settings = settings;
        this.manager = manager.newSubManager();
    }

    public Settings settings() {
        return settings;
    }

    /** The parameters this optimizer updates, by name. */
    public Map<String, Parameter> parameters() {
        return java.util.Collections.unmodifiableMap(params);
    }

    /** torch's per-parameter {@code state['step']}: 0 before the first update that reached it. */
    public long stepCount(String name) {
        Slot s = slots.get(name);
        return s == null ? 0 : s.step;
    }

    /**
     * One update with learning rate {@code lr} from the gradients now held by the parameters. Returns the
     * number of parameters updated (those with a gradient). Gradients are left as they are: zero them with
     * {@link #zeroGrad()} before the next backward pass.
     */
    public int step(double lr) {
        int updated = 0;
        Map<Device, Map<Long, NDArray[]>> perStep = new HashMap<>();
        try (NDManager sub = manager.newSubManager()) {
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray p = e.getValue().getArray();
                NDArray g = Gradients.of(e.getValue(), sub);
                if (g == null) continue;
                Slot s = slots.computeIfAbsent(e.getKey(), k -> new Slot());
                if (s.expAvg == null) {
                    s.expAvg = zerosLike(p);
                    s.expAvgSq = zerosLike(p);
                }
                s.step++;
                Device d = p.getDevice();
                Constants c = constants(d);
                // decay, step size and 1/√(bias correction 2) depend on (lr, step): made once per step and device
                NDArray[] k = perStep.computeIfAbsent(d, x -> new HashMap<>())
                        .computeIfAbsent(s.step, t -> stepScalars(sub, d, lr, t));
                try (NDArray gSq = g.mul(g)) {
                    if (settings.weightDecay() != 0) p.muli(k[0]);
                    // m + (1-β1)(g - m) = β1(m - g) + g: torch's lerp, without a temporary
                    s.expAvg.subi(g).muli(c.beta1).addi(g);
                    s.expAvgSq.muli(c.beta2).addi(gSq.muli(c.oneMinusBeta2));
                }
                try (NDArray denom = s.expAvgSq.sqrt(); NDArray q = s.expAvg.div(denom.divi(k[2]).addi(c.eps))) {
                    p.subi(q.muli(k[1]));
                }
                g.close();
                updated++;
            }
        }
        return updated;
    }

    /** [1 − lr·wd, lr / (1 − β1ᵗ), √(1 − β2ᵗ)] as float32 0-d arrays (torch rounds its Python scalars the same way). */
    private NDArray[] stepScalars(NDManager sub, Device d, double lr, long t) {
        double bc1 = 1 - Math.pow(settings.beta1(), t);
        double bc2 = 1 - Math.pow(settings.beta2(), t);
        try (NDManager m = sub.newSubManager(d)) {
            NDArray[] out = {
                m.create((float) (1 - lr * settings.weightDecay())),
                m.create((float) (lr / bc1)),
                m.create((float) Math.sqrt(bc2)),
            };
            for (NDArray a : out) a.attach(sub);
            return out;
        }
    }

    private Constants constants(Device d) {
        return constants.computeIfAbsent(d, x -> new Constants(deviceManager(x), settings));
    }

    private NDManager deviceManager(Device d) {
        return deviceManagers.computeIfAbsent(d, x -> manager.newSubManager(x));
    }

    private NDArray zerosLike(NDArray p) {
        NDArray z = p.zerosLike();
        z.attach(deviceManager(p.getDevice()));
        return z;
    }

    /** Zeroes every parameter's gradient in place. */
    public void zeroGrad() {
        Gradients.zero(params.values());
    }

    /**
     * The state as host tensors: {@code <param>.step} (int64 scalar), {@code <param>.exp_avg},
     * {@code <param>.exp_avg_sq} (float32), for each parameter updated at least once.
     */
    public LinkedHashMap<String, HostTensor> state() {
        LinkedHashMap<String, HostTensor> out = new LinkedHashMap<>();
        for (String name : params.keySet()) {
            Slot s = slots.get(name);
            if (s == null || s.expAvg == null) continue;
            out.put(name + ".step", HostTensor.ofLongs(new long[0], new long[] {s.step}));
            out.put(name + ".exp_avg", HostTensor.of(s.expAvg));
            out.put(name + ".exp_avg_sq", HostTensor.of(s.expAvgSq));
        }
        return out;
    }

    /**
     * Replaces the state with one from {@link #state()}. Every entry must name a parameter of this optimizer
     * with the same shape (else nothing changes and the message lists what does not fit); parameters absent
     * from it start afresh.
     */
    public void loadState(Map<String, HostTensor> state, String what) {
        java.util.List<String> problems = new java.util.ArrayList<>();
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        for (Map.Entry<String, HostTensor> e : state.entrySet()) {
            String key = e.getKey();
            String name = null;
            for (String suffix : SUFFIXES) {
                if (key.endsWith(suffix)) name = key.substring(0, key.length() - suffix.length());
            }
            if (name == null) {
                problems.add("unknown entry '" + key + "'");
            } else if (!params.containsKey(name)) {
                problems.add("'" + name + "' is not a trained parameter");
            } else {
                names.add(name);
                long[] want = key.endsWith(".step") ? new long[0] : params.get(name).getArray().getShape().getShape();
                if (!Arrays.equals(e.getValue().shape(), want)) {
                    problems.add(key + ": shape " + Arrays.toString(e.getValue().shape()) + ", expected " + Arrays.toString(want));
                }
            }
        }
        for (String name : names) {
            for (String suffix : SUFFIXES) {
                if (!state.containsKey(name + suffix)) problems.add(name + suffix + " is missing");
            }
        }
        if (!problems.isEmpty()) {
            throw new org.vlunet.weights.WeightsException(what + " does not fit the optimizer: " + String.join("; ", problems));
        }
        clearState();
        for (String name : names) {
            NDArray p = params.get(name).getArray();
            Slot s = new Slot();
            s.step = state.get(name + ".step").toLongs()[0];
            s.expAvg = toDevice(state.get(name + ".exp_avg"), p.getDevice());
            s.expAvgSq = toDevice(state.get(name + ".exp_avg_sq"), p.getDevice());
            slots.put(name, s);
        }
    }

    private static final String[] SUFFIXES = {".step", ".exp_avg", ".exp_avg_sq"};

    private NDArray toDevice(HostTensor t, Device d) {
        NDManager m = deviceManager(d);
        return t.toNDArray(m).toType(DataType.FLOAT32, false);
    }

    private void clearState() {
        for (Slot s : slots.values()) {
            if (s.expAvg != null) s.expAvg.close();
            if (s.expAvgSq != null) s.expAvgSq.close();
        }
        slots.clear();
    }

    @Override
    public void close() {
        slots.clear();
        constants.clear();
        deviceManagers.clear();
        manager.close();
    }
}
