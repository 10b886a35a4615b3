package org.vlunet.eval;

/**
 * Structural similarity as scikit-image's {@code structural_similarity(clean, restored, data_range=1,
 * channel_axis=2)}: 7x7 uniform window, sample covariance (N/(N−1) with N = 49), K1 = 0.01, K2 = 0.03; the SSIM map
 * is averaged over the region whose windows lie wholly inside the image (scikit-image crops (7−1)/2 from each
 * border), then over channels. Window sums slide along rows and columns, so the cost is linear in the pixels.
 */
public final class Ssim {
    public static final int WIN = 7;
    private static final double K1 = 0.01, K2 = 0.03;
    private static final double C1 = K1 * K1, C2 = K2 * K2;

    private Ssim() {}

    public static double of(Planes clean, Planes restored) {
        checkSameShape(clean, restored);
        if (clean.width() < WIN || clean.height() < WIN) {
            throw new IllegalArgumentException("SSIM needs images of at least " + WIN + "x" + WIN + " pixels, got "
                    + clean.width() + "x" + clean.height());
        }
        double total = 0;
        int nc = clean.channels().length;
        for (int c = 0; c < nc; c++) total += channel(clean.channels()[c], restored.channels()[c], clean.width(), clean.height());
        return total / nc;
    }

    /** Mean SSIM of one channel over the valid region. */
    static double channel(double[] x, double[] y, int w, int h) {
        int ow = w - WIN + 1, oh = h - WIN + 1;
        // Horizontal window sums of x, y, x², y², xy for the last WIN rows (a ring), then vertical sums of those.
        double[][][] ring = new double[WIN][5][ow];
        double np = WIN * WIN;
        double covNorm = np / (np - 1);
        double sum = 0;
        for (int row = 0; row < h; row++) {
            double[][] hs = ring[row % WIN];
            horizontalSums(x, y, row * w, w, hs);
            if (row < WIN - 1) continue;
            for (int i = 0; i < ow; i++) {
                double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
                for (int k = 0; k < WIN; k++) {
                    double[][] r = ring[k];
                    sx += r[0][i]; sy += r[1][i]; sxx += r[2][i]; syy += r[3][i]; sxy += r[4][i];
                }
                double ux = sx / np, uy = sy / np;
                double vx = covNorm * (sxx / np - ux * ux);
                double vy = covNorm * (syy / np - uy * uy);
                double vxy = covNorm * (sxy / np - ux * uy);
                double a1 = 2 * ux * uy + C1, a2 = 2 * vxy + C2;
                double b1 = ux * ux + uy * uy + C1, b2 = vx + vy + C2;
                sum += (a1 * a2) / (b1 * b2);
            }
        }
        return sum / ((double) ow * oh);
    }

    private static void horizontalSums(double[] x, double[] y, int off, int w, double[][] out) {
        double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        for (int i = 0; i < w; i++) {
            double a = x[off + i], b = y[off + i];
            sx += a; sy += b; sxx += a * a; syy += b * b; sxy += a * b;
            if (i >= WIN) {
                double a0 = x[off + i - WIN], b0 = y[off + i - WIN];
                sx -= a0; sy -= b0; sxx -= a0 * a0; syy -= b0 * b0; sxy -= a0 * b0;
            }
            if (i >= WIN - 1) {
                int o = i - WIN + 1;
                out[0][o] = sx; out[1][o] = sy; out[2][o] = sxx; out[3][o] = syy; out[4][o] = sxy;
            }
        }
    }

    static void checkSameShape(Planes a, Planes b) {
        if (a.width() != b.width() || a.height() != b.height() || a.channels().length != b.channels().length) {
            throw new IllegalArgumentException("images differ in size: " + a.width() + "x" + a.height() + " vs "
                    + b.width() + "x" + b.height());
        }
    }
}
