package org.vlunet.clip;

import ai.djl.ndarray.NDArray;
import org.vlunet.model.Dense;
import org.vlunet.model.ModuleBlock;
import org.vlunet.model.TorchOps;

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

    /** x (b, n, w). The residual sums go into the branch outputs in place: a linear layer's backward needs its input, not its output. */
    public NDArray forward(NDArray x, long b, long n, NDArray scale, NDArray mask) {
        x = TorchOps.addInPlace(attn.forward(ln1.forward(x), b, n, scale, mask), x);
        return TorchOps.addInPlace(mlp.forward(ln2.forward(x)), x);
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
            // torch.nn.functional.gelu with approximate='none' (erf), as open_clip's nn.GELU; ClipParityTest checks it.
            return cProj.forward(TorchOps.gelu(cFc.forward(x)));
        }
    }
}
