package org.vlunet.engine;

import ai.djl.nn.Block;
import org.vlunet.clip.VisionTransformer;
import org.vlunet.config.VluNetConfig;
import org.vlunet.model.VluNet;
import org.vlunet.model.restormer.Conv;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A bias-free 2-D convolution as the networks run it: channels in and out, square kernel, stride and groups
 * (padding k/2 at stride 1, none otherwise). The unit of the CPU kernel check.
 */
public record ConvShape(int in, int out, int kernel, int stride, int groups) {

    public int padding() {
        return stride == 1 ? kernel / 2 : 0;
    }

    /** Every distinct convolution of a block tree (restoration network or CLIP), in tree order. */
    public static Set<ConvShape> of(Block root) {
        Set<ConvShape> out = new LinkedHashSet<>();
        collect(root, out);
        return out;
    }

    private static void collect(Block b, Set<ConvShape> out) {
        if (b instanceof Conv c) out.add(new ConvShape(c.in(), c.out(), c.kernel(), 1, c.groups()));
        if (b instanceof VisionTransformer.PatchConv p) out.add(new ConvShape(3, p.width(), p.patch(), p.patch(), 1));
        for (Block child : b.getChildren().values()) collect(child, out);
    }

    /** The convolutions of the shipped configurations (paper and tiny, both task sets) and of their CLIP towers. */
    public static Set<ConvShape> shipped() {
        Set<ConvShape> out = new LinkedHashSet<>();
        for (String preset : List.of("vlunet-tiny", "vlunet-tiny-nhr", "vlunet-nhr", "vlunet-nhrbl")) {
            VluNetConfig c = VluNetConfig.load(preset);
            out.addAll(of(new VluNet(c.model()))); // construction allocates nothing
            if (c.clip() != null) {
                var v = c.clip().vision();
                out.add(new ConvShape(3, v.width(), v.patchSize(), v.patchSize(), 1));
            }
        }
        return out;
    }

    /** "24→12 3x3", "3→768 32x32/32", "96→96 3x3 dw". */
    @Override
    public String toString() {
        String s = in + "->" + out + " " + kernel + "x" + kernel;
        if (stride != 1) s += "/" + stride;
        if (groups != 1) s += groups == in && groups == out ? " depthwise" : " groups " + groups;
        return s;
    }

    static String describe(Collection<ConvShape> shapes) {
        return shapes.size() + " convolution shape" + (shapes.size() == 1 ? "" : "s");
    }
}
