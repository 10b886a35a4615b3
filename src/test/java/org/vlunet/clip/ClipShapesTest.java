package org.vlunet.clip;

import com.fasterxml.jackson.databind.JsonNode;
import ai.djl.nn.Parameter;
import org.junit.jupiter.api.Test;
import org.vlunet.Fixtures;
import org.vlunet.config.ClipConfig;
import org.vlunet.config.VluNetConfig;
import org.vlunet.weights.StateDict;

import java.nio.file.Files;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The full-size encoder has exactly open_clip ViT-B-32's and the DA adapter's keys and shapes. */
class ClipShapesTest {

    static Map<String, long[]> shapes(JsonNode section) {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = section.get("shapes").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            long[] s = new long[e.getValue().size()];
            for (int i = 0; i < s.length; i++) s[i] = e.getValue().get(i).asLong();
            out.put(e.getKey(), s);
        }
        return out;
    }

    static void sameKeysAndShapes(Map<String, long[]> want, Map<String, Parameter> got) {
        assertEquals(new java.util.TreeSet<>(want.keySet()), new java.util.TreeSet<>(got.keySet()));
        for (Map.Entry<String, long[]> e : want.entrySet()) {
            assertEquals(Arrays.toString(e.getValue()), Arrays.toString(got.get(e.getKey()).getShape().getShape()), e.getKey());
        }
    }

    @Test
    void vitB32MatchesOpenClip() throws Exception {
        JsonNode ref = VluNetConfig.JSON.readTree(Files.readAllBytes(Fixtures.path("reference_shapes.json")));
        JsonNode section = ref.get("open_clip_ViT-B-32");
        Clip clip = new Clip(ClipConfig.vitB32()); // shapes are fixed at construction; nothing is allocated
        Map<String, Parameter> params = StateDict.parameters(clip);
        sameKeysAndShapes(shapes(section), params);
        assertEquals(151_277_313L, section.get("params").asLong());
        assertEquals(151_277_313L, StateDict.count(clip));
        // Same order as open_clip's state_dict.
        assertEquals(String.join(",", shapes(section).keySet()), String.join(",", params.keySet()));
        assertEquals(ClipConfig.vitB32(), VluNetConfig.load("vlunet-nhr").clip());
        assertEquals(ClipConfig.vitB32(), VluNetConfig.load("vlunet-nhrbl").clip());
    }

    @Test
    void daAdapterMatchesTheAuthors() throws Exception {
        JsonNode ref = VluNetConfig.JSON.readTree(Files.readAllBytes(Fixtures.path("reference_shapes.json")));
        sameKeysAndShapes(shapes(ref.get("da_adapter_learnable")), StateDict.parameters(new DegradationAdapter(512)));
    }
}
