package org.vlunet.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.vlunet.data.Batch;
import org.vlunet.data.Loader;

/** The dataset module's background {@link Loader} as the loop's batch stream (host arrays to NDArrays). */
public final class LoaderStream implements TrainLoop.BatchStream<TrainBatch> {
    private final Loader loader;
    private final int clipSize;

    /** @param clipSize side of the CLIP input the sampler makes (e.g. 224) */
    public LoaderStream(Loader loader, int clipSize) {
        this.loader = loader;
        this.clipSize = clipSize;
    }

    @Override
    public int batchesPerEpoch() {
        return loader.batchesPerEpoch();
    }

    @Override
    public boolean hasNext() {
        return loader.hasNext();
    }

    @Override
    public TrainLoop.Positioned<TrainBatch> next(NDManager manager) {
        Batch b = loader.next();
        int n = b.size(), p = b.patchSize();
        if (b.clipInput() == null) throw new IllegalStateException("the loader made no CLIP input");
        Shape img = new Shape(n, 3, p, p);
        TrainBatch t = new TrainBatch(manager.create(b.degraded(), img), manager.create(b.clean(), img),
                manager.create(b.clipInput(), new Shape(n, 3, clipSize, clipSize)), b.classes());
        return new TrainLoop.Positioned<>(b.epoch(), b.index(), t);
    }

    @Override
    public void close() {
        loader.close();
    }
}
