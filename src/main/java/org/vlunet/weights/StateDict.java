package org.vlunet.weights;

import ai.djl.ndarray.NDArray;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Binds a block tree to the reference (PyTorch) state-dict names. The rule, kept only here: a parameter's key
 * is the names of the child blocks on its path and its own name, joined by '.'. DJL stores a child under
 * "NN" + name (its position, two digits), which is stripped.
 */
public final class StateDict {
    private StateDict() {}

    /** Every parameter of the tree under its reference key, in registration order. */
    public static LinkedHashMap<String, Parameter> parameters(Block root) {
        LinkedHashMap<String, Parameter> out = new LinkedHashMap<>();
        collect(root, "", out);
        return out;
    }

    private static void collect(Block block, String prefix, Map<String, Parameter> out) {
        for (Pair<String, Parameter> p : block.getDirectParameters()) out.put(prefix + p.getKey(), p.getValue());
        for (Pair<String, Block> c : block.getChildren()) collect(c.getValue(), prefix + childName(c.getKey()) + ".", out);
    }

    /** The reference name of a child as DJL stores it ("01encoder_level1" → "encoder_level1"). */
    static String childName(String djlName) {
        return djlName.length() > 2 && Character.isDigit(djlName.charAt(0)) && Character.isDigit(djlName.charAt(1))
                ? djlName.substring(2) : djlName;
    }

    /** Every parameter's shape under its reference key, in registration order (nothing need be allocated). */
    public static LinkedHashMap<String, long[]> shapes(Block root) {
        LinkedHashMap<String, long[]> out = new LinkedHashMap<>();
        parameters(root).forEach((k, p) -> out.put(k, p.getShape().getShape()));
        return out;
    }

    private static final int LIST_AT_MOST = 8;

    /**
     * What differs between the shapes a layout expects and the tensors given: keys the layout wants but the
     * tensors lack, extra keys, and shape differences, each with its shape.
     */
    public record Report(List<String> missing, List<String> unexpected, List<String> mismatched) {
        public boolean clean() {
            return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
        }

        /** One line listing the problems (at most eight of each kind). */
        public String describe() {
            return describe("");
        }

        /** As {@link #describe()}, every kind of problem preceded by {@code part} (e.g. "clip: "). */
        public String describe(String part) {
            List<String> parts = new ArrayList<>();
            if (!mismatched.isEmpty()) parts.add(part + mismatched.size() + " shape mismatch(es): " + list(mismatched));
            if (!missing.isEmpty()) parts.add(part + missing.size() + " missing key(s): " + list(missing));
            if (!unexpected.isEmpty()) parts.add(part + unexpected.size() + " unexpected key(s): " + list(unexpected));
            return String.join(" | ", parts);
        }

        private static String list(List<String> items) {
            if (items.size() <= LIST_AT_MOST) return String.join(", ", items);
            return String.join(", ", items.subList(0, LIST_AT_MOST)) + ", … and " + (items.size() - LIST_AT_MOST) + " more";
        }
    }

    /**
     * The one shape comparison: {@code expected} (a model's or a configuration's layout, named by {@code against}
     * in the messages: "file [..] vs model [..]") with {@code tensors}.
     */
    public static Report compare(Map<String, long[]> expected, Map<String, HostTensor> tensors, String against) {
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), mismatched = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            HostTensor t = tensors.get(e.getKey());
            if (t == null) {
                missing.add(e.getKey() + " " + Arrays.toString(e.getValue()));
            } else if (!Arrays.equals(t.shape(), e.getValue())) {
                mismatched.add(e.getKey() + ": file " + Arrays.toString(t.shape()) + " vs " + against + " " + Arrays.toString(e.getValue()));
            }
        }
        tensors.forEach((k, t) -> { if (!expected.containsKey(k)) unexpected.add(k + " " + Arrays.toString(t.shape())); });
        return new Report(missing, unexpected, mismatched);
    }

    /** Compares tensors with the model without loading anything. */
    public static Report check(Block root, Map<String, HostTensor> tensors) {
        return compare(shapes(root), tensors, "model");
    }

    /**
     * Copies tensors into the model's parameters (which must be initialised). Strict: any missing key, unexpected
     * key or shape mismatch fails the whole load, listing them, and nothing is changed. Not strict:
     * matching keys load and the report says what did not.
     */
    public static Report load(Block root, Map<String, HostTensor> tensors, boolean strict, String what) {
        Report r = check(root, tensors);
        if (strict && !r.clean()) throw new WeightsException(what + " does not fit the model: " + r.describe());
        if (!r.mismatched().isEmpty()) throw new WeightsException(what + " does not fit the model: " + r.describe());
        for (Map.Entry<String, Parameter> e : parameters(root).entrySet()) {
            HostTensor t = tensors.get(e.getKey());
            if (t == null) continue;
            assign(e.getValue(), t);
        }
        return r;
    }

    /** Writes one tensor's values into an initialised parameter, in place (its gradient stays attached). */
    public static void assign(Parameter p, HostTensor t) {
        copyInto(p.getArray(), t);
    }

    /**
     * Writes host values into {@code a}'s own storage, on its device. DJL's {@code set(Buffer)} would give the array
     * new storage instead, cutting a parameter that is a view of the optimizer's flat buffer off that buffer.
     */
    public static void copyInto(NDArray a, HostTensor t) {
        boolean recording = ai.djl.pytorch.jni.JniUtils.isGradMode();
        ai.djl.pytorch.jni.JniUtils.setGradMode(false); // an in-place write to a trained leaf is not part of any graph
        try (ai.djl.ndarray.NDManager tmp = a.getManager().newSubManager(a.getDevice())) {
            NDArray src = t.dtype() == HostTensor.DType.F32
                    ? tmp.create(t.bytes().asFloatBuffer(), a.getShape())
                    : tmp.create(java.nio.FloatBuffer.wrap(t.toFloats()), a.getShape());
            a.set(new ai.djl.ndarray.index.NDIndex("..."), src.toType(a.getDataType(), false));
        } finally {
            ai.djl.pytorch.jni.JniUtils.setGradMode(recording);
        }
    }

    /** The model's parameters as host tensors under their reference keys. */
    public static LinkedHashMap<String, HostTensor> save(Block root) {
        LinkedHashMap<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : parameters(root).entrySet()) out.put(e.getKey(), HostTensor.of(e.getValue().getArray()));
        return out;
    }

    /** Keys under {@code prefix}, with the prefix removed. */
    public static LinkedHashMap<String, HostTensor> strip(Map<String, HostTensor> tensors, String prefix) {
        LinkedHashMap<String, HostTensor> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> { if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v); });
        return out;
    }

    /** Every key with {@code prefix} put in front. */
    public static LinkedHashMap<String, HostTensor> prefix(Map<String, HostTensor> tensors, String prefix) {
        LinkedHashMap<String, HostTensor> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> out.put(prefix + k, v));
        return out;
    }

    /** Number of values in all parameters. */
    public static long count(Block root) {
        long n = 0;
        for (Parameter p : parameters(root).values()) n += p.getShape().size();
        return n;
    }

}
