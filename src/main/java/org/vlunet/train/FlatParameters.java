package org.vlunet.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The trained parameters of one device as views into one contiguous float32 buffer, so that an optimizer updates
 * the whole model with a handful of native ops instead of a dozen per parameter (torch's "foreach" and fused
 * optimizers do the same). Each parameter keeps its shape, name and gradient; only its storage moves into the
 * buffer, once, before training (a second call for the same parameters returns the same buffer). Values are
 * copied, not changed.
 *
 * <p>DJL's {@code Parameter} lets its array be set only once, so the view is put in place through reflection; where
 * that is not possible (another DJL version, mixed dtypes) {@link #of} answers null and the optimizer works per
 * parameter, with the same numbers.
 */
final class FlatParameters {
    private static final Field ARRAY = arrayField();
    /** Which buffer (and place in it) each flattened parameter went to, so that flattening twice is a no-op. */
    private static final Map<Parameter, Member> MEMBERS = Collections.synchronizedMap(new WeakHashMap<>());

    private record Member(FlatParameters flat, int index) {}

    private final NDArray buffer;
    private final long[] offsets;
    private final long[] sizes;

    private FlatParameters(NDArray buffer, long[] offsets, long[] sizes) {
        this.buffer = buffer;
        this.offsets = offsets;
        this.sizes = sizes;
    }

    /** The one buffer all the parameters are views of, in the given order. */
    NDArray buffer() {
        return buffer;
    }

    long offset(int i) {
        return offsets[i];
    }

    long size(int i) {
        return sizes[i];
    }

    /** Elements in all. */
    long total() {
        return buffer.size();
    }

    /**
     * Moves {@code params} (all on {@code device}, float32) into one buffer on the manager of the first one's array,
     * or returns null (and changes nothing) when they cannot be: then train them one by one.
     */
    static FlatParameters of(List<Parameter> params, Device device) {
        if (ARRAY == null || params.isEmpty()) return null;
        FlatParameters done = existing(params);
        if (done != null) return done;
        for (Parameter p : params) {
            NDArray a = p.getArray();
            if (a.getDataType() != DataType.FLOAT32 || !a.getDevice().equals(device) || a.size() == 0) return null;
        }
        NDManager owner = params.get(0).getArray().getManager();
        long[] offsets = new long[params.size()];
        long[] sizes = new long[params.size()];
        NDArray buffer;
        try (NDManager tmp = owner.newSubManager()) {
            NDList flat = new NDList(params.size());
            long off = 0;
            for (int i = 0; i < params.size(); i++) {
                NDArray a = params.get(i).getArray();
                offsets[i] = off;
                sizes[i] = a.size();
                off += a.size();
                NDArray f = a.reshape(-1);
                f.attach(tmp);
                flat.add(f);
            }
            buffer = NDArrays.concat(flat);
            buffer.attach(owner);
        }
        List<NDArray> views = new ArrayList<>(params.size());
        for (int i = 0; i < params.size(); i++) views.add(view(buffer, offsets[i], sizes[i], params.get(i).getArray()));
        try {
            for (int i = 0; i < params.size(); i++) {
                Parameter p = params.get(i);
                NDArray old = p.getArray();
                NDArray v = views.get(i);
                v.setName(old.getName());
                v.setRequiresGradient(p.requiresGradient());
                ARRAY.set(p, v);
                old.close();
            }
        } catch (IllegalAccessException e) {
            // ARRAY was made accessible; unreachable unless a security manager forbids it
            throw new IllegalStateException("cannot place parameters into one buffer", e);
        }
        FlatParameters flat = new FlatParameters(buffer, offsets, sizes);
        for (int i = 0; i < params.size(); i++) MEMBERS.put(params.get(i), new Member(flat, i));
        return flat;
    }

    /** The buffer these parameters, in this order, were already moved into, or null. */
    private static FlatParameters existing(List<Parameter> params) {
        Member first = MEMBERS.get(params.get(0));
        if (first == null || first.flat().offsets.length != params.size()) return null;
        for (int i = 0; i < params.size(); i++) {
            Member m = MEMBERS.get(params.get(i));
            if (m == null || m.flat() != first.flat() || m.index() != i) return null;
        }
        return first.flat();
    }

    /** {@code buffer[offset : offset + size]} shaped like {@code like}, sharing the buffer's storage. */
    static NDArray view(NDArray buffer, long offset, long size, NDArray like) {
        try (NDArray slice = buffer.get(new NDIndex("{}:{}", offset, offset + size))) {
            NDArray v = slice.reshape(like.getShape());
            v.attach(buffer.getManager());
            return v;
        }
    }

    /** {@code buffer[from : to]}, 1-d, sharing the buffer's storage. */
    static NDArray range(NDArray buffer, long from, long to) {
        NDArray v = buffer.get(new NDIndex("{}:{}", from, to));
        v.attach(buffer.getManager());
        return v;
    }

    private static Field arrayField() {
        try {
            Field f = Parameter.class.getDeclaredField("array");
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
