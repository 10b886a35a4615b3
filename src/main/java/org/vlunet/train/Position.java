package org.vlunet.train;

/**
 * Where a run stands: {@code step} optimizer updates done, and the next batch is batch {@code index} of epoch
 * {@code epoch} (both from 0). Every batch depends only on the seed and its (epoch, index), so this is all the
 * data loader needs to continue exactly.
 */
public record Position(int epoch, int index, long step) {

    public static final Position START = new Position(0, 0, 0);

    public static Position ofStep(long step, int batchesPerEpoch) {
        return new Position((int) (step / batchesPerEpoch), (int) (step % batchesPerEpoch), step);
    }

    /** The position after one more step. */
    public Position next(int batchesPerEpoch) {
        return ofStep(step + 1, batchesPerEpoch);
    }
}
