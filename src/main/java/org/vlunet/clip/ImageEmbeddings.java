package org.vlunet.clip;

import ai.djl.ndarray.NDManager;
import org.vlunet.data.RgbImage;
import org.vlunet.util.NonFiniteException;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Frozen CLIP's image embedding of every labelled image, once: images are read and preprocessed by {@code workers}
 * threads, encoded in batches, and checked to be finite before anything is trained on them.
 */
public final class ImageEmbeddings {
    private ImageEmbeddings() {}

    /** One embedding (embedDim floats) per image, in order; throws when any is not finite (naming every such image on {@code log}). */
    public static float[][] encode(Clip clip, LabelledImages data, int batchSize, int workers, NDManager manager, PrintStream log) {
        int n = data.size(), bs = Math.max(1, Math.min(batchSize, 64));
        int size = clip.config().vision().imageSize(), dim = clip.config().embedDim();
        float[][] out = new float[n][];
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "clip-preprocess");
            t.setDaemon(true);
            return t;
        });
        long t0 = System.nanoTime(), lastLog = t0;
        List<Integer> nonFinite = new ArrayList<>();
        String firstError = null;
        try {
            for (int start = 0; start < n; start += bs) {
                int end = Math.min(n, start + bs);
                List<Future<float[]>> jobs = new ArrayList<>();
                for (int i = start; i < end; i++) {
                    final int idx = i;
                    jobs.add(pool.submit(() -> {
                        RgbImage img = data.image(idx);
                        return ClipPreprocessor.preprocess(img, size);
                    }));
                }
                List<float[]> batch = new ArrayList<>();
                for (Future<float[]> f : jobs) batch.add(get(f));
                try (NDManager s = manager.newSubManager()) {
                    float[] e = clip.encodeImage(ClipPreprocessor.stack(s, batch, size)).toFloatArray();
                    for (int i = start; i < end; i++) {
                        out[i] = Arrays.copyOfRange(e, (i - start) * dim, (i - start + 1) * dim);
                        try {
                            NonFiniteException.check(out[i], "its CLIP image embedding");
                        } catch (NonFiniteException x) {
                            if (nonFinite.isEmpty()) firstError = data.describe(i) + ": " + x.getMessage();
                            nonFinite.add(i);
                        }
                    }
                }
                long now = System.nanoTime();
                if (now - lastLog > 5e9 || end == n) {
                    lastLog = now;
                    log.printf("encoding images with CLIP: %d/%d, %.1f images/s%n", end, n, end / ((now - t0) / 1e9));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        if (!nonFinite.isEmpty()) { // every image is encoded before training: nothing is trained on a broken feature
            for (int i : nonFinite) log.println("error: " + data.describe(i) + ": non-finite CLIP image embedding");
            throw new NonFiniteException(nonFinite.size() + " of " + n + " image(s) give non-finite CLIP embeddings, nothing trained; first: " + firstError);
        }
        return out;
    }

    private static float[] get(Future<float[]> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) throw r;
            throw new IllegalStateException(c.getMessage(), c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading images", e);
        }
    }
}
