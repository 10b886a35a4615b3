package org.vlunet.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import org.vlunet.model.Dense;
import org.vlunet.model.ModuleBlock;

/**
 * open_clip's pre-norm transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)) with
 * mlp = c_fc (w→4w), exact GELU, c_proj (4w→w).
 */
public final class ResidualAttentionBlock extends ModuleBlock {
    private final ClipLayerNorm ln1;
    private final MultiheadAttention attn;
    private final ClipLayerNorm ln2;
    private final Mlp mlp;

    public ResidualAttentionBlock(int width, int heads) {
        ln1 = child("ln_1", new ClipLayerNorm(width));
        attn = child("attn", new MultiheadAttention(width, heads));
        ln2 = child("ln_2", new ClipLayerNorm(width));
        mlp = child("mlp", new Mlp(width, 4 * width));
    }

    public MultiheadAttention attention() {
        return attn;
    }

    public NDArray forward(NDArray x, NDArray scale, NDArray mask) {
        x = x.add(attn.forward(ln1.forward(x), scale, mask));
        return x.add(mlp.forward(ln2.forward(x)));
    }

    /** The feed-forward part (an nn.Sequential of c_fc, gelu, c_proj in open_clip). */
    static final class Mlp extends ModuleBlock {
        private final Dense cFc;
        private final Dense cProj;

        Mlp(int width, int hidden) {
            cFc = child("c_fc", new Dense(width, hidden));
            cProj = child("c_proj", new Dense(hidden, width));
        }

        NDArray forward(NDArray x) {
            // DJL's PyTorch gelu is torch.nn.functional.gelu with approximate='none' (erf); ClipParityTest checks it.
            return cProj.forward(Activation.gelu(cFc.forward(x)));
        }
    }
}
