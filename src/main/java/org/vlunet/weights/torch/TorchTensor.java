package org.vlunet.weights.torch;

import org.vlunet.weights.HostTensor;

import java.util.Arrays;

/**
 * A tensor named by a PyTorch pickle ({@code torch._utils._rebuild_tensor_v2}): a view of a storage with an
 * offset, sizes and strides (in elements). Its values are read from the archive only when {@link #read()} is
 * called, so optimizer state and the like cost nothing unless asked for.
 */
public final class TorchTensor {

    /** A storage named by a persistent id: {@code ('storage', torch.FloatStorage, key, location, numel)}. */
    public record Storage(String key, String type, HostTensor.DType dtype, long numel, String location) {}

    private final TorchArchive archive;
    private final Storage storage;
    private final long offset;
    private final long[] size;
    private final long[] stride;

    TorchTensor(TorchArchive archive, Storage storage, long offset, long[] size, long[] stride) {
        this.archive = archive;
        this.storage = storage;
        this.offset = offset;
        this.size = size;
        this.stride = stride;
    }

    public Storage storage() {
        return storage;
    }

    /** The stored element type, or null for a kind HostTensor cannot hold (complex, quantised, ...). */
    public HostTensor.DType dtype() {
        return storage.dtype();
    }

    public long[] shape() {
        return size.clone();
    }

    public long[] stride() {
        return stride.clone();
    }

    public long storageOffset() {
        return offset;
    }

    public long numel() {
        long n = 1;
        for (long s : size) n *= s;
        return n;
    }

    /** True when the view is the row-major layout of its shape (dimensions of size 1 may have any stride). */
    public boolean isContiguous() {
        long expected = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] != 1 && stride[i] != expected) return false;
            expected *= size[i];
        }
        return true;
    }

    /** The values as a contiguous HostTensor in the stored dtype (views are gathered; storages read once). */
    public HostTensor read() {
        return archive.read(this);
    }

    @Override
    public String toString() {
        return "tensor(" + (dtype() == null ? storage.type() : dtype()) + Arrays.toString(size) + ")";
    }
}
