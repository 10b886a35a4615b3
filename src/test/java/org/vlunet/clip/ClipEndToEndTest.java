package org.vlunet.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.vlunet.Fixtures;
import org.vlunet.checkpoint.Checkpoint;
import org.vlunet.checkpoint.CheckpointReader;
import org.vlunet.config.VluNetConfig;
import org.vlunet.data.ImageCodec;
import org.vlunet.data.RgbImage;
import org.vlunet.weights.HostTensor;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The authors' tiny checkpoints: input.png → CLIP preprocessing → CLIP → DA adapter, as their code computed it. */
class ClipEndToEndTest {

    @Test
    void featuresOfTheAuthorsCheckpoints() {
        Map<String, HostTensor> expected = Fixtures.readAll("e2e_tiny/expected.safetensors");
        VluNetConfig cfg = VluNetConfig.load(Fixtures.path("e2e_tiny/config.json").toString());
        RgbImage input = ImageCodec.read(Fixtures.path("e2e_tiny/input.png"));

        float[] clipInput = ClipPreprocessor.preprocess(input);
        float[] want = expected.get("clip_input").toFloats();
        double max = 0;
        for (int i = 0; i < want.length; i++) max = Math.max(max, Math.abs(clipInput[i] - want[i]));
        System.out.printf("ClipEndToEndTest clip_input max abs %.3g%n", max);
        assertTrue(max <= 1e-4, "clip input max abs " + max);

        Checkpoint model = CheckpointReader.read(Fixtures.path("e2e_tiny/model.ckpt")).resolve(cfg);
        Checkpoint tuned = CheckpointReader.read(Fixtures.path("e2e_tiny/clip_tuned.pth"));
        System.out.println("ClipEndToEndTest model.ckpt parts " + model.parts() + ", clip_tuned.pth parts " + tuned.parts());
        assertTrue(model.hasClip());
        try (NDManager m = NDManager.newBaseManager()) {
            double[] wantF = expected.get("features").toDoubles();
            for (Checkpoint adapterSource : List.of(model, tuned)) {
                if (!adapterSource.hasImageAdapter()) continue;
                DegradationEncoder e = DegradationEncoder.create(cfg.clip(), m);
                e.loadClip(model.clip(), "model.ckpt CLIP");
                // Only the image adapter takes part in the features; load what the file has, non-strictly.
                org.vlunet.weights.StateDict.load(e.adapter(), adapterSource.adapter(), false, adapterSource.kind());
                try (NDManager s = m.newSubManager()) {
                    NDArray x = ClipPreprocessor.batch(s, List.of(input));
                    float[] f = e.features(x).toFloatArray();
                    assertEquals(wantF.length, f.length);
                    double d = 0, n = 0;
                    for (int i = 0; i < f.length; i++) {
                        d += (f[i] - wantF[i]) * (f[i] - wantF[i]);
                        n += wantF[i] * wantF[i];
                    }
                    double rel = Math.sqrt(d / n);
                    System.out.printf("ClipEndToEndTest features with the adapter of %s: rel-L2 %.3g%n", adapterSource.kind(), rel);
                    assertTrue(rel <= 1e-5, "features rel-L2 " + rel);
                }
            }
        }
    }
}
