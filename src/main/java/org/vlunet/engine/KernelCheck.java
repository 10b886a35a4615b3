package org.vlunet.engine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import ai.djl.training.initializer.ConstantInitializer;
import org.vlunet.model.VluNet;
import org.vlunet.weights.StateDict;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The CPU engine's float32 results against float64 on the same inputs. PyTorch never hands float64 to oneDNN, so
 * the float64 side runs PyTorch's own kernels and is the reference. Inputs come from a fixed Java generator (the
 * engine's random state, which training seeds, is left alone).
 */
final class KernelCheck {
    /** Relative L2 error allowed for one convolution; float32 rounding gives ~1e-7, the engine's faults 0.1 and more. */
    static final double CONV_TOLERANCE = 1e-4;
    /** For a whole forward of the network, where rounding accumulates over dozens of layers. */
    static final double NETWORK_TOLERANCE = 1e-3;
    /** PyTorch sends a convolution of a single image to oneDNN only above this many input values. */
    private static final int ONEDNN_MIN_VALUES = 20480;

    /** A kernel that gave a wrong result: what ran, and its relative error (NaN when it produced NaN/Inf). */
    record Fault(String what, double error) {
        @Override
        public String toString() {
            return what + ": relative error " + (Double.isFinite(error) ? String.format(java.util.Locale.ROOT, "%.2g", error) : "NaN");
        }
    }

    private KernelCheck() {}

    /**
     * Each convolution at batch 1 (large enough for PyTorch to use oneDNN) and at batch 2, forward and, with
     * {@code backward}, the input and weight gradients.
     */
    static List<Fault> convolutions(Collection<ConvShape> shapes, boolean backward) {
        List<Fault> faults = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(20250331);
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            for (ConvShape c : shapes) {
                for (int batch = 1; batch <= 2; batch++) {
                    try (NDManager s = m.newSubManager()) {
                        check(s, c, batch, backward, rng, faults);
                    }
                }
            }
        }
        return faults;
    }

    private static void check(NDManager m, ConvShape c, int batch, boolean backward, SplittableRandom rng, List<Fault> faults) {
        int size = Math.max(c.kernel(), 2 * c.stride());
        // kernels above 3x3 always go to oneDNN; smaller ones for one image only above ONEDNN_MIN_VALUES
        if (batch == 1 && c.kernel() <= 3) size = Math.max(size, (int) Math.ceil(Math.sqrt((ONEDNN_MIN_VALUES + 1.0) / c.in())));
        size = (size + c.stride() - 1) / c.stride() * c.stride();
        NDArray x = normal(m, rng, batch, c.in(), size, size);
        NDArray w = normal(m, rng, c.out(), c.in() / c.groups(), c.kernel(), c.kernel());
        String what = c + " batch " + batch + " " + size + "x" + size;
        if (!backward) {
            compare(what + " forward", conv(c, x, w), conv(c, f64(x), f64(w)), CONV_TOLERANCE, faults);
            return;
        }
        long seed = rng.nextLong();
        NDArray[] g32 = gradients(c, x, w, new SplittableRandom(seed));
        NDArray[] g64 = gradients(c, f64(x), f64(w), new SplittableRandom(seed));
        compare(what + " forward", g32[0], g64[0], CONV_TOLERANCE, faults);
        compare(what + " input gradient", g32[1], g64[1], CONV_TOLERANCE, faults);
        compare(what + " weight gradient", g32[2], g64[2], CONV_TOLERANCE, faults);
    }

    /** {output, d(sum(out*r))/dx, .../dw}; r from {@code rng} so both precisions get the same. */
    private static NDArray[] gradients(ConvShape c, NDArray x, NDArray w, SplittableRandom rng) {
        NDManager m = x.getManager();
        x = x.duplicate();
        w = w.duplicate();
        x.setRequiresGradient(true);
        w.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y = conv(c, x, w);
            NDArray r = normal(m, rng, y.getShape()).toType(y.getDataType(), false);
            gc.backward(y.mul(r).sum());
            return new NDArray[] {y.stopGradient(), x.getGradient(), w.getGradient()};
        }
    }

    private static NDArray conv(ConvShape c, NDArray x, NDArray w) {
        return Conv2d.conv2d(x, w, null, new Shape(c.stride(), c.stride()), new Shape(c.padding(), c.padding()),
                new Shape(1, 1), c.groups()).singletonOrThrow();
    }

    /**
     * The network's forward in float32 against a float64 twin with the same weights, on a batch of two small
     * images: catches what single kernels do not, such as a cached oneDNN primitive reused for the wrong problem.
     * {@code net} is on the CPU.
     */
    static List<Fault> network(VluNet net) {
        List<Fault> faults = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(7);
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            VluNet twin = new VluNet(net.config());
            twin.setInitializer(new ConstantInitializer(0f), Parameter.Type.OTHER); // leaves the engine's random state alone
            twin.initialize(m, DataType.FLOAT64, new Shape(1));
            Map<String, Parameter> mine = StateDict.parameters(twin);
            for (Map.Entry<String, Parameter> e : StateDict.parameters(net).entrySet()) {
                try (NDArray wide = e.getValue().getArray().toType(DataType.FLOAT64, true)) {
                    wide.copyTo(mine.get(e.getKey()).getArray());
                }
            }
            int size = 16;
            NDArray image = uniform(m, rng, 2, 3, size, size);
            NDArray feature = normal(m, rng, 2, net.config().degradationDim());
            NDArray y32 = net.forward(image, feature);
            NDArray y64 = twin.forward(f64(image), f64(feature));
            // Weights that give NaN/Inf even in float64 (a broken checkpoint) say nothing about the kernels, which
            // convolutions() judges with weights of its own; inference reports the non-finite output per image.
            if (!y64.isInfinite().logicalOr(y64.isNaN()).any().getBoolean()) {
                compare("network forward (" + net.config() + ") batch 2 " + size + "x" + size, y32.sub(image), y64.sub(f64(image)),
                        NETWORK_TOLERANCE, faults);
            }
        }
        return faults;
    }

    static void compare(String what, NDArray got, NDArray reference, double tolerance, List<Fault> faults) {
        NDArray ref = reference.toType(DataType.FLOAT64, false);
        double norm = ref.norm().getDouble();
        double err = got.toType(DataType.FLOAT64, false).sub(ref).norm().getDouble() / Math.max(norm, 1e-30);
        if (!(err <= tolerance)) faults.add(new Fault(what, Double.isFinite(err) ? err : Double.NaN));
    }

    private static NDArray f64(NDArray a) {
        return a.toType(DataType.FLOAT64, false);
    }

    private static NDArray normal(NDManager m, SplittableRandom rng, long... shape) {
        return normal(m, rng, new Shape(shape));
    }

    private static NDArray normal(NDManager m, SplittableRandom rng, Shape shape) {
        float[] v = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < v.length; i++) {
            // Box-Muller from the Java generator: the same numbers on every machine
            double u1 = 1.0 - rng.nextDouble(), u2 = rng.nextDouble();
            v[i] = (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
        }
        return m.create(v, shape);
    }

    private static NDArray uniform(NDManager m, SplittableRandom rng, long... shape) {
        float[] v = new float[Math.toIntExact(new Shape(shape).size())];
        for (int i = 0; i < v.length; i++) v[i] = (float) rng.nextDouble();
        return m.create(v, new Shape(shape));
    }
}
