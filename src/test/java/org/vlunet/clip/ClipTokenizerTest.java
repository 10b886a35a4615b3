package org.vlunet.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.vlunet.config.VluNetConfig;
import org.vlunet.data.Degradation;

import java.io.InputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** open_clip.tokenize's ids on every case of clip/tokenizer_cases.json. */
class ClipTokenizerTest {

    static long[] longs(JsonNode a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asLong();
        return out;
    }

    @Test
    void everyCaseGivesOpenClipsIds() throws Exception {
        JsonNode cases;
        try (InputStream in = getClass().getResourceAsStream("/clip/tokenizer_cases.json")) {
            cases = VluNetConfig.JSON.readTree(in);
        }
        assertEquals(77, cases.get("context_length").asInt());
        ClipTokenizer tok = ClipTokenizer.shared();
        int n = 0;
        for (JsonNode c : cases.get("cases")) {
            String text = c.get("text").asText();
            assertArrayEquals(longs(c.get("ids_no_special")), tok.ids(text), "ids of '" + text + "'");
            assertArrayEquals(longs(c.get("ids_padded")), tok.encode(text), "padded ids of '" + text + "'");
            n++;
        }
        assertTrue(n >= 14, "expected the 14 cases, got " + n);
        if (System.getenv("RUST_FLAVOR") == null) assertEquals("cpu", System.getProperty("RUST_FLAVOR"));
    }

    @Test
    void promptBatchKeepsTheEndTokenAsLargestId() {
        List<String> prompts = Degradation.clipPromptOrder().stream().map(d -> d.prompt).toList();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray t = ClipTokenizer.shared().tokenize(m, prompts);
            assertEquals(new ai.djl.ndarray.types.Shape(7, 77), t.getShape());
            long[] ids = t.toLongArray();
            for (int i = 0; i < 7; i++) {
                assertEquals(ClipTokenizer.START, ids[i * 77]);
                long max = 0;
                for (int j = 0; j < 77; j++) max = Math.max(max, ids[i * 77 + j]);
                assertEquals(ClipTokenizer.END, max);
            }
        }
    }
}
