package org.vlunet.eval;

/**
 * Peak signal-to-noise ratio as scikit-image's {@code peak_signal_noise_ratio(clean, restored, data_range=1)}:
 * 10·log10(1 / MSE), the mean taken over every value of every channel. Identical images give +Infinity.
 */
public final class Psnr {
    private Psnr() {}

    public static double of(Planes clean, Planes restored) {
        Ssim.checkSameShape(clean, restored);
        double sum = 0;
        long n = 0;
        for (int c = 0; c < clean.channels().length; c++) {
            double[] a = clean.channels()[c], b = restored.channels()[c];
            for (int i = 0; i < a.length; i++) {
                double d = a[i] - b[i];
                sum += d * d;
            }
            n += a.length;
        }
        double mse = sum / n;
        return 10.0 * Math.log10(1.0 / mse);
    }
}
