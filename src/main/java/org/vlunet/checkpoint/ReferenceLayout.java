package org.vlunet.checkpoint;

import org.vlunet.config.ClipConfig;
import org.vlunet.config.ModelConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every key and shape of the authors' state dicts for a configuration, in their order:
 * the VLUNet backbone, the open_clip model and the DA adapters. Lets a checkpoint be checked against a
 * configuration, and its parts counted, without building the networks.
 */
public final class ReferenceLayout {
    private ReferenceLayout() {}

    public static final String IMAGE_ADAPTER = "ad_imageEncoder.adapter.";
    public static final String TEXT_ADAPTER = "ad_textEncoder.adapter.";

    /** The four levels' names with their stage, width multiple and config level index. */
    private record Level(String name, int stage, int widthMul, int cfg) {}

    public static LinkedHashMap<String, long[]> backbone(ModelConfig m) {
        LinkedHashMap<String, long[]> s = new LinkedHashMap<>();
        long c = m.dim();
        s.put("patch_embed.proj.weight", shape(c, 3, 3, 3));
        s.put("patch_embed_i.proj.weight", shape(c, 3, 3, 3));
        dun(s, m, "encoder_level1", 1, c, m.numBlocks()[0], m.heads()[0]);
        resample(s, "down1_2", c / 2, c, 3);
        dun(s, m, "encoder_level2", 2, 2 * c, m.numBlocks()[1], m.heads()[1]);
        resample(s, "down2_3", c, 2 * c, 3);
        dun(s, m, "encoder_level3", 3, 4 * c, m.numBlocks()[2], m.heads()[2]);
        resample(s, "down3_4", 2 * c, 4 * c, 3);
        dun(s, m, "latent", 4, 8 * c, m.numBlocks()[3], m.heads()[3]);
        resample(s, "up4_3", 16 * c, 8 * c, 3);
        s.put("reduce_chan_level3.weight", shape(4 * c, 8 * c, 1, 1));
        s.put("reduce_chan_level3_img.weight", shape(4 * c, 8 * c, 1, 1));
        dun(s, m, "decoder_level3", 3, 4 * c, m.numBlocks()[2], m.heads()[2]);
        resample(s, "up3_2", 8 * c, 4 * c, 3);
        s.put("reduce_chan_level2.weight", shape(2 * c, 4 * c, 1, 1));
        s.put("reduce_chan_level2_img.weight", shape(2 * c, 4 * c, 1, 1));
        dun(s, m, "decoder_level2", 2, 2 * c, m.numBlocks()[1], m.heads()[1]);
        resample(s, "up2_1", 4 * c, 2 * c, 3);
        dun(s, m, "decoder_level1", 1, 2 * c, m.numBlocks()[0], m.heads()[0]);
        dun(s, m, "refinement", 1, 2 * c, m.numRefinementBlocks(), m.heads()[0]);
        s.put("output.weight", shape(3, 2 * c, 3, 3));
        return s;
    }

    private static void resample(Map<String, long[]> s, String name, long out, long in, long k) {
        s.put(name + ".body.0.weight", shape(out, in, k, k));
        s.put(name + "_i.body.0.weight", shape(out, in, k, k));
    }

    /** DUN_BaseBlock: the GDM (key gradient_descent) and n transformer blocks (denoiser.blocks.i). */
    private static void dun(Map<String, long[]> s, ModelConfig m, String p, int stage, long w, int n, int heads) {
        long pd = (w / 10) * stage;
        long ps = m.promptSize() / stage;
        String g = p + ".gradient_descent.";
        s.put(g + "r", shape(1));
        s.put(g + "prompt_param", shape(1, m.deDim(), pd, ps, ps));
        s.put(g + "phi.temperature", shape(2, 1, 1));
        s.put(g + "phi.qv.weight", shape(2 * w, w, 1, 1));
        s.put(g + "phi.qv_dwconv.weight", shape(2 * w, 1, 3, 3));
        s.put(g + "phi.k.weight", shape(w, pd, 1, 1));
        s.put(g + "phi.k_dwconv.weight", shape(w, 1, 3, 3));
        s.put(g + "phi.project_out.weight", shape(w, w, 1, 1));
        s.put(g + "phit.temperature", shape(2, 1, 1));
        s.put(g + "phit.qkv.weight", shape(3 * w, w, 1, 1));
        s.put(g + "phit.qkv_dwconv.weight", shape(3 * w, 1, 3, 3));
        s.put(g + "phit.project_out.weight", shape(w, w, 1, 1));
        s.put(g + "linear.weight", shape(m.deDim(), m.degradationDim()));
        s.put(g + "linear.bias", shape(m.deDim()));
        long hidden = (long) (w * m.ffnExpansionFactor());
        for (int i = 0; i < n; i++) {
            String b = p + ".denoiser.blocks." + i + ".";
            s.put(b + "norm1.body.weight", shape(w));
            s.put(b + "norm1.body.bias", shape(w));
            s.put(b + "attn.temperature", shape(heads, 1, 1));
            s.put(b + "attn.qkv.weight", shape(3 * w, w, 1, 1));
            s.put(b + "attn.qkv_dwconv.weight", shape(3 * w, 1, 3, 3));
            s.put(b + "attn.project_out.weight", shape(w, w, 1, 1));
            s.put(b + "norm2.body.weight", shape(w));
            s.put(b + "norm2.body.bias", shape(w));
            s.put(b + "ffn.project_in.weight", shape(2 * hidden, w, 1, 1));
            s.put(b + "ffn.dwconv.weight", shape(2 * hidden, 1, 3, 3));
            s.put(b + "ffn.project_out.weight", shape(w, hidden, 1, 1));
        }
    }

