package org.vlunet.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.vlunet.Fixtures;
import org.vlunet.config.ClipConfig;
import org.vlunet.config.ConfigException;
import org.vlunet.config.ModelConfig;
import org.vlunet.config.VluNetConfig;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.Safetensors;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The generated layouts against reference_shapes.json and the tiny fixtures, and inference back from them. */
class ReferenceLayoutTest {

    private static JsonNode reference() throws IOException {
        return new ObjectMapper().readTree(Files.readString(Fixtures.path("reference_shapes.json")));
    }

    private static LinkedHashMap<String, long[]> shapes(JsonNode n) {
        LinkedHashMap<String, long[]> out = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> {
            long[] s = new long[e.getValue().size()];
            for (int i = 0; i < s.length; i++) s[i] = e.getValue().get(i).asLong();
            out.put(e.getKey(), s);
        });
        return out;
    }

    private static Map<String, long[]> fileShapes(String fixture) {
        Map<String, long[]> out = new LinkedHashMap<>();
        try (Safetensors f = Fixtures.open(fixture)) {
            f.entries().forEach((k, e) -> out.put(k, e.shape()));
        }
        return out;
    }

    private static void assertSameLayout(Map<String, long[]> expected, Map<String, long[]> actual, boolean ordered) {
        if (ordered) assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(actual.keySet()));
        else assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((k, v) -> assertArrayEquals(v, actual.get(k), k));
    }

    @Test
    void fullSizeLayoutsMatchTheReferenceShapes() throws IOException {
        JsonNode ref = reference();
        for (int de : new int[] {7, 5}) {
            JsonNode r = ref.get("vlunet_de_dim_" + de);
            LinkedHashMap<String, long[]> mine = ReferenceLayout.backbone(ModelConfig.paper(de));
            assertSameLayout(shapes(r.get("shapes")), mine, true);
            assertEquals(r.get("params").asLong(), ReferenceLayout.count(mine));
            assertEquals(ModelConfig.paper(de), ArchitectureInference.model(mine));
        }
        JsonNode clip = ref.get("open_clip_ViT-B-32");
        LinkedHashMap<String, long[]> mine = ReferenceLayout.clip(ClipConfig.vitB32());
        assertSameLayout(shapes(clip.get("shapes")), mine, true);
        assertEquals(clip.get("params").asLong(), ReferenceLayout.count(mine));
        assertEquals(ClipConfig.vitB32(), ArchitectureInference.clip(mine, null), "head width 64 is open_clip's default");
        assertSameLayout(shapes(ref.get("da_adapter_learnable").get("shapes")), ReferenceLayout.adapter(512, true, true), true);
    }

    @Test
    void tinyLayoutsMatchTheFixturesAndInferenceFindsTheirConfig() {
        VluNetConfig tiny = VluNetConfig.load(Fixtures.path("e2e_tiny/config.json").toString());
        Map<String, long[]> net = fileShapes("vlunet_tiny_weights.safetensors");
        assertSameLayout(ReferenceLayout.backbone(tiny.model()), net, false);
        assertEquals(tiny.model(), ArchitectureInference.model(net));
        Map<String, long[]> clip = fileShapes("clip_tiny_clip.safetensors");
        assertSameLayout(ReferenceLayout.clip(tiny.clip()), clip, false);
        assertEquals(tiny.clip(), ArchitectureInference.clip(clip, tiny.clip()));
        ClipConfig guessed = ArchitectureInference.clip(clip, null);
        assertEquals(64, guessed.vision().headWidth(), "heads are invisible in shapes: open_clip's default is assumed");
        assertEquals(tiny.clip().vision().width(), guessed.vision().width());
        assertEquals(1, guessed.text().heads(), "width 32 is below one 64-wide head");
        assertEquals(new ClipConfig.Text(77, 49408, 32, 2, 2), tiny.clip().text());
        assertEquals(tiny.clip().text().layers(), guessed.text().layers());
        assertSameLayout(ReferenceLayout.adapter(512, true, true), fileShapes("clip_tiny_adapter.safetensors"), false);
    }

    @Test
    void otherFeedForwardFactorsAndInconsistentShapes() {
        ModelConfig two = new ModelConfig(16, new int[] {2, 1, 3, 1}, 2, new int[] {1, 2, 2, 4}, 2.0, 3, 32, 64);
        assertEquals(two, ArchitectureInference.model(ReferenceLayout.backbone(two)));
        ModelConfig odd = new ModelConfig(20, new int[] {1, 1, 1, 1}, 1, new int[] {1, 2, 4, 8}, 1.7, 5, 48, 512);
        assertEquals(odd, ArchitectureInference.model(ReferenceLayout.backbone(odd)));
        LinkedHashMap<String, long[]> broken = ReferenceLayout.backbone(ModelConfig.paper(7));
        broken.put("latent.denoiser.blocks.0.ffn.project_out.weight", new long[] {384, 999, 1, 1});
        ConfigException e = assertThrows(ConfigException.class, () -> ArchitectureInference.model(broken));
        assertTrue(e.getMessage().contains("ffnExpansionFactor"), e.getMessage());
        broken.remove("patch_embed.proj.weight");
        e = assertThrows(ConfigException.class, () -> ArchitectureInference.model(broken));
        assertTrue(e.getMessage().contains("patch_embed.proj.weight"), e.getMessage());
    }

    static List<Float> values(HostTensor t) {
        float[] f = t.toFloats();
        List<Float> out = new ArrayList<>();
        for (float v : f) out.add(v);
        return out;
    }

    static void assertSameValues(Map<String, HostTensor> expected, Map<String, HostTensor> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (var e : expected.entrySet()) {
            HostTensor a = actual.get(e.getKey());
            assertArrayEquals(e.getValue().shape(), a.shape(), e.getKey());
            assertTrue(Arrays.equals(e.getValue().toFloats(), a.toFloats()), e.getKey() + " values differ");
        }
    }
}
