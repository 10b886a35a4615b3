package org.vlunet.checkpoint;

import org.vlunet.config.ClipConfig;
import org.vlunet.config.ConfigException;
import org.vlunet.config.ModelConfig;
import org.vlunet.weights.HostTensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a configuration off tensor shapes, where they determine it: the backbone's width, block counts, heads
 * (from the temperature shapes), feed-forward factor, prompt size and class count; CLIP's widths, layers, patch
 * size, image size, context length and vocabulary. Attention heads of CLIP are not visible in its shapes: they
 * come from a hint (a configuration) or open_clip's default head width of 64.
 */
public final class ArchitectureInference {
    private ArchitectureInference() {}

    private static final String[] LEVELS = {"encoder_level1", "encoder_level2", "encoder_level3", "latent"};
    /** Factors tried in order; the authors' 2.66 first. The first that reproduces every level's hidden width wins. */
    private static final double[] FFN_FACTORS = {2.66, 2.0, 4.0, 3.0, 2.5, 1.5, 1.0};

    public static Map<String, long[]> shapes(Map<String, HostTensor> tensors) {
        Map<String, long[]> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> out.put(k, v.shape()));
        return out;
    }

    /** The backbone's configuration from its state-dict shapes. */
    public static ModelConfig model(Map<String, long[]> s) {
        long[] embed = need(s, "patch_embed.proj.weight", 4);
        int dim = (int) embed[0];
        long[] linear = need(s, "encoder_level1.gradient_descent.linear.weight", 2);
        long[] prompt = need(s, "encoder_level1.gradient_descent.prompt_param", 5);
        int[] blocks = new int[4], heads = new int[4];
        long[] hidden = new long[4];
        for (int l = 0; l < 4; l++) {
            blocks[l] = count(s, LEVELS[l] + ".denoiser.blocks.");
            if (blocks[l] == 0) throw new ConfigException("cannot infer the architecture: no " + LEVELS[l] + ".denoiser.blocks.* keys");
            heads[l] = (int) need(s, LEVELS[l] + ".denoiser.blocks.0.attn.temperature", 3)[0];
            hidden[l] = need(s, LEVELS[l] + ".denoiser.blocks.0.ffn.project_out.weight", 4)[1];
        }
        int refinement = count(s, "refinement.denoiser.blocks.");
        if (refinement == 0) throw new ConfigException("cannot infer the architecture: no refinement.denoiser.blocks.* keys");
        double ffn = ffnFactor(dim, hidden);
        return new ModelConfig(dim, blocks, refinement, heads, ffn, (int) linear[0], (int) prompt[3], (int) linear[1]);
    }

    private static double ffnFactor(int dim, long[] hidden) {
        for (double f : FFN_FACTORS) if (fits(f, dim, hidden)) return f;
        double guess = Math.round(hidden[0] * 100.0 / dim) / 100.0;
        if (fits(guess, dim, hidden)) return guess;
        throw new ConfigException("cannot infer ffnExpansionFactor: hidden widths " + java.util.Arrays.toString(hidden)
                + " at widths " + dim + ", " + 2 * dim + ", " + 4 * dim + ", " + 8 * dim + " fit none of the usual factors; give --config");
    }

    private static boolean fits(double f, int dim, long[] hidden) {
        for (int l = 0; l < 4; l++) if ((long) ((dim << l) * f) != hidden[l]) return false;
        return true;
    }

    /**
     * CLIP's configuration (open_clip layout) from its shapes. {@code hint} (may be null) supplies what shapes do
     * not show: the vision head width and the text heads; without it open_clip's head width 64 is assumed.
     */
    public static ClipConfig clip(Map<String, long[]> s, ClipConfig hint) {
        long[] proj = need(s, "visual.proj", 2);
        long[] conv = need(s, "visual.conv1.weight", 4);
        long[] vpos = need(s, "visual.positional_embedding", 2);
        long[] tok = need(s, "token_embedding.weight", 2);
        long[] tpos = need(s, "positional_embedding", 2);
        int width = (int) conv[0], patch = (int) conv[2];
        long tokens = vpos[0] - 1;
        int grid = (int) Math.round(Math.sqrt(tokens));
        if ((long) grid * grid != tokens) {
            throw new ConfigException("cannot infer the CLIP image size: visual.positional_embedding has " + vpos[0]
                    + " rows, which is not a square grid plus the class token");
        }
        int vLayers = count(s, "visual.transformer.resblocks.");
        int tLayers = count(s, "transformer.resblocks.");
        if (vLayers == 0 || tLayers == 0) throw new ConfigException("cannot infer the CLIP depth: no transformer.resblocks.* keys");
        int tWidth = (int) tok[1];
        int headWidth = hint != null ? hint.vision().headWidth() : width % 64 == 0 ? 64 : width;
        int tHeads = hint != null ? hint.text().heads() : tWidth % 64 == 0 ? tWidth / 64 : 1;
        return new ClipConfig((int) proj[1], new ClipConfig.Vision(grid * patch, vLayers, width, patch, headWidth),
                new ClipConfig.Text((int) tpos[0], (int) tok[0], tWidth, tHeads, tLayers));
    }

    /** 1 + the highest index N among keys {@code prefix N.…} (0 when there are none). */
    static int count(Map<String, long[]> s, String prefix) {
        Pattern p = Pattern.compile(Pattern.quote(prefix) + "(\\d+)\\.");
        int max = -1;
        for (String k : s.keySet()) {
            Matcher m = p.matcher(k);
            if (m.lookingAt()) max = Math.max(max, Integer.parseInt(m.group(1)));
        }
        return max + 1;
    }

    private static long[] need(Map<String, long[]> s, String key, int rank) {
        long[] v = s.get(key);
        if (v == null) throw new ConfigException("cannot infer the architecture: no tensor " + key);
        if (v.length != rank) {
            throw new ConfigException("cannot infer the architecture: " + key + " has shape " + java.util.Arrays.toString(v)
                    + " (expected " + rank + " dimensions)");
        }
        return v;
    }
}
