package org.vlunet.data.synth;

import org.vlunet.data.Rng;

/**
 * A normalised (sum 1) square blur kernel of odd size: a straight motion path, a curved camera-shake path (a
 * random walk with inertia, in the manner of Boracchi and Foi's trajectories), or a defocus disk.
 */
public final class BlurKernel {
    public final int size;
    /** Row-major size×size weights summing to 1. */
    public final float[] weights;

    private BlurKernel(int size, double[] w) {
        double sum = 0;
        for (double v : w) sum += v;
        float[] f = new float[w.length];
        for (int i = 0; i < w.length; i++) f[i] = (float) (w[i] / sum);
        this.size = size;
        this.weights = f;
    }

    /** A straight motion of {@code length} pixels at {@code angle} degrees (0 = horizontal), centred. */
    public static BlurKernel linear(double length, double angleDeg) {
        RainStreaks.need(length >= 1 && length <= 101, "blur length must be in [1, 101] pixels, got " + length);
        int size = oddSize(length + 2);
        double[] k = new double[size * size];
        double a = Math.toRadians(angleDeg), dx = StrictMath.cos(a), dy = StrictMath.sin(a);
        int steps = (int) Math.ceil(length * 4) + 1;
        for (int s = 0; s < steps; s++) {
            double t = (s / (double) (steps - 1) - 0.5) * (length - 1);
            splat(k, size, size / 2 + t * dx, size / 2 + t * dy, 1);
        }
        return new BlurKernel(size, k);
    }

    /** A camera-shake path of about {@code length} pixels starting towards {@code angle}, shaped by the seed. */
    public static BlurKernel curved(double length, double angleDeg, long seed) {
        RainStreaks.need(length >= 2 && length <= 101, "blur length must be in [2, 101] pixels, got " + length);
        Rng rng = Rng.of(seed, 0x534841L);
        int steps = Math.max(16, (int) Math.ceil(length * 4));
        double step = length / steps;
        double a = Math.toRadians(angleDeg);
        double vx = StrictMath.cos(a), vy = StrictMath.sin(a), x = 0, y = 0;
        double anxiety = rng.uniform(0.3, 1.0), pull = rng.uniform(0.0, 0.2) / length;
        double[] px = new double[steps + 1], py = new double[steps + 1];
        for (int s = 1; s <= steps; s++) {
            vx += anxiety * rng.nextGaussian() * 0.5 - pull * x;
            vy += anxiety * rng.nextGaussian() * 0.5 - pull * y;
            double n = Math.hypot(vx, vy);
            vx /= n;
            vy /= n;
            x += vx * step;
            y += vy * step;
            px[s] = x;
            py[s] = y;
        }
        // Centre the path's centroid, so the blurred image stays registered with the sharp one.
        double mx = 0, my = 0, ext = 0;
        for (int s = 0; s <= steps; s++) { mx += px[s]; my += py[s]; }
        mx /= steps + 1;
        my /= steps + 1;
        for (int s = 0; s <= steps; s++) ext = Math.max(ext, Math.max(Math.abs(px[s] - mx), Math.abs(py[s] - my)));
        int size = oddSize(2 * ext + 3);
        double[] k = new double[size * size];
        for (int s = 0; s <= steps; s++) splat(k, size, size / 2 + px[s] - mx, size / 2 + py[s] - my, 1);
        return new BlurKernel(size, k);
    }

    /** A uniform disk of the given radius (an out-of-focus lens), antialiased by 8×8 supersampling. */
    public static BlurKernel defocus(double radius) {
        RainStreaks.need(radius > 0 && radius <= 50, "defocus radius must be in (0, 50] pixels, got " + radius);
        int size = oddSize(2 * radius + 3);
        double[] k = new double[size * size];
        int c = size / 2, ss = 8;
        for (int j = 0; j < size; j++) {
            for (int i = 0; i < size; i++) {
                int in = 0;
                for (int b = 0; b < ss; b++) {
                    for (int a = 0; a < ss; a++) {
                        double dx = i - c + (a + 0.5) / ss - 0.5, dy = j - c + (b + 0.5) / ss - 0.5;
                        if (dx * dx + dy * dy <= radius * radius) in++;
                    }
                }
                k[j * size + i] = in;
            }
        }
        return new BlurKernel(size, k);
    }

    private static int oddSize(double extent) {
        int s = (int) Math.ceil(extent);
        return s % 2 == 0 ? s + 1 : s;
    }

    private static void splat(double[] k, int size, double x, double y, double v) {
        int x0 = (int) Math.floor(x), y0 = (int) Math.floor(y);
        double fx = x - x0, fy = y - y0;
        add(k, size, x0, y0, v * (1 - fx) * (1 - fy));
        add(k, size, x0 + 1, y0, v * fx * (1 - fy));
        add(k, size, x0, y0 + 1, v * (1 - fx) * fy);
        add(k, size, x0 + 1, y0 + 1, v * fx * fy);
    }

    private static void add(double[] k, int size, int x, int y, double v) {
        if (x >= 0 && y >= 0 && x < size && y < size) k[y * size + x] += v;
    }
}