    /** open_clip CLIP (vision tower under visual., text tower at the top level). */
    public static LinkedHashMap<String, long[]> clip(ClipConfig c) {
        LinkedHashMap<String, long[]> s = new LinkedHashMap<>();
        long e = c.embedDim(), vw = c.vision().width(), tw = c.text().width();
        long grid = c.vision().gridSize();
        s.put("positional_embedding", shape(c.text().contextLength(), tw));
        s.put("text_projection", shape(tw, e));
        s.put("logit_scale", shape());
        s.put("visual.class_embedding", shape(vw));
        s.put("visual.positional_embedding", shape(grid * grid + 1, vw));
        s.put("visual.proj", shape(vw, e));
        s.put("visual.conv1.weight", shape(vw, 3, c.vision().patchSize(), c.vision().patchSize()));
        s.put("visual.ln_pre.weight", shape(vw));
        s.put("visual.ln_pre.bias", shape(vw));
        resblocks(s, "visual.transformer.resblocks.", c.vision().layers(), vw);
        s.put("visual.ln_post.weight", shape(vw));
        s.put("visual.ln_post.bias", shape(vw));
        resblocks(s, "transformer.resblocks.", c.text().layers(), tw);
        s.put("token_embedding.weight", shape(c.text().vocabSize(), tw));
        s.put("ln_final.weight", shape(tw));
        s.put("ln_final.bias", shape(tw));
        return s;
    }

    private static void resblocks(Map<String, long[]> s, String p, int layers, long w) {
        for (int i = 0; i < layers; i++) {
            String b = p + i + ".";
            s.put(b + "ln_1.weight", shape(w));
            s.put(b + "ln_1.bias", shape(w));
            s.put(b + "attn.in_proj_weight", shape(3 * w, w));
            s.put(b + "attn.in_proj_bias", shape(3 * w));
            s.put(b + "attn.out_proj.weight", shape(w, w));
            s.put(b + "attn.out_proj.bias", shape(w));
            s.put(b + "ln_2.weight", shape(w));
            s.put(b + "ln_2.bias", shape(w));
            s.put(b + "mlp.c_fc.weight", shape(4 * w, w));
            s.put(b + "mlp.c_fc.bias", shape(4 * w));
            s.put(b + "mlp.c_proj.weight", shape(w, 4 * w));
            s.put(b + "mlp.c_proj.bias", shape(w));
        }
    }

    /** DA_adapter: Linear, LayerNorm, GELU ×3 without the last GELU (indices 0..7); image and/or text. */
    public static LinkedHashMap<String, long[]> adapter(long embedDim, boolean image, boolean text) {
        LinkedHashMap<String, long[]> s = new LinkedHashMap<>();
        for (String p : new String[] {image ? IMAGE_ADAPTER : null, text ? TEXT_ADAPTER : null}) {
            if (p == null) continue;
            for (int i : new int[] {0, 3, 6}) {
                s.put(p + i + ".weight", shape(embedDim, embedDim));
                s.put(p + i + ".bias", shape(embedDim));
                s.put(p + (i + 1) + ".weight", shape(embedDim));
                s.put(p + (i + 1) + ".bias", shape(embedDim));
            }
        }
        return s;
    }

    /** Number of values of every key. */
    public static long count(Map<String, long[]> shapes) {
        long n = 0;
        for (long[] s : shapes.values()) n += numel(s);
        return n;
    }

    static long numel(long[] s) {
        long n = 1;
        for (long d : s) n *= d;
        return n;
    }

    private static long[] shape(long... d) {
        return d;
    }
}
