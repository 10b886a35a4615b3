package org.vlunet.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import org.vlunet.model.DeviceConstants;
import org.vlunet.weights.StateDict;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Data parallelism on one machine: one replica of the network per device, each batch split across them (the
 * first replicas take one sample more when it does not divide), each replica's L1 loss weighted by its share of
 * the batch so that the summed gradient is exactly the gradient of the whole batch's mean loss; the gradients
 * are summed (one gather and add per replica, {@link #gradients()}), the optimizer updates the first replica
 * only, and its weights are copied back to the others (one copy of the flat buffer per replica). (DJL's multi-device trainer sums per-device gradients of per-device means and counts one optimizer
 * update per device, which changes both the effective rate and the Adam step count.)
 *
 * <p>Replicas run in their own threads (PyTorch's grad mode is per thread, so each sets it), the first on the
 * caller's thread when there is only one.
 */
public final class DataParallel<M extends Block> implements TrainLoop.Objective<TrainBatch>, AutoCloseable {

    /** A network on a device with the degradation encoder that feeds it (frozen, on the same device). */
    public record Replica<M>(M model, Device device, FeatureSource encoder) {}

    private final List<Replica<M>> replicas;
    private final Restorer<M> restorer;
    private final List<List<Parameter>> params = new ArrayList<>();
    /** Each replica's parameters as one buffer (null where they could not be) and its gradients. */
    private final List<FlatParameters> flat = new ArrayList<>();
    private final List<GradientViews> grads = new ArrayList<>();
    /** Samples each replica took in the last pass (a replica without any contributes no gradient). */
    private int[] lastCounts;
    private final LinkedHashMap<String, Parameter> primary;
    private final NDManager manager;
    private final ExecutorService pool;

    /** @param manager parent of every step's scopes; the replicas' weights must already be equal */
    public DataParallel(List<Replica<M>> replicas, Restorer<M> restorer, NDManager manager) {
        if (replicas.isEmpty()) throw new IllegalArgumentException("data parallel training needs at least one replica");
        this.replicas = List.copyOf(replicas);
        this.restorer = restorer;
        this.manager = manager;
        this.primary = StateDict.parameters(replicas.get(0).model());
        for (Replica<M> r : replicas) {
            LinkedHashMap<String, Parameter> p = StateDict.parameters(r.model());
            if (!p.keySet().equals(primary.keySet())) {
                throw new IllegalArgumentException("replica on " + r.device() + " has other parameters than the first");
            }
            params.add(new ArrayList<>(p.values()));
        }
        for (int r = 0; r < replicas.size(); r++) {
            List<Parameter> ps = params.get(r);
            flat.add(FlatParameters.of(ps, replicas.get(r).device()));
            grads.add(new GradientViews(ps, manager));
        }
        this.pool = replicas.size() == 1 ? null : Executors.newFixedThreadPool(replicas.size(), runnable -> {
            Thread t = new Thread(runnable, "vlunet-replica");
            t.setDaemon(true);
            return t;
        });
    }

    public int size() {
        return replicas.size();
    }

    public List<Replica<M>> replicas() {
        return replicas;
    }

    /** The first replica's parameters by reference name: the ones the optimizer updates. */
    public Map<String, Parameter> parameters() {
        return java.util.Collections.unmodifiableMap(primary);
    }

    /** How many samples each replica takes: as equal as possible, the first ones one more. */
    public static int[] split(int n, int replicas) {
        int[] out = new int[replicas];
        for (int r = 0; r < replicas; r++) out[r] = n / replicas + (r < n % replicas ? 1 : 0);
        return out;
    }

    @Override
    public boolean onGpu() {
        return replicas.stream().anyMatch(r -> r.device().isGpu());
    }

    @Override
    public int size(TrainBatch batch) {
        return batch.size();
    }

    /** Zeroes every replica's gradients. */
    @Override
    public void zeroGrad() {
        for (GradientViews g : grads) g.zero();
    }

    /**
     * The gradient of the last pass's whole-batch loss, for the optimizer: the first replica's, plus each other
     * replica's moved to the first one's device, in the first replica's parameter order.
     */
    @Override
    public GradientSource gradients() {
        if (replicas.size() == 1) return grads.get(0);
        return new GradientSource() {
            @Override
            public void prepare() {
                for (GradientViews g : grads) g.prepare();
                for (int r = 1; r < grads.size(); r++) {
                    for (int i = 0; i < grads.get(0).size(); i++) {
                        if (grads.get(r).has(i) && !grads.get(0).has(i)) {
                            throw new IllegalStateException("parameter " + params.get(0).get(i).getName()
                                    + " has a gradient on replica " + r + " but not on the first");
                        }
                    }
                }
            }

            @Override
            public boolean has(int i) {
                return grads.get(0).has(i);
            }

            @Override
            public NDArray gather(int first, int end, NDManager into) {
                NDArray sum = grads.get(0).gather(first, end, into);
                for (int r = 1; r < grads.size(); r++) {
                    if (lastCounts != null && lastCounts[r] == 0) continue;
                    try (NDManager tmp = into.newSubManager()) {
                        NDArray g = grads.get(r).gather(first, end, tmp);
                        sum.addi(g.toDevice(sum.getDevice(), false));
                    }
                }
                return sum;
            }
        };
    }

    /**
     * Forward and backward over the batch: the gradient of the mean L1 loss over all its samples is the sum of
     * the replicas' gradients, {@link #gradients()} (gradients must have been zeroed). Returns that loss, read
     * back from the device (which waits for the device; a training loop uses the other overload).
     */
    public double lossAndGradients(TrainBatch batch) {
        try (NDManager sub = manager.newSubManager()) {
            return lossAndGradients(batch, sub).getFloat();
        }
    }

    /**
     * As {@link #lossAndGradients(TrainBatch)}, leaving the loss on the first replica's device as a 0-d array on
     * {@code into}: nothing waits for the device.
     */
    @Override
    public NDArray lossAndGradients(TrainBatch batch, NDManager into) {
        int n = batch.size();
        int[] counts = split(n, replicas.size());
        List<Future<NDArray>> futures = new ArrayList<>();
        List<NDArray> losses = new ArrayList<>();
        int from = 0;
        for (int r = 0; r < replicas.size(); r++) {
            if (counts[r] == 0) continue;
            final int rr = r, a = from, b = from + counts[r];
            from = b;
            if (pool == null) {
                losses.add(replicaStep(replicas.get(r), batch, a, b, n, into));
            } else {
                futures.add(pool.submit(() -> replicaStep(replicas.get(rr), batch, a, b, n, into)));
            }
        }
        for (Future<NDArray> f : futures) {
            try {
                losses.add(f.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while replicas were computing", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                if (e.getCause() instanceof Error er) throw er;
                throw new IllegalStateException(e.getCause());
            }
        }
        lastCounts = counts;
        NDArray loss = losses.get(0);
        Device d0 = loss.getDevice();
        for (int i = 1; i < losses.size(); i++) {
            NDArray moved = losses.get(i).toDevice(d0, false);
            loss = loss.add(moved);
            loss.attach(into);
        }
        return loss;
    }

    /** This replica's rows [a, b) of the batch: forward, weighted L1 loss, backward. Returns the loss on {@code into}. */
    private NDArray replicaStep(Replica<M> r, TrainBatch batch, int a, int b, int n, NDManager into) {
        Device d = r.device();
        try (NDManager sub = manager.newSubManager(d)) {
            NDArray[] xyc = batch.rows(a, b, d, sub); // one transfer for the three parts
            Gradients.record(false);
            NDArray f = r.encoder().features(xyc[2]);
            f.attach(sub);
            try {
                Gradients.record(true);
                NDArray out = restorer.restore(r.model(), xyc[0], f);
                out.attach(sub);
                NDArray loss = out.sub(xyc[1]).abs().mean();
                // the replica's share of the whole batch's mean; one replica keeps torch's plain mean
                if (b - a != n) loss = loss.mul(DeviceConstants.scalar((float) ((double) (b - a) / n), d));
                Gradients.backward(loss);
                loss.attach(into);
                return loss;
            } finally {
                Gradients.record(false);
            }
        }
    }

    /** Copies the first replica's weights into the others, device to device. */
    @Override
    public void broadcast() {
        List<Parameter> first = params.get(0);
        for (int r = 1; r < replicas.size(); r++) {
            Device d = replicas.get(r).device();
            try (NDManager sub = manager.newSubManager(d)) {
                if (flat.get(0) != null && flat.get(r) != null) { // one copy of the whole buffer
                    NDArray moved = flat.get(0).buffer().toDevice(d, false);
                    if (moved != flat.get(0).buffer()) moved.attach(sub);
                    flat.get(r).buffer().set(ALL, moved);
                    continue;
                }
                for (int i = 0; i < first.size(); i++) {
                    NDArray src = first.get(i).getArray();
                    NDArray dst = params.get(r).get(i).getArray();
                    NDArray moved = src.toDevice(d, false);
                    if (moved != src) moved.attach(sub);
                    dst.set(ALL, moved);
                }
            }
        }
    }

    private static final NDIndex ALL = new NDIndex("...");

    /** True when every replica holds the same weights as the first (for checks). */
    public boolean inSync() {
        for (int r = 1; r < replicas.size(); r++) {
            for (int i = 0; i < params.get(0).size(); i++) {
                float[] a = params.get(0).get(i).getArray().toFloatArray();
                float[] b = params.get(r).get(i).getArray().toFloatArray();
                if (!Arrays.equals(a, b)) return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        for (GradientViews g : grads) g.close();
        if (pool != null) pool.shutdownNow();
    }
}
