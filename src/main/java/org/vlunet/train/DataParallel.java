package org.vlunet.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
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
 * are summed onto the first replica, the optimizer updates that one only, and its weights are copied back to the
 * others. (DJL's multi-device trainer sums per-device gradients of per-device means and counts one optimizer
 * update per device, which changes both the effective rate and the Adam step count.)
 *
 * <p>Replicas run in their own threads (PyTorch's grad mode is per thread, so each sets it), the first on the
 * caller's thread when there is only one.
 */
public final class DataParallel<M extends Block> implements AutoCloseable {

    /** A network on a device with the degradation encoder that feeds it (frozen, on the same device). */
    public record Replica<M>(M model, Device device, FeatureSource encoder) {}

    private final List<Replica<M>> replicas;
    private final Restorer<M> restorer;
    private final List<List<Parameter>> params = new ArrayList<>();
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

    /** Zeroes every replica's gradients. */
    public void zeroGrad() {
        for (List<Parameter> ps : params) Gradients.zero(ps);
    }

    /**
     * Forward and backward over the batch: the gradient of the mean L1 loss over all its samples is left in the
     * first replica's parameters (gradients must have been zeroed). Returns that loss.
     */
    public double lossAndGradients(TrainBatch batch) {
        int n = batch.size();
        int[] counts = split(n, replicas.size());
        List<Future<Double>> futures = new ArrayList<>();
        double loss = 0;
        int from = 0;
        for (int r = 0; r < replicas.size(); r++) {
            if (counts[r] == 0) continue;
            final int rr = r, a = from, b = from + counts[r];
            from = b;
            if (pool == null) {
                loss += replicaStep(replicas.get(r), batch, a, b, n);
            } else {
                futures.add(pool.submit(() -> replicaStep(replicas.get(rr), batch, a, b, n)));
            }
        }
        for (Future<Double> f : futures) {
            try {
                loss += f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while replicas were computing", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                if (e.getCause() instanceof Error er) throw er;
                throw new IllegalStateException(e.getCause());
            }
        }
        if (replicas.size() > 1) reduceGradients(counts);
        return loss;
    }

    private double replicaStep(Replica<M> r, TrainBatch batch, int a, int b, int n) {
        Device d = r.device();
        try (NDManager sub = manager.newSubManager(d)) {
            NDIndex rows = new NDIndex(a + ":" + b);
            NDArray x = onto(batch.degraded().get(rows), d, sub);
            NDArray y = onto(batch.clean().get(rows), d, sub);
            NDArray c = onto(batch.clipInput().get(rows), d, sub);
            Gradients.record(false);
            NDArray f = r.encoder().features(c);
            f.attach(sub);
            try {
                Gradients.record(true);
                NDArray out = restorer.restore(r.model(), x, f);
                out.attach(sub);
                NDArray loss = out.sub(y).abs().mean();
                // the replica's share of the whole batch's mean; one replica keeps torch's plain mean
                if (b - a != n) loss = loss.mul((float) ((double) (b - a) / n));
                Gradients.backward(loss);
                return (double) loss.getFloat();
            } finally {
                Gradients.record(false);
            }
        }
    }

    private static NDArray onto(NDArray hostSlice, Device d, NDManager sub) {
        NDArray a = hostSlice.toDevice(d, false);
        if (a != hostSlice) hostSlice.close();
        a.attach(sub);
        return a;
    }

    /** Adds the other replicas' gradients into the first's. */
    private void reduceGradients(int[] counts) {
        List<Parameter> first = params.get(0);
        try (NDManager sub = manager.newSubManager(replicas.get(0).device())) {
            for (int i = 0; i < first.size(); i++) {
                NDArray g0 = Gradients.of(first.get(i), sub);
                for (int r = 1; r < replicas.size(); r++) {
                    if (counts[r] == 0) continue;
                    NDArray g = Gradients.of(params.get(r).get(i), sub);
                    if (g == null) continue;
                    if (g0 == null) {
                        throw new IllegalStateException("parameter " + first.get(i).getName()
                                + " has a gradient on replica " + r + " but not on the first");
                    }
                    NDArray moved = g.toDevice(g0.getDevice(), false);
                    moved.attach(sub);
                    g0.addi(moved);
                }
            }
        }
    }

    /** Copies the first replica's weights into the others, device to device. */
    public void broadcast() {
        List<Parameter> first = params.get(0);
        for (int r = 1; r < replicas.size(); r++) {
            Device d = replicas.get(r).device();
            try (NDManager sub = manager.newSubManager(d)) {
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
        if (pool != null) pool.shutdownNow();
    }
}
