package org.vlunet.train;

import ai.djl.ndarray.NDManager;
import org.vlunet.VluNetModel;
import org.vlunet.data.ImagePair;
import org.vlunet.data.RgbImage;
import org.vlunet.data.TestSet;
import org.vlunet.eval.Planes;
import org.vlunet.eval.Psnr;
import org.vlunet.eval.Ssim;
import org.vlunet.infer.ImageModel;
import org.vlunet.infer.TiledRestorer;
import org.vlunet.util.NonFiniteException;

import java.util.ArrayList;
import java.util.List;

/**
 * Validation during training, scored as the test command scores: each pair centre-cropped to a multiple of 16,
 * the CLIP feature of the whole degraded image, the image restored whole (reflect-padded to the network's
 * multiple) and clamped, PSNR and SSIM on RGB in [0, 1] (scikit-image's definitions), averaged per set.
 */
public final class Validation implements TrainLoop.Validator {

    private final List<TestSet> sets;
    private final int limit;
    private final VluNetModel model;
    private final NDManager manager;
    private final java.util.function.BooleanSupplier stop;

    /**
     * @param limit images per set (0: all)
     * @param stop  polled between images: once true, the sets scored so far are returned (a stop request must not
     *              wait for a whole validation)
     */
    public Validation(List<TestSet> sets, int limit, VluNetModel model, NDManager manager, java.util.function.BooleanSupplier stop) {
        this.sets = sets;
        this.limit = limit;
        this.model = model;
        this.manager = manager;
        this.stop = stop;
    }

    @Override
    public List<TrainLoop.SetScore> validate() {
        boolean was = Gradients.recording();
        Gradients.record(false);
        try {
            List<TrainLoop.SetScore> out = new ArrayList<>();
            for (TestSet set : sets) {
                int n = limit > 0 ? Math.min(limit, set.size()) : set.size();
                double psnr = 0, ssim = 0;
                int tried = 0, done = 0, failed = 0;
                String firstError = null;
                for (int i = 0; i < n && !stop.getAsBoolean(); i++, tried++) {
                    ImagePair p = set.load(i);
                    RgbImage restored;
                    try {
                        restored = restore(p.degraded());
                    } catch (NonFiniteException e) { // this image fails, the others are still scored
                        failed++;
                        if (firstError == null) firstError = "image " + i + ": " + e.getMessage();
                        continue;
                    }
                    Planes clean = Planes.rgb(p.clean()), got = Planes.rgb(restored.clamped());
                    psnr += Psnr.of(clean, got);
                    ssim += Ssim.of(clean, got);
                    done++;
                }
                if (tried == 0) break;
                out.add(new TrainLoop.SetScore(set.name() + " " + set.type(), done == 0 ? Double.NaN : psnr / done,
                        done == 0 ? Double.NaN : ssim / done, done, failed, firstError));
            }
            return out;
        } finally {
            Gradients.record(was);
        }
    }

    private RgbImage restore(RgbImage degraded) {
        try (NDManager sub = manager.newSubManager()) {
            ImageModel.Conditioned c = model.condition(degraded, sub);
            return new TiledRestorer(c.network(), sub, TiledRestorer.Options.defaults().withMaxPixels(0)).restore(degraded);
        }
    }
}
