package org.vlunet.checkpoint;

import org.vlunet.clip.Clip;
import org.vlunet.clip.DegradationAdapter;
import org.vlunet.config.ClipConfig;
import org.vlunet.config.ModelConfig;
import org.vlunet.model.VluNet;
import org.vlunet.weights.StateDict;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every key and shape of the authors' state dicts for a configuration, in their order: the VLUNet backbone, the
 * open_clip model and the DA adapters. Read off the networks themselves, which fix their parameter shapes when
 * built and allocate nothing until initialised, so a checkpoint can be checked against a configuration, and its
 * parts counted, without memory for the weights.
 */
public final class ReferenceLayout {
    private ReferenceLayout() {}

    public static final String IMAGE_ADAPTER = "ad_imageEncoder.adapter.";
    public static final String TEXT_ADAPTER = "ad_textEncoder.adapter.";

    public static LinkedHashMap<String, long[]> backbone(ModelConfig m) {
        return StateDict.shapes(new VluNet(m));
    }

    /** open_clip CLIP (vision tower under visual., text tower at the top level). */
    public static LinkedHashMap<String, long[]> clip(ClipConfig c) {
        return StateDict.shapes(new Clip(c));
    }

    /** DA_adapter: Linear, LayerNorm, GELU ×3 without the last GELU (indices 0..7); image and/or text. */
    public static LinkedHashMap<String, long[]> adapter(long embedDim, boolean image, boolean text) {
        LinkedHashMap<String, long[]> s = StateDict.shapes(new DegradationAdapter(Math.toIntExact(embedDim)));
        s.keySet().removeIf(k -> !(image && k.startsWith(IMAGE_ADAPTER)) && !(text && k.startsWith(TEXT_ADAPTER)));
        return s;
    }

    /** Number of values of every key. */
    public static long count(Map<String, long[]> shapes) {
        long n = 0;
        for (long[] s : shapes.values()) {
            long k = 1;
            for (long d : s) k *= d;
            n += k;
        }
        return n;
    }
}
