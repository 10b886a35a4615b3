package org.vlunet.checkpoint;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Sorts state-dict keys of any supported source into the three parts, renamed to their reference names:
 * <ul>
 * <li>backbone: VLUNet keys ({@code patch_embed.…}), from {@code net.…} in Lightning checkpoints or bare;</li>
 * <li>CLIP: open_clip keys ({@code visual.…}, {@code transformer.…}, ...), from
 * {@code model_degradation.ad_imageEncoder.clip_model.…} (or the identical {@code ad_textEncoder} copy),
 * {@code clip.…} in our format, or bare;</li>
 * <li>adapter: {@code ad_imageEncoder.adapter.…} and {@code ad_textEncoder.adapter.…}, with or without
 * {@code model_degradation.}.</li>
 * </ul>
 * A leading {@code module.} (DataParallel) is dropped. Keys that fit none are returned as ignored.
 */
public final class PartMapping {
    private PartMapping() {}

    static final String LIGHTNING_NET = "net.";
    static final String LIGHTNING_ENCODER = "model_degradation.";
    static final String IMAGE_CLIP = "ad_imageEncoder.clip_model.";
    static final String TEXT_CLIP = "ad_textEncoder.clip_model.";
    /** Prefix of CLIP keys in our format. */
    public static final String CLIP = "clip.";

    private static final Pattern BACKBONE = Pattern.compile(
            "(patch_embed(_i)?|encoder_level[1-3]|latent|decoder_level[1-3]|refinement|output|(down|up)\\d_\\d(_i)?"
                    + "|reduce_chan_level\\d(_img)?)\\..*");
    private static final Pattern OPEN_CLIP = Pattern.compile(
            "(visual\\.|transformer\\.|token_embedding\\.|ln_final\\.).*|positional_embedding|text_projection|logit_scale");

    /** The parts of one state dict; {@code clipCopy} holds the text encoder's copy of CLIP where one was found. */
    public record Split<T>(LinkedHashMap<String, T> backbone, LinkedHashMap<String, T> clip, LinkedHashMap<String, T> clipCopy,
                           LinkedHashMap<String, T> adapter, List<String> ignored) {}

    public static <T> Split<T> split(Map<String, T> dict) {
        Split<T> s = new Split<>(new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>(), new ArrayList<>());
        for (Map.Entry<String, T> e : dict.entrySet()) {
            String k = e.getKey();
            while (k.startsWith("module.")) k = k.substring(7);
            T v = e.getValue();
            if (k.startsWith(LIGHTNING_NET) && BACKBONE.matcher(k.substring(LIGHTNING_NET.length())).matches()) {
                s.backbone().put(k.substring(LIGHTNING_NET.length()), v);
                continue;
            }
            String r = k.startsWith(LIGHTNING_ENCODER) ? k.substring(LIGHTNING_ENCODER.length()) : k;
            if (r.startsWith(IMAGE_CLIP)) s.clip().put(r.substring(IMAGE_CLIP.length()), v);
            else if (r.startsWith(TEXT_CLIP)) s.clipCopy().put(r.substring(TEXT_CLIP.length()), v);
            else if (r.startsWith(ReferenceLayout.IMAGE_ADAPTER) || r.startsWith(ReferenceLayout.TEXT_ADAPTER)) s.adapter().put(r, v);
            else if (k.startsWith(CLIP) && OPEN_CLIP.matcher(k.substring(CLIP.length())).matches()) s.clip().put(k.substring(CLIP.length()), v);
            else if (OPEN_CLIP.matcher(k).matches()) s.clip().put(k, v);
            else if (BACKBONE.matcher(k).matches()) s.backbone().put(k, v);
            else s.ignored().add(e.getKey());
        }
        return s;
    }
}
