package org.vlunet.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.vlunet.Fixtures;
import org.vlunet.config.ModelConfig;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The tiny VLUNet of the fixtures, its configuration read from the fixture's own metadata. */
final class TinyNet {
    private TinyNet() {}

    static ModelConfig config() {
        String json = Fixtures.open("vlunet_tiny_weights.safetensors").metadata().get("config");
        try {
            JsonNode n = new ObjectMapper().readTree(json);
            return new ModelConfig(n.get("dim").asInt(), ints(n.get("num_blocks")), n.get("num_refinement_blocks").asInt(),
                    ints(n.get("heads")), n.get("ffn_expansion_factor").asDouble(), n.get("de_dim").asInt(), 96, 512);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int[] ints(JsonNode a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = a.get(i).asInt();
        return v;
    }
}
