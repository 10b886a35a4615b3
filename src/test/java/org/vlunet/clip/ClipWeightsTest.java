package org.vlunet.clip;

import org.vlunet.model.Dense;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlunet.Fixtures;
import org.vlunet.checkpoint.CheckpointReader;
import org.vlunet.checkpoint.ModelWriter;
import org.vlunet.config.VluNetConfig;
import org.vlunet.train.AdamW;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.Safetensors;
import org.vlunet.weights.StateDict;
import org.vlunet.weights.WeightsException;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading and saving the encoder's weights, the authors' checkpoint layout, memory hygiene, and Adam (AdamW without decay). */
class ClipWeightsTest {
    /** torch.optim.Adam's defaults, with which the authors fine-tune the adapter. */
    static final AdamW.Settings ADAM = new AdamW.Settings(0.9, 0.999, 1e-8, 0);

    @Test
    void saveLoadRoundTripAndLightningLayout(@TempDir Path tmp) throws Exception {
        Map<String, HostTensor> clipFile = Fixtures.readAll("clip_tiny_clip.safetensors");
        Map<String, HostTensor> adapterFile = Fixtures.readAll("clip_tiny_adapter.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            var cfg = VluNetConfig.load("vlunet-tiny").clip();
            DegradationEncoder a = DegradationEncoder.create(cfg, m);
            a.loadClip(clipFile, "fixture CLIP");
            a.loadAdapter(adapterFile, "fixture adapter");
            // F16 token embedding widened exactly.
            float[] want = clipFile.get("token_embedding.weight").toFloats();
            float[] got = StateDict.parameters(a.clip()).get("token_embedding.weight").getArray().toFloatArray();
            assertArrayEquals(want, got);

            Path clipOut = tmp.resolve("clip.safetensors"), adOut = tmp.resolve("adapter.safetensors");
            ModelWriter.openClip(clipOut, StateDict.save(a.clip()), cfg, Map.of("note", "test"));
            ModelWriter.adapters(adOut, StateDict.save(a.adapter()), null);
            assertEquals(cfg, CheckpointReader.read(clipOut).clipConfig());
            Map<String, HostTensor> saved = Safetensors.readAll(clipOut);
            assertEquals(clipFile.keySet(), saved.keySet());
            assertEquals(HostTensor.DType.F32, saved.get("token_embedding.weight").dtype());
            assertEquals(0, saved.get("logit_scale").shape().length);

            DegradationEncoder b = DegradationEncoder.create(cfg, m);
            b.loadClip(Safetensors.readAll(clipOut), "CLIP weights " + clipOut);
            b.loadAdapter(Safetensors.readAll(adOut), "DA adapter " + adOut);
            // The authors' model_degradation layout: CLIP twice, under both encoders, plus the adapters.
            Map<String, HostTensor> lightning = new LinkedHashMap<>();
            lightning.putAll(StateDict.prefix(clipFile, "ad_imageEncoder.clip_model."));
            lightning.putAll(StateDict.prefix(clipFile, "ad_textEncoder.clip_model."));
            lightning.putAll(adapterFile);
            DegradationEncoder c = DegradationEncoder.create(cfg, m);
            c.loadModelDegradation(lightning, "lightning layout");

            Map<String, HostTensor> io = Fixtures.readAll("clip_tiny_io.safetensors");
            try (NDManager s = m.newSubManager()) {
                NDArray images = io.get("images").toNDArray(s), texts = io.get("texts").toNDArray(s);
                float[] ref = a.promptMatch(images, texts).toFloatArray();
                assertArrayEquals(ref, b.promptMatch(images, texts).toFloatArray());
                assertArrayEquals(ref, c.promptMatch(images, texts).toFloatArray());
            }

            // Strict loading names what does not fit.
            Map<String, HostTensor> broken = new LinkedHashMap<>(clipFile);
            broken.remove("ln_final.bias");
            WeightsException e = assertThrows(WeightsException.class, () -> b.loadClip(broken, "broken CLIP"));
            assertTrue(e.getMessage().contains("ln_final.bias"), e.getMessage());
            WeightsException shape = assertThrows(WeightsException.class,
                    () -> DegradationEncoder.create(org.vlunet.config.ClipConfig.vitB32(), m).loadAdapter(
                            Map.of("ad_imageEncoder.adapter.0.weight", HostTensor.ofFloats(new long[] {2}, new float[2])), "bad adapter"));
            assertTrue(shape.getMessage().contains("bad adapter"), shape.getMessage());
        }
    }

    @Test
    void callsLeaveNothingOnTheModelsManager() {
        Map<String, HostTensor> io = Fixtures.readAll("clip_tiny_io.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            DegradationEncoder e = DegradationEncoder.create(VluNetConfig.load("vlunet-tiny").clip(), m);
            AdamW adam = new AdamW(StateDict.parameters(e.adapter()), ADAM, m);
            Runnable call = () -> {
                try (NDManager s = m.newSubManager()) {
                    NDArray images = io.get("images").toNDArray(s), texts = io.get("texts").toNDArray(s);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        gc.backward(e.promptMatch(images, texts).sum());
                    }
                }
                adam.step(1e-5);
                adam.zeroGrad();
            };
            call.run(); // makes the per-device constants
            int before = m.getManagedArrays().size();
            for (int i = 0; i < 3; i++) call.run();
            assertEquals(before, m.getManagedArrays().size());
        }
    }

    @Test
    void adamFollowsTorchsUpdate() {
        try (NDManager m = NDManager.newBaseManager()) {
            Dense d = new Dense(3, 1);
            d.initialize(m);
            Parameter w = StateDict.parameters(d).get("weight");
            float[] w0 = w.getArray().toFloatArray();
            double lr = 0.01;
            AdamW adam = new AdamW(Map.of("weight", w), ADAM, m);
            double[] c = {0.5, -2.0, 1e-3};
            double[] p = new double[3], mm = new double[3], vv = new double[3];
            for (int i = 0; i < 3; i++) p[i] = w0[i];
            for (int t = 1; t <= 3; t++) {
                try (NDManager s = m.newSubManager()) {
                    NDArray coef = s.create(new float[] {(float) (c[0] * t), (float) (c[1] * t), (float) (c[2] * t)}).reshape(1, 3);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        gc.backward(w.getArray().mul(coef).sum());
                    }
                }
                adam.step(lr);
                adam.zeroGrad(); // the trainer's loop zeroes gradients after every step
                for (int i = 0; i < 3; i++) {
                    double g = c[i] * t;
                    mm[i] = 0.9 * mm[i] + 0.1 * g;
                    vv[i] = 0.999 * vv[i] + 0.001 * g * g;
                    double mh = mm[i] / (1 - Math.pow(0.9, t)), vh = vv[i] / (1 - Math.pow(0.999, t));
                    p[i] -= lr * mh / (Math.sqrt(vh) + 1e-8);
                }
            }
            float[] got = w.getArray().toFloatArray();
            for (int i = 0; i < 3; i++) assertEquals(p[i], got[i], 1e-6, "weight " + i);
            assertEquals(3, adam.stepCount("weight"));
            // Gradients are cleared after a step.
            for (float g : w.getArray().getGradient().toFloatArray()) assertEquals(0f, g);
            // State round trip.
            AdamW again = new AdamW(Map.of("weight", w), ADAM, m);
            again.loadState(adam.state(), "state");
            assertArrayEquals(adam.state().get("weight.exp_avg_sq").toFloats(), again.state().get("weight.exp_avg_sq").toFloats());
        }
    }
}
