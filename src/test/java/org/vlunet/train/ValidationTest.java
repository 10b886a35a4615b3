package org.vlunet.train;

import ai.djl.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlunet.VluNetModel;
import org.vlunet.config.VluNetConfig;
import org.vlunet.data.Degradation;
import org.vlunet.data.ImageCodec;
import org.vlunet.data.PairFolder;
import org.vlunet.data.RgbImage;
import org.vlunet.data.TestSet;
import org.vlunet.model.VluNet;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.StateDict;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Validation during training on the tiny network: a non-finite output is a failed image, never a score. */
class ValidationTest {

    static RgbImage picture(int w, int h, int seed) {
        float[] p = new float[3 * w * h];
        for (int i = 0; i < p.length; i++) p[i] = (float) (0.5 + 0.4 * Math.sin(0.07 * i + seed));
        return new RgbImage(w, h, p);
    }

    @Test
    void nonFiniteOutputIsCountedAsFailedNotScored(@TempDir Path tmp) {
        for (int i = 0; i < 2; i++) {
            ImageCodec.writePng(picture(32, 32, i), tmp.resolve("Rain/input/" + i + ".png"));
            ImageCodec.writePng(picture(32, 32, i + 7), tmp.resolve("Rain/target/" + i + ".png"));
        }
        List<TestSet> sets = PairFolder.test(tmp.resolve("Rain"), Degradation.of("derain"));
        VluNetConfig cfg = VluNetConfig.load("vlunet-tiny");
        try (VluNetModel model = VluNetModel.create(cfg, Device.cpu())) {
            VluNet net = model.net();
            Validation val = new Validation(sets, 0, model, model.manager(), () -> false);
            TrainLoop.SetScore good = val.validate().get(0);
            assertEquals(2, good.images());
            assertEquals(0, good.failed());
            assertTrue(Double.isFinite(good.psnr()), "a finite network is scored: " + good);

            Map<String, HostTensor> w = StateDict.save(net);
            float[] nan = new float[w.get("output.weight").toFloats().length];
            Arrays.fill(nan, Float.NaN);
            w.put("output.weight", HostTensor.ofFloats(w.get("output.weight").shape(), nan));
            StateDict.load(net, w, true, "NaN weights");
            TrainLoop.SetScore bad = val.validate().get(0);
            assertEquals(0, bad.images());
            assertEquals(2, bad.failed());
            assertTrue(Double.isNaN(bad.psnr()), "no mean over no image: " + bad);
            assertTrue(bad.firstError().contains("NaN"), bad.firstError());
        }
    }
}
