package org.vlunet.eval;

import org.vlunet.data.RgbImage;

import java.util.Collection;

/** PSNR (dB) and SSIM of one pair, or the mean over a set. */
public record Score(double psnr, double ssim) {

    /**
     * Scores a restoration against its clean image. Both must have the same size: a mismatch is an error,
     * never cropped away silently.
     */
    public static Score of(RgbImage restored, RgbImage clean, MetricOptions options) {
        if (restored.width() != clean.width() || restored.height() != clean.height()) {
            throw new IllegalArgumentException("sizes differ: restored " + restored.width() + "x" + restored.height()
                    + ", clean " + clean.width() + "x" + clean.height());
        }
        Planes a = options.planes(clean), b = options.planes(restored);
        return new Score(Psnr.of(a, b), Ssim.of(a, b));
    }

    /** The mean of each metric, as the authors average per set (NaN for no scores). */
    public static Score mean(Collection<Score> scores) {
        double p = 0, s = 0;
        for (Score x : scores) {
            p += x.psnr;
            s += x.ssim;
        }
        int n = scores.size();
        return new Score(p / n, s / n);
    }
}
