package org.vlunet.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.nn.Parameter;
import org.vlunet.model.DeviceConstants;
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
     * whole buffer at once took 3x as long as per parameter, runs of 128 Ki to 2 Mi elements 0.9-1.2x; the
     * largest keeps the native calls fewest). A GPU takes the whole group in one chunk: there the cost is per op.
     */
    static final long CPU_CHUNK = 1 << 21;

    /** The parameters of one device, flat (one buffer each for values and moments) or not. */
    private static final class Group {
        final Device device;
        final List<String> names = new ArrayList<>();
        FlatParameters flat;
        /** The parameters' own gradients, read without a call per parameter. */
        GradientViews views;
        NDArray expAvg, expAvgSq;
        /** Runs of whole parameters updated together: [first, end) indices and views of p, m, v over them. */
        final List<Chunk> chunks = new ArrayList<>();

        Group(Device device) {
            this.device = device;
        }
    }

    /** The constant scalars on one device. */
    private static final class Constants {
        final NDArray beta1, beta2, oneMinusBeta2, eps;

        Constants(Device d, Settings s) {
            beta1 = DeviceConstants.scalar((float) s.beta1(), d);
            beta2 = DeviceConstants.scalar((float) s.beta2(), d);
            oneMinusBeta2 = DeviceConstants.scalar((float) (1 - s.beta2()), d);
            eps = DeviceConstants.scalar((float) s.eps(), d);
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
            g.views = new GradientViews(ps, this.manager);
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
        return step(lr, null, 0, null);
    }

    /** {@link #step(double, GradientSource, double, NDArray)}, applied unconditionally. */
    public int step(double lr, GradientSource source, double maxGradNorm) {
        return step(lr, source, maxGradNorm, null);
    }

    /**
     * One update from {@code source}'s gradients (null: the parameters' own; a source other than their own needs
     * the parameters on one device), first clipped to a global 2-norm of {@code maxGradNorm} when it is &gt; 0, as
     * {@code torch.nn.utils.clip_grad_norm_}: every gradient times min(1, maxGradNorm / (norm + 1e-6)), computed on
     * the device, so the step never waits for it. The norm is taken over runs of parameters rather than per
     * parameter, the same value up to rounding. With {@code applyIf} (a boolean 0-d array on the parameters' device),
     * the update takes effect only where it is true and otherwise leaves weights and moments exactly as they were,
     * decided on the device: a training loop can guard against a non-finite loss without waiting to read it.
     * (Step counts advance either way: a loop that finds the loss was not finite stops.)
     */
    public int step(double lr, GradientSource source, double maxGradNorm, NDArray applyIf) {
        if (source != null && groups.size() != 1) {
            throw new IllegalStateException("a gradient source needs the parameters on one device, they are on " + groups.size());
        }
        Map<Device, Map<Long, NDArray[]>> perStep = new HashMap<>();
        List<Run> runs = new ArrayList<>();
        for (Group group : groups) {
            GradientSource src = source != null ? source : group.views;
            src.prepare();
            long t = -1; // the step count every parameter with a gradient has, or -2 when they differ
            for (int i = 0; i < group.names.size(); i++) {
                if (!src.has(i)) continue;
                long c = stepCount(group.names.get(i));
                t = t == -1 || t == c ? c : -2;
            }
            if (t == -1) continue; // no gradient at all
            if (group.flat != null && t >= 0) {
                for (Chunk c : group.chunks) runs.add(new Run(group, src, c.first(), c.end(), c, t + 1));
            } else {
                for (int i = 0; i < group.names.size(); i++) {
                    if (src.has(i)) runs.add(new Run(group, src, i, i + 1, null, 0));
                }
            }
        }
        int updated = 0;
        try (NDManager sub = manager.newSubManager()) {
            NDArray[] grads = new NDArray[runs.size()];
            if (maxGradNorm > 0) { // every gradient first: the norm is global
                for (int k = 0; k < grads.length; k++) grads[k] = runs.get(k).gather(sub);
                clip(grads, maxGradNorm, sub);
            }
            for (int k = 0; k < grads.length; k++) {
                Run r = runs.get(k);
                NDArray g = grads[k] != null ? grads[k] : r.gather(sub);
                if (applyIf != null) { // a NaN gradient must not reach the moments, not even as 0·NaN
                    NDArray masked = where(applyIf, g, DeviceConstants.scalar(0f, g.getDevice()));
                    g.close();
                    g = masked;
                    g.attach(sub);
                }
                updated += r.chunk() != null ? flatRun(r, g, lr, applyIf, sub, perStep)
                        : update(r.group().names.get(r.first()), g, lr, applyIf, sub, perStep);
                grads[k] = null;
            }
            for (Run r : runs) {
                if (r.chunk() == null) continue;
                for (int i = r.first(); i < r.end(); i++) {
                    if (r.source().has(i)) slots.get(r.group().names.get(i)).step = r.t();
                }
            }
        }
        return updated;
    }

    /** Parameters {@code [first, end)} of a group updated together: a chunk of a flat group at step t, or one parameter. */
    private record Run(Group group, GradientSource source, int first, int end, Chunk chunk, long t) {
        NDArray gather(NDManager into) {
            return source.gather(first, end, into);
        }
    }

    /** Scales {@code grads} in place by min(1, maxNorm / (‖all of them‖₂ + 1e-6)), all on the first one's device. */
    private static void clip(NDArray[] grads, double maxNorm, NDManager sub) {
        if (grads.length == 0) return;
        Device d = grads[0].getDevice();
        try (NDManager m = sub.newSubManager(d)) {
            NDList norms = new NDList(grads.length);
            for (NDArray g : grads) {
                NDArray n = g.norm(false);
                if (!n.getDevice().equals(d)) n = n.toDevice(d, false);
                n.attach(m);
                norms.add(n);
            }
            NDArray total = norms.size() == 1 ? norms.get(0) : NDArrays.stack(norms).norm(false);
            NDArray coef = DeviceConstants.scalar((float) maxNorm, d).div(total.add(DeviceConstants.scalar(1e-6f, d)))
                    .minimum(DeviceConstants.scalar(1f, d));
            for (NDArray g : grads) {
                g.muli(g.getDevice().equals(d) ? coef : coef.toDevice(g.getDevice(), false));
            }
        }
    }

    /**
     * A chunk of a flat group, every parameter in it with a gradient at step {@code t}, from the chunk's gathered
     * gradient {@code g}. The few without one (torch's {@code grad is None}: a part the forward pass does not use)
     * go through the update with a zero gradient and are put back as they were, value and moments, so they are
     * skipped exactly as torch skips them.
     */
    private int flatRun(Run r, NDArray g, double lr, NDArray applyIf, NDManager sub, Map<Device, Map<Long, NDArray[]>> perStep) {
        Group group = r.group();
        Chunk chunk = r.chunk();
        Constants c = constants(group.device);
        NDArray[] k = perStep.computeIfAbsent(group.device, x -> new HashMap<>())
                .computeIfAbsent(r.t(), x -> stepScalars(sub, group.device, lr, x, applyIf));
        List<NDArray[]> keep = new ArrayList<>();
        int updated = 0;
        for (int i = chunk.first(); i < chunk.end(); i++) {
            if (r.source().has(i)) {
                updated++;
                continue;
            }
            Slot s = slots.get(group.names.get(i));
            NDArray p = params.get(group.names.get(i)).getArray();
            NDArray[] kept = {p, s.expAvg, s.expAvgSq, p.duplicate(), s.expAvg.duplicate(), s.expAvgSq.duplicate()};
            for (int j = 3; j < 6; j++) kept[j].attach(sub);
            keep.add(kept);
        }
        apply(chunk.p(), g, true, chunk.expAvg(), chunk.expAvgSq(), c, k);
        for (NDArray[] kept : keep) {
            for (int j = 0; j < 3; j++) kept[j].set(ALL, kept[j + 3]);
        }
        return updated;
    }

    private static final ai.djl.ndarray.index.NDIndex ALL = new ai.djl.ndarray.index.NDIndex("...");

    /**
     * One parameter on its own (its state made on first use, or a view into its group's buffers), from its
     * gathered (flat) gradient. Returns 1.
     */
    private int update(String name, NDArray flatGrad, double lr, NDArray applyIf, NDManager sub, Map<Device, Map<Long, NDArray[]>> perStep) {
        NDArray p = params.get(name).getArray();
        NDArray g = flatGrad.reshape(p.getShape());
        g.attach(sub);
        Slot s = slots.computeIfAbsent(name, x -> new Slot());
        if (s.expAvg == null) {
            s.expAvg = zerosLike(p);
            s.expAvgSq = zerosLike(p);
        }
        s.step++;
        Device d = p.getDevice();
        // decay, step size and 1/√(bias correction 2) depend on (lr, step): made once per step and device
        NDArray[] k = perStep.computeIfAbsent(d, x -> new HashMap<>()).computeIfAbsent(s.step, t -> stepScalars(sub, d, lr, t, applyIf));
        apply(p, g, true, s.expAvg, s.expAvgSq, constants(d), k);
        flatGrad.close();
        return 1;
    }

    /**
     * The update proper, in place, on one parameter or a whole flat group (the same ops, element for element).
     * {@code scratch}: {@code g} is this step's own copy and may be squared in place (a flat group's gathered
     * gradients), sparing a temporary the size of the model; a parameter's own gradient is left as it is.
     */
    private void apply(NDArray p, NDArray g, boolean scratch, NDArray expAvg, NDArray expAvgSq, Constants c, NDArray[] k) {
        if (settings.weightDecay() != 0) p.muli(k[0]);
        // m + (1-β1)(g - m) = β1(m - g) + g: torch's lerp, without a temporary
        expAvg.subi(g).muli(k[3]).addi(g);
        try (NDArray gSq = scratch ? g.muli(g) : g.mul(g)) {
            expAvgSq.muli(k[4]).addi(gSq.muli(c.oneMinusBeta2));
        }
        try (NDArray denom = expAvgSq.sqrt(); NDArray q = expAvg.div(denom.divi(k[2]).addi(c.eps))) {
            p.subi(q.muli(k[1]));
        }
        g.close();
    }

    /**
     * [1 − lr·wd, lr / (1 − β1ᵗ), √(1 − β2ᵗ), β1, β2] as float32 0-d arrays (torch rounds its Python scalars the same
     * way), made on the device by a fill (no copy from the host, which would wait for the device). With
     * {@code applyIf}: where it is false, the values that leave everything unchanged (1, 0, 1, 1, 1; the gradient is
     * zeroed by the caller).
     */
    private NDArray[] stepScalars(NDManager sub, Device d, double lr, long t, NDArray applyIf) {
        double bc1 = 1 - Math.pow(settings.beta1(), t);
        double bc2 = 1 - Math.pow(settings.beta2(), t);
        Constants c = constants(d);
        try (NDManager m = sub.newSubManager(d)) {
            NDArray[] out = {
                m.full(new Shape(), (float) (1 - lr * settings.weightDecay()), DataType.FLOAT32, d),
                m.full(new Shape(), (float) (lr / bc1), DataType.FLOAT32, d),
                m.full(new Shape(), (float) Math.sqrt(bc2), DataType.FLOAT32, d),
                c.beta1,
                c.beta2,
            };
            if (applyIf != null) {
                NDArray one = DeviceConstants.scalar(1f, d), zero = DeviceConstants.scalar(0f, d);
                out[0] = where(applyIf, out[0], one);
                out[1] = where(applyIf, out[1], zero);
                out[3] = where(applyIf, out[3], one);
                out[4] = where(applyIf, out[4], one);
                for (int i = 0; i < out.length; i++) out[i].attach(sub); // each made here (on m or a constant's manager)
            } else {
                for (int i = 0; i < 3; i++) out[i].attach(sub);
            }
            return out;
        }
    }

    private static NDArray where(NDArray condition, NDArray yes, NDArray no) {
        return JniUtils.where((PtNDArray) condition, (PtNDArray) yes, (PtNDArray) no);
    }

    private Constants constants(Device d) {
        return constants.computeIfAbsent(d, x -> new Constants(x, settings));
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
        for (Group g : groups) g.views.zero();
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
