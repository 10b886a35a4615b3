package org.vlunet.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.StateDict;

import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
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
 * Java scalar would be copied to the device for every op). The parameters of each device are moved into one
 * buffer ({@link FlatParameters}) and the moments kept as two more, so a step gathers the gradients into one
 * array and updates the whole model in a dozen ops, element for element the same arithmetic as per parameter.
 * A parameter without a gradient is left as it was; only when the parameters with one are at different step
 * counts (one was skipped before) is the step done parameter by parameter, on views of the same buffers. State: per parameter its step count, {@code exp_avg} and {@code exp_avg_sq}, exported and restored
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

    /** One parameter's state ({@code expAvg}/{@code expAvgSq} are views into its group's buffers when flat). */
    private static final class Slot {
        /** The moments are views into a flat group's buffers (kept, zeroed, never closed alone). */
        boolean view;
        long step;
        NDArray expAvg;
        NDArray expAvgSq;
    }

    /** Consecutive parameters {@code [first, end)} of a flat group and their stretch of its three buffers. */
    private record Chunk(int first, int end, NDArray p, NDArray expAvg, NDArray expAvgSq) {}

    /**
     * Elements per chunk on the CPU. One pass over the whole model per op would stream it from memory a dozen
     * times; runs of a few MB stay in cache across the update's ops (measured on the paper configuration: the
     * whole buffer at once took 3x as long as per parameter, chunks of this size about as long, with a tenth
     * of the ops). A GPU takes the whole group in one chunk: there the cost is per op.
     */
    static final long CPU_CHUNK = 1 << 18;

    /** The parameters of one device, flat (one buffer each for values and moments) or not. */
    private static final class Group {
        final Device device;
        final List<String> names = new ArrayList<>();
        FlatParameters flat;
        NDArray expAvg, expAvgSq;
        /** Runs of whole parameters updated together: [first, end) indices and views of p, m, v over them. */
        final List<Chunk> chunks = new ArrayList<>();

        Group(Device device) {
            this.device = device;
        }
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
    private final List<Group> groups = new ArrayList<>();

    /**
     * @param params the parameters to train, by reference name (gradients are read from them)
     * @param manager the state lives in a sub-manager of it (closed with this optimizer)
     */
    public AdamW(Map<String, Parameter> params, Settings settings, NDManager manager) {
        this(params, settings, manager, true, CPU_CHUNK);
    }

    /**
     * @param flatten move each device's parameters into one buffer (off: per parameter, for comparison)
     * @param chunkElements on the CPU, update runs of parameters of about this many elements together
     */
    AdamW(Map<String, Parameter> params, Settings settings, NDManager manager, boolean flatten, long chunkElements) {
        this.params = new LinkedHashMap<>(params);
        this.settings = settings;
        this.manager = manager.newSubManager();
        Map<Device, Group> byDevice = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : this.params.entrySet()) {
            byDevice.computeIfAbsent(e.getValue().getArray().getDevice(), Group::new).names.add(e.getKey());
        }
        for (Group g : byDevice.values()) {
            List<Parameter> ps = new ArrayList<>();
            for (String n : g.names) ps.add(this.params.get(n));
            g.flat = flatten ? FlatParameters.of(ps, g.device) : null;
            if (g.flat != null) {
                NDManager dm = deviceManager(g.device);
                g.expAvg = g.flat.buffer().zerosLike();
                g.expAvg.attach(dm);
                g.expAvgSq = g.flat.buffer().zerosLike();
                g.expAvgSq.attach(dm);
                for (int i = 0; i < g.names.size(); i++) {
                    NDArray p = ps.get(i).getArray();
                    Slot s = new Slot();
                    s.view = true;
                    s.expAvg = FlatParameters.view(g.expAvg, g.flat.offset(i), g.flat.size(i), p);
                    s.expAvgSq = FlatParameters.view(g.expAvgSq, g.flat.offset(i), g.flat.size(i), p);
                    slots.put(g.names.get(i), s);
                }
                long limit = g.device.isGpu() ? Long.MAX_VALUE : chunkElements;
                for (int first = 0; first < g.names.size(); ) {
                    int end = first;
                    long n = 0;
                    while (end < g.names.size() && (end == first || n + g.flat.size(end) <= limit)) n += g.flat.size(end++);
                    long from = g.flat.offset(first), to = from + n;
                    g.chunks.add(new Chunk(first, end, FlatParameters.range(g.flat.buffer(), from, to),
                            FlatParameters.range(g.expAvg, from, to), FlatParameters.range(g.expAvgSq, from, to)));
                    first = end;
                }
            }
            groups.add(g);
        }
    }

    /** Whether the parameters of every device were moved into one buffer (the fast path). */
    public boolean flat() {
        for (Group g : groups) {
            if (g.flat == null) return false;
        }
        return !groups.isEmpty();
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
            for (Group group : groups) {
                NDArray[] grads = new NDArray[group.names.size()];
                long t = -1; // the step count every parameter with a gradient has, or -2 when they differ
                for (int i = 0; i < grads.length; i++) {
                    String name = group.names.get(i);
                    grads[i] = Gradients.of(params.get(name), sub);
                    if (grads[i] == null) continue;
                    long c = stepCount(name);
                    t = t == -1 || t == c ? c : -2;
                }
                if (t == -1) continue; // no gradient at all
                if (group.flat != null && t >= 0) {
                    updated += flatStep(group, grads, lr, t + 1, sub, perStep);
                } else {
                    for (int i = 0; i < grads.length; i++) {
                        if (grads[i] == null) continue;
                        update(group.names.get(i), grads[i], lr, sub, perStep);
                        updated++;
                    }
                }
            }
        }
        return updated;
    }

    /**
     * The whole group at once (chunk by chunk), every parameter with a gradient at step {@code t}. The few without one (torch's
     * {@code grad is None}: a part the forward pass does not use) go through the update with a zero gradient and
     * are put back as they were, value and moments, so they are skipped exactly as torch skips them.
     */
    private int flatStep(Group group, NDArray[] grads, double lr, long t, NDManager sub, Map<Device, Map<Long, NDArray[]>> perStep) {
        Constants c = constants(group.device);
        NDArray[] k = perStep.computeIfAbsent(group.device, x -> new HashMap<>()).computeIfAbsent(t, x -> stepScalars(sub, group.device, lr, x));
        int updated = 0;
        for (Chunk chunk : group.chunks) {
            List<NDArray[]> keep = new ArrayList<>();
            NDList flatGrads = new NDList(chunk.end() - chunk.first());
            for (int i = chunk.first(); i < chunk.end(); i++) {
                NDArray f;
                if (grads[i] == null) {
                    Slot s = slots.get(group.names.get(i));
                    NDArray p = params.get(group.names.get(i)).getArray();
                    NDArray[] kept = {p, s.expAvg, s.expAvgSq, p.duplicate(), s.expAvg.duplicate(), s.expAvgSq.duplicate()};
                    for (int j = 3; j < 6; j++) kept[j].attach(sub);
                    keep.add(kept);
                    f = sub.zeros(new ai.djl.ndarray.types.Shape(group.flat.size(i)), DataType.FLOAT32, group.device);
                } else {
                    f = grads[i].reshape(-1);
                    updated++;
                }
                f.attach(sub);
                flatGrads.add(f);
            }
            NDArray g = flatGrads.size() == 1 ? flatGrads.get(0) : NDArrays.concat(flatGrads);
            g.attach(sub);
            // a single gradient's reshape shares its storage: square a copy, not the gradient
            apply(chunk.p(), g, flatGrads.size() > 1, chunk.expAvg(), chunk.expAvgSq(), c, k);
            for (NDArray[] kept : keep) {
                for (int j = 0; j < 3; j++) kept[j].set(ALL, kept[j + 3]);
            }
        }
        for (int i = 0; i < grads.length; i++) {
            if (grads[i] != null) slots.get(group.names.get(i)).step = t;
        }
        return updated;
    }

    private static final ai.djl.ndarray.index.NDIndex ALL = new ai.djl.ndarray.index.NDIndex("...");

    /** One parameter on its own (its state made on first use, or a view into its group's buffers). */
    private void update(String name, NDArray g, double lr, NDManager sub, Map<Device, Map<Long, NDArray[]>> perStep) {
        NDArray p = params.get(name).getArray();
        Slot s = slots.computeIfAbsent(name, x -> new Slot());
        if (s.expAvg == null) {
            s.expAvg = zerosLike(p);
            s.expAvgSq = zerosLike(p);
        }
        s.step++;
        Device d = p.getDevice();
        // decay, step size and 1/√(bias correction 2) depend on (lr, step): made once per step and device
        NDArray[] k = perStep.computeIfAbsent(d, x -> new HashMap<>()).computeIfAbsent(s.step, t -> stepScalars(sub, d, lr, t));
        apply(p, g, false, s.expAvg, s.expAvgSq, constants(d), k);
    }

    /**
     * The update proper, in place, on one parameter or a whole flat group (the same ops, element for element).
     * {@code scratch}: {@code g} is this step's own copy and may be squared in place (a flat group's gathered
     * gradients), sparing a temporary the size of the model; a parameter's own gradient is left as it is.
     */
    private void apply(NDArray p, NDArray g, boolean scratch, NDArray expAvg, NDArray expAvgSq, Constants c, NDArray[] k) {
        if (settings.weightDecay() != 0) p.muli(k[0]);
        // m + (1-β1)(g - m) = β1(m - g) + g: torch's lerp, without a temporary
        expAvg.subi(g).muli(c.beta1).addi(g);
        try (NDArray gSq = scratch ? g.muli(g) : g.mul(g)) {
            expAvgSq.muli(c.beta2).addi(gSq.muli(c.oneMinusBeta2));
        }
        try (NDArray denom = expAvgSq.sqrt(); NDArray q = expAvg.div(denom.divi(k[2]).addi(c.eps))) {
            p.subi(q.muli(k[1]));
        }
        g.close();
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
            if (s == null || s.step == 0) continue;
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
            Slot s = slots.get(name);
            if (s != null && s.view) { // a view into its group's buffers: written in place
                StateDict.copyInto(s.expAvg, state.get(name + ".exp_avg"));
                StateDict.copyInto(s.expAvgSq, state.get(name + ".exp_avg_sq"));
            } else {
                NDArray p = params.get(name).getArray();
                s = new Slot();
                s.expAvg = toDevice(state.get(name + ".exp_avg"), p.getDevice());
                s.expAvgSq = toDevice(state.get(name + ".exp_avg_sq"), p.getDevice());
                slots.put(name, s);
            }
            s.step = state.get(name + ".step").toLongs()[0];
        }
    }

    private static final String[] SUFFIXES = {".step", ".exp_avg", ".exp_avg_sq"};

    private NDArray toDevice(HostTensor t, Device d) {
        NDManager m = deviceManager(d);
        return t.toNDArray(m).toType(DataType.FLOAT32, false);
    }

    /** Every parameter back to no state: flat groups' moments zeroed in place, the others' dropped. */
    private void clearState() {
        for (Group g : groups) {
            if (g.flat == null) continue;
            g.expAvg.set(new ai.djl.ndarray.index.NDIndex(":"), 0f);
            g.expAvgSq.set(new ai.djl.ndarray.index.NDIndex(":"), 0f);
        }
        java.util.Iterator<Map.Entry<String, Slot>> it = slots.entrySet().iterator();
        while (it.hasNext()) {
            Slot s = it.next().getValue();
            s.step = 0;
            if (!s.view) {
                if (s.expAvg != null) s.expAvg.close();
                if (s.expAvgSq != null) s.expAvgSq.close();
                it.remove();
            }
        }
    }

    @Override
    public void close() {
        slots.clear();
        constants.clear();
        deviceManagers.clear();
        manager.close();
    }
}
