package org.vlunet.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The network's hot ops as one call into libtorch each. DJL's NDArray methods check their arguments in Java first,
 * and most checks ask the native side for the array's shape (a second JNI call per fresh array); on a GPU every
 * JNI call costs host time whatever it does, so the forward pass calls these instead. Results are attached to the
 * first operand's manager, as DJL's own ops are. Arrays must be the PyTorch engine's.
 */
public final class TorchOps {
    private static final long[] ONE = {1, 1};

    private TorchOps() {}

    private static PtNDArray pt(NDArray a) {
        return (PtNDArray) a;
    }

    /** Bias-free 2-D convolution, stride and dilation 1. */
    public static NDArray conv2d(NDArray x, NDArray weight, Shape padding, int groups) {
        return JniUtils.convolution(pt(x), pt(weight), null, STRIDE, padding, STRIDE, groups);
    }

    private static final Shape STRIDE = new Shape(ONE);

    /** torch.nn.functional.linear: x Wᵀ + b over the last axis. */
    public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return JniUtils.linear(pt(x), pt(weight), bias == null ? null : pt(bias));
    }

    public static NDArray add(NDArray a, NDArray b) {
        return JniUtils.add(pt(a), pt(b));
    }

    public static NDArray mul(NDArray a, NDArray b) {
        return JniUtils.mul(pt(a), pt(b));
    }

    /** a += b in place; returns a. */
    public static NDArray addInPlace(NDArray a, NDArray b) {
        JniUtils.addi(pt(a), pt(b));
        return a;
    }

    public static NDArray matmul(NDArray a, NDArray b) {
        return JniUtils.matmul(pt(a), pt(b));
    }

    public static NDArray reshape(NDArray a, long... shape) {
        return JniUtils.reshape(pt(a), shape);
    }

    public static NDArray permute(NDArray a, long... dims) {
        return JniUtils.permute(pt(a), dims);
    }

    public static NDArray transpose(NDArray a, long dim1, long dim2) {
        return JniUtils.transpose(pt(a), dim1, dim2);
    }

    /** torch.split_with_sizes: views of consecutive runs of {@code sizes} along {@code dim}. */
    public static NDArray[] split(NDArray a, long dim, long... sizes) {
        return JniUtils.split(pt(a), sizes, dim).toArray(new NDArray[0]);
    }

    /** torch.nn.functional.normalize(a, p=2, dim=-1, eps=1e-12): a / max(‖a‖₂, eps) along the last axis. */
    public static NDArray l2NormalizeLast(NDArray a) {
        return JniUtils.normalize(pt(a), 2, -1, 1e-12);
    }

    public static NDArray layerNorm(NDArray x, Shape normalized, NDArray weight, NDArray bias, double eps) {
        return JniUtils.layerNorm(pt(x), normalized, pt(weight), pt(bias), eps);
    }

    /** Exact (erf) GELU, torch's default. */
    public static NDArray gelu(NDArray a) {
        return JniUtils.gelu(pt(a));
    }

    /** Softmax along {@code dim}, computed and returned in {@code type} (the input's, which costs a call to ask). */
    public static NDArray softmax(NDArray a, long dim, DataType type) {
        return JniUtils.softmax(pt(a), dim, type);
    }
}
