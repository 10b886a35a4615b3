package org.vlunet.clip;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vlunet.Fixtures;
import org.vlunet.TestDevice;
import org.vlunet.config.ClipConfig;
import org.vlunet.config.VluNetConfig;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.Safetensors;
import org.vlunet.weights.StateDict;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tiny open_clip + DA adapter of the fixtures against the authors' float64 outputs and gradients (on {@link TestDevice}). */
class ClipParityTest {
    static NDManager manager;
    static DegradationEncoder encoder;
    static Map<String, HostTensor> io;

    @BeforeAll
    static void load() throws Exception {
        manager = NDManager.newBaseManager(TestDevice.get());
        ClipConfig cfg = configOfFixture();
        encoder = DegradationEncoder.create(cfg, manager);
        encoder.loadClip(Fixtures.readAll("clip_tiny_clip.safetensors"), "clip_tiny_clip");
        encoder.loadAdapter(Fixtures.readAll("clip_tiny_adapter.safetensors"), "clip_tiny_adapter");
        io = Fixtures.readAll("clip_tiny_io.safetensors");
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /** The fixture's open_clip config (snake_case) in this project's terms; it is the vlunet-tiny preset's. */
    static ClipConfig configOfFixture() throws Exception {
        JsonNode c;
        try (Safetensors st = Fixtures.open("clip_tiny_clip.safetensors")) {
            c = VluNetConfig.JSON.readTree(st.metadata().get("config"));
        }
        JsonNode v = c.get("vision_cfg"), t = c.get("text_cfg");
        ClipConfig cfg = new ClipConfig(c.get("embed_dim").asInt(),
                new ClipConfig.Vision(v.get("image_size").asInt(), v.get("layers").asInt(), v.get("width").asInt(),
                        v.get("patch_size").asInt(), v.get("head_width").asInt()),
                new ClipConfig.Text(t.get("context_length").asInt(), t.get("vocab_size").asInt(), t.get("width").asInt(),
                        t.get("heads").asInt(), t.get("layers").asInt()));
        assertEquals(cfg, VluNetConfig.load("vlunet-tiny").clip());
        return cfg;
    }

    static double relL2(NDArray got, HostTensor want) {
        float[] g = got.toFloatArray();
        double[] w = want.toDoubles();
        assertEquals(w.length, g.length, "value count");
        double d = 0, n = 0;
        for (int i = 0; i < g.length; i++) {
            d += (g[i] - w[i]) * (g[i] - w[i]);
            n += w[i] * w[i];
        }
        return Math.sqrt(d / n);
    }

    static void close(String what, NDArray got, HostTensor want, double tol) {
        assertEquals(want.djlShape(), got.getShape(), what + " shape");
        double e = relL2(got, want);
        System.out.printf("ClipParityTest %s rel-L2 %.3g%n", what, e);
        assertTrue(e <= tol, what + " rel-L2 " + e + " > " + tol);
    }

    @Test
    void fixturePromptsAreTheTokenisedPromptOrder() {
        try (NDManager m = manager.newSubManager()) {
            java.util.List<String> prompts = org.vlunet.data.Degradation.clipPromptOrder().stream().map(d -> d.prompt).toList();
            org.junit.jupiter.api.Assertions.assertArrayEquals(io.get("texts").toLongs(), ClipTokenizer.shared().tokenize(m, prompts).toLongArray());
        }
    }

    @Test
    void geluIsTheExactErfForm() {
        try (NDManager m = manager.newSubManager()) {
            float[] g = Activation.gelu(m.create(new float[] {1f, -0.5f, 2f})).toFloatArray();
            // x·Φ(x): 0.8413447460685429, -0.15426876936299344, 1.9544997361036416 (tanh form: 0.841192, -0.154286, 1.954598)
            assertEquals(0.8413447460685429, g[0], 5e-7);
            assertEquals(-0.15426876936299344, g[1], 5e-7);
            assertEquals(1.9544997361036416, g[2], 5e-7);
        }
    }

    @Test
    void towersAdapterAndLogitsMatch() {
        try (NDManager m = manager.newSubManager()) {
            NDArray images = io.get("images").toNDArray(m);
            NDArray texts = io.get("texts").toNDArray(m);
            NDArray ei = encoder.clip().encodeImage(images);
            NDArray et = encoder.clip().encodeText(texts);
            close("encode_image", ei, io.get("encode_image"), 1e-5);
            close("encode_text", et, io.get("encode_text"), 1e-5);
            close("image_features", encoder.adapter().imageFeatures(ei), io.get("image_features"), 1e-5);
            close("text_features", encoder.adapter().textFeatures(et), io.get("text_features"), 1e-5);
            close("features", encoder.features(images), io.get("image_features"), 1e-5);
            NDArray logits = encoder.promptMatch(images, texts);
            close("logits", logits, io.get("logits"), 1e-5);
            double loss = PromptLoss.crossEntropy(logits, io.get("labels").toNDArray(m)).getFloat();
            double want = io.get("loss").toDoubles()[0];
            System.out.printf("ClipParityTest loss %.9f vs %.9f (diff %.3g)%n", loss, want, Math.abs(loss - want));
            // Relative: the logits are ~30, so float32 features (rel. 5e-7) put ~2e-5 of absolute error on a loss of ~10.
            assertTrue(Math.abs(loss - want) <= 1e-5 * Math.abs(want), "loss " + loss + " vs " + want);
        }
    }

    @Test
    void adapterGradientsMatchWithClipFrozen() {
        try (NDManager m = manager.newSubManager()) {
            NDArray images = io.get("images").toNDArray(m);
            NDArray texts = io.get("texts").toNDArray(m);
            Map<String, Parameter> params = StateDict.parameters(encoder.adapter());
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = PromptLoss.crossEntropy(encoder.promptMatch(images, texts), io.get("labels").toNDArray(m));
                gc.backward(loss);
            }
            int checked = 0;
            for (Map.Entry<String, HostTensor> e : io.entrySet()) {
                if (!e.getKey().startsWith("grad.")) continue;
                String key = e.getKey().substring(5);
                NDArray g = params.get(key).getArray().getGradient();
                double[] w = e.getValue().toDoubles();
                float[] v = g.toFloatArray();
                double d = 0, n = 0;
                for (int i = 0; i < w.length; i++) {
                    d += (v[i] - w[i]) * (v[i] - w[i]);
                    n += w[i] * w[i];
                }
                d = Math.sqrt(d);
                n = Math.sqrt(n);
                System.out.printf("ClipParityTest grad %s |g-g_ref| %.3g |g_ref| %.3g (rel %.3g)%n", key, d, n, d / n);
                assertTrue(d <= 1e-4 * n + 1e-9, key + ": |g - g_ref| " + d + " > 1e-4 * " + n + " + 1e-9");
                checked++;
            }
            assertEquals(9, checked);
            // The text adapter's last bias gets (almost) no gradient under the softmax: the fixture leaves it out.
            float[] zero = params.get("ad_textEncoder.adapter.7.bias").getArray().getGradient().toFloatArray();
            double z = 0;
            for (float f : zero) z = Math.max(z, Math.abs(f));
            assertTrue(z < 1e-5, "ad_textEncoder.adapter.7.bias gradient should vanish, max |g| " + z);
            // CLIP is frozen: none of its parameters collects a gradient.
            for (Parameter p : StateDict.parameters(encoder.clip()).values()) assertFalse(p.requiresGradient(), p.getName());
            for (Parameter p : params.values()) {
                NDArray g = p.getArray().getGradient();
                g.subi(g);
            }
        }
    }
}
