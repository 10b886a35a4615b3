package org.vlunet.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.vlunet.data.RgbImage;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CLIP's image preprocessing on a [0, 1] RGB image (open_clip's ViT-B-32 transform), in pure Java: resize so the shorter side
 * is 224 with antialiased bicubic resampling (torch/torchvision tensor semantics, a = −0.5), centre-crop
 * 224×224, normalise with OpenAI's mean and std. The resize is separable; each axis is a small weight matrix
 * (PyTorch's float32 weights, applied with float64 sums) cached by size. Thread-safe.
 */
public final class ClipPreprocessor {
    public static final int SIZE = 224;
    static final double[] MEAN = {0.48145466, 0.4578275, 0.40821073};
    static final double[] STD = {0.26862954, 0.26130258, 0.27577711};
    private static final int CACHE_LIMIT = 1024;
    private static final Map<Long, AxisWeights> CACHE = new ConcurrentHashMap<>();

    private ClipPreprocessor() {}

    /** CHW float32 of 3·224·224 values: the input CLIP's vision tower expects. */
    public static float[] preprocess(RgbImage img) {
        return preprocess(img, SIZE);
    }

    /** As {@link #preprocess(RgbImage)} for a square output of {@code size}. */
    public static float[] preprocess(RgbImage img, int size) {
        int w = img.width(), h = img.height();
        int[] resized = resizedSize(w, h, size);
        int newW = resized[0], newH = resized[1];
        int left = (int) Math.rint((newW - size) / 2.0); // Python's round: half to even
        int top = (int) Math.rint((newH - size) / 2.0);
        AxisWeights wx = weights(w, newW), wy = weights(h, newH);
        int rowLo = wy.start[top], rowHi = 0;
        for (int y = top; y < top + size; y++) rowHi = Math.max(rowHi, wy.start[y] + wy.weights[y].length);
        int rows = rowHi - rowLo;
        float[] src = img.pixels();
        float[] out = new float[3 * size * size];
        double[] tmp = new double[rows * size];
        for (int c = 0; c < 3; c++) {
            // Horizontal pass over the input rows the crop needs.
            for (int r = 0; r < rows; r++) {
                int base = (c * h + rowLo + r) * w;
                for (int x = 0; x < size; x++) {
                    double[] k = wx.weights[left + x];
                    int j0 = base + wx.start[left + x];
                    double s = 0;
                    for (int j = 0; j < k.length; j++) s += k[j] * src[j0 + j];
                    tmp[r * size + x] = s;
                }
            }
            // Vertical pass, then normalisation.
            double mean = MEAN[c], std = STD[c];
            for (int y = 0; y < size; y++) {
                double[] k = wy.weights[top + y];
                int r0 = wy.start[top + y] - rowLo;
                int o = (c * size + y) * size;
                for (int x = 0; x < size; x++) {
                    double s = 0;
                    for (int j = 0; j < k.length; j++) s += k[j] * tmp[(r0 + j) * size + x];
                    out[o + x] = (float) ((s - mean) / std);
                }
            }
        }
        return out;
    }

    /** A batch (b, 3, 224, 224) of preprocessed images on {@code manager}. */
    public static NDArray batch(NDManager manager, List<RgbImage> images) {
        return stack(manager, images.stream().map(ClipPreprocessor::preprocess).toList(), SIZE);
    }

    /** Already preprocessed images (each 3·size·size values) as a (b, 3, size, size) NDArray. */
    public static NDArray stack(NDManager manager, List<float[]> preprocessed, int size) {
        int n = 3 * size * size;
        float[] all = new float[preprocessed.size() * n];
        for (int i = 0; i < preprocessed.size(); i++) {
            float[] p = preprocessed.get(i);
            if (p.length != n) throw new IllegalArgumentException("preprocessed image " + i + " has " + p.length + " values, expected " + n);
            System.arraycopy(p, 0, all, i * n, n);
        }
        return manager.create(all, new Shape(preprocessed.size(), 3, size, size));
    }

    /**
     * torchvision's Resize(size) with an int: the shorter side becomes {@code size}, the longer
     * int(size·long/short). Returns {width, height}.
     */
    static int[] resizedSize(int w, int h, int size) {
        int shortSide = Math.min(w, h), longSide = Math.max(w, h);
        int newLong = (int) ((double) ((long) size * longSide) / shortSide);
        return w <= h ? new int[] {size, newLong} : new int[] {newLong, size};
    }

    /** Per output index: the first input index and the normalised weights of its window. */
    record AxisWeights(int[] start, double[][] weights) {}

    static AxisWeights weights(int in, int out) {
        long key = ((long) in << 32) | out;
        AxisWeights a = CACHE.get(key);
        if (a != null) return a;
        if (CACHE.size() >= CACHE_LIMIT) CACHE.clear();
        return CACHE.computeIfAbsent(key, k -> antialiasedBicubic(in, out));
    }

    /**
     * PyTorch's antialiased bicubic (_upsample_bicubic2d_aa): output i of scale s = in/out takes inputs j with
     * weights k((j − c + 0.5)/max(s,1)), c = (i + 0.5)·s, over |j + 0.5 − c| < 2·max(s,1), normalised to sum 1.
     * The arithmetic follows PyTorch's for float32 tensors (what the authors' pipeline runs): the window centre
     * rounded to float32 is worth ~1e-5 per pixel on noisy images, so float64 weights would sit ~5e-5 from the
     * reference after normalisation, these ~4e-6 (ClipPreprocessorTest).
     */
    static AxisWeights antialiasedBicubic(int in, int out) {
        float scale = (float) in / (float) out;
        float support = scale >= 1 ? (float) (2.0 * scale) : 2f;
        float invScale = scale >= 1 ? (float) (1.0 / scale) : 1f;
        int[] start = new int[out];
        double[][] weights = new double[out][];
        for (int i = 0; i < out; i++) {
            float center = (float) (scale * (i + 0.5));
            int lo = (int) Math.max((long) ((double) (center - support) + 0.5), 0L);
            int hi = (int) Math.min((long) ((double) (center + support) + 0.5), (long) in);
            float[] k = new float[hi - lo];
            float total = 0;
            for (int j = 0; j < k.length; j++) {
                k[j] = cubic((float) (((double) ((float) (j + lo) - center) + 0.5) * invScale));
                total += k[j];
            }
            double[] w = new double[k.length];
            for (int j = 0; j < k.length; j++) w[j] = total != 0 ? k[j] / total : k[j];
            start[i] = lo;
            weights[i] = w;
        }
        return new AxisWeights(start, weights);
    }

    /** Keys' cubic convolution kernel with a = −0.5 (PIL's, used by torch's antialiased bicubic), in float32. */
    static float cubic(float x) {
        final float a = -0.5f;
        x = Math.abs(x);
        if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
        return 0;
    }
}
