package org.vlunet.model.unfolding;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.vlunet.model.TorchOps;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PyTorch's plain bilinear resize (align_corners=False, no antialiasing, also when shrinking) of (b, c, s, t)
 * tensors, written as two interpolation matrices applied with matMul: exact, differentiable, fast on any
 * device. (DJL's interpolate always antialiases, so it cannot reproduce the authors' downsampling.) The
 * matrices are built once per size and device and kept in a small LRU cache on a long-lived manager.
 */
public final class BilinearResize {
    private static final int CACHE_SIZE = 32;

    private final Map<String, NDArray> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, NDArray> eldest) {
            boolean evict = size() > CACHE_SIZE;
            if (evict) eldest.getValue().close(); // a graph still using it keeps the native tensor alive
            return evict;
        }
    };

    /** Resizes {@code x} (b, c, s, t) to (b, c, h, w); {@code owner} holds the cached matrices. */
    public NDArray resize(NDArray x, long h, long w, NDManager owner) {
        long[] sh = x.getShape().getShape();
        long s = sh[2], t = sh[3];
        NDArray y = x;
        if (t != w) y = TorchOps.matmul(y, matrix(t, w, x, owner)); // (b,c,s,w)
        if (s != h) y = TorchOps.transpose(TorchOps.matmul(TorchOps.transpose(y, 2, 3), matrix(s, h, x, owner)), 2, 3); // (b,c,h,w)
        return y;
    }

    /** The (in × out) matrix M with out = in-vector · M along one axis, on x's device and in x's type, cached. */
    private synchronized NDArray matrix(long in, long out, NDArray x, NDManager owner) {
        Device device = x.getDevice();
        DataType type = x.getDataType();
        String key = in + ">" + out + "@" + device + ":" + type;
        NDArray m = cache.get(key);
        if (m == null) {
            NDArray host = owner.create(weights((int) in, (int) out), new Shape(in, out));
            NDArray typed = host.toType(type, false);
            m = typed.toDevice(device, false);
            if (typed != m && typed != host) typed.close();
            if (host != m) host.close();
            cache.put(key, m);
        }
        return m;
    }

    /**
     * Row-major (in × out) weights: output i samples source coordinate (i + 0.5)·in/out − 0.5, clamped at 0,
     * between its two neighbours (the upper one clamped to the edge), as upsample_bilinear2d does.
     */
    static float[] weights(int in, int out) {
        float[] m = new float[in * out];
        double scale = (double) in / out;
        for (int i = 0; i < out; i++) {
            double src = Math.max(0.0, scale * (i + 0.5) - 0.5);
            int i0 = Math.min((int) src, in - 1);
            int i1 = i0 < in - 1 ? i0 + 1 : i0;
            double l1 = src - i0;
            m[i0 * out + i] += (float) (1.0 - l1);
            m[i1 * out + i] += (float) l1;
        }
        return m;
    }
}
