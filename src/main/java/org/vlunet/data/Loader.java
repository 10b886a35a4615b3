package org.vlunet.data;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Training batches, assembled ahead of the consumer by background workers. The stream runs from
 * (startEpoch, startBatch) to the end of epoch endEpoch − 1; each epoch has {@code ⌊n / batch⌋} batches (the last
 * partial one is dropped, as the authors' loader did). A batch depends only on the sampler's seed, its epoch and
 * its position, so the stream is identical for any worker count, and resuming at (epoch, batch) continues it
 * exactly. At most {@code prefetch} batches wait ready or in progress. Close to stop the workers.
 */
public final class Loader implements Iterator<Batch>, AutoCloseable {
    private final TrainSampler sampler;
    private final int batchSize, perEpoch, prefetch;
    private final long end;
    private long submitted, delivered;
    private final ExecutorService pool;
    private final ArrayDeque<Future<Batch>> window = new ArrayDeque<>();
    private int orderEpoch = -1;
    private int[] order;
    private boolean closed;
    /** The pool's threads, joined on close: awaitTermination can return before the last one has exited. */
    private final List<Thread> workers = new CopyOnWriteArrayList<>();

    /**
     * @param numWorkers background threads; 0 makes each batch in the caller's thread when asked for
     * @param endEpoch   exclusive; Integer.MAX_VALUE for an endless stream
     */
    public Loader(TrainSampler sampler, int batchSize, int numWorkers, int startEpoch, int startBatch, int endEpoch) {
        this(sampler, batchSize, numWorkers, Math.max(2, 2 * numWorkers), startEpoch, startBatch, endEpoch);
    }

    public Loader(TrainSampler sampler, int batchSize, int numWorkers, int prefetch, int startEpoch, int startBatch, int endEpoch) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        if (numWorkers < 0) throw new IllegalArgumentException("--num_workers must be >= 0, got " + numWorkers);
        if (prefetch < 1) throw new IllegalArgumentException("prefetch must be positive, got " + prefetch);
        this.perEpoch = batchesPerEpoch(sampler.size(), batchSize);
        if (startEpoch < 0 || startBatch < 0 || startBatch >= perEpoch) {
            throw new IllegalArgumentException("cannot start at epoch " + startEpoch + " batch " + startBatch + " (an epoch has "
                    + perEpoch + " batches)");
        }
        this.sampler = sampler;
        this.batchSize = batchSize;
        this.prefetch = prefetch;
        this.submitted = this.delivered = (long) startEpoch * perEpoch + startBatch;
        this.end = endEpoch == Integer.MAX_VALUE ? Long.MAX_VALUE : Math.max(delivered, (long) endEpoch * perEpoch);
        if (numWorkers == 0) {
            this.pool = null;
        } else {
            AtomicInteger n = new AtomicInteger();
            ThreadFactory tf = r -> {
                Thread t = new Thread(r, "vlunet-loader-" + n.incrementAndGet());
                t.setDaemon(true);
                workers.add(t);
                return t;
            };
            this.pool = Executors.newFixedThreadPool(numWorkers, tf);
        }
    }

    /** Batches per epoch for {@code n} samples: the last partial batch is dropped. */
    public static int batchesPerEpoch(int n, int batchSize) {
        int b = n / batchSize;
        if (b == 0) throw new DatasetException("the training set has " + n + " samples, fewer than one batch of " + batchSize);
        return b;
    }

    public int batchesPerEpoch() {
        return perEpoch;
    }

    @Override
    public boolean hasNext() {
        return !closed && delivered < end;
    }

    @Override
    public Batch next() {
        if (!hasNext()) throw new NoSuchElementException(closed ? "loader is closed" : "no more batches");
        if (pool == null) {
            long g = delivered++;
            return make(g, positions(g));
        }
        fill();
        Future<Batch> f = window.poll();
        delivered++;
        try {
            Batch b = f.get();
            fill();
            return b;
        } catch (ExecutionException e) {
            close();
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new IllegalStateException(c);
        } catch (InterruptedException e) {
            close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a batch", e);
        } catch (CancellationException e) {
            throw new IllegalStateException("loader was closed", e);
        }
    }

    private void fill() {
        while (window.size() < prefetch && submitted < end) {
            long g = submitted++;
            int[] pos = positions(g);
            window.add(pool.submit(() -> make(g, pos)));
        }
    }

    /** The training-set indices of global batch {@code g} (computed in the caller's thread: orders are cached). */
    private int[] positions(long g) {
        int epoch = (int) (g / perEpoch), b = (int) (g % perEpoch);
        if (epoch != orderEpoch) {
            order = sampler.epochOrder(epoch);
            orderEpoch = epoch;
        }
        int[] idx = new int[batchSize];
        System.arraycopy(order, b * batchSize, idx, 0, batchSize);
        return idx;
    }

    private Batch make(long g, int[] idx) {
        int epoch = (int) (g / perEpoch), b = (int) (g % perEpoch);
        int p = sampler.patchSize(), n = 3 * p * p;
        float[] deg = new float[batchSize * n], clean = new float[batchSize * n];
        int[] classes = new int[batchSize];
        float[] clip = null;
        int clipLen = -1;
        for (int k = 0; k < batchSize; k++) {
            if (Thread.currentThread().isInterrupted()) throw new CancellationException("loader closed");
            Sample s = sampler.sample(epoch, idx[k]);
            System.arraycopy(s.degraded().pixels(), 0, deg, k * n, n);
            System.arraycopy(s.clean().pixels(), 0, clean, k * n, n);
            classes[k] = s.degradation().id;
            if (s.clipInput() != null) {
                if (clip == null) {
                    clipLen = s.clipInput().length;
                    clip = new float[batchSize * clipLen];
                } else if (s.clipInput().length != clipLen) {
                    throw new IllegalStateException("CLIP inputs differ in length: " + clipLen + " and " + s.clipInput().length);
                }
                System.arraycopy(s.clipInput(), 0, clip, k * clipLen, clipLen);
            }
        }
        return new Batch(epoch, b, batchSize, p, idx, deg, clean, classes, clip);
    }

    /** Stops the workers; batches in progress are abandoned. Safe to call twice. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (Future<Batch> f : window) f.cancel(true);
        window.clear();
        if (pool != null) {
            pool.shutdownNow();
            try {
                for (Thread t : workers) t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
