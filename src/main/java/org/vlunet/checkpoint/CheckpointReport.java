package org.vlunet.checkpoint;

import org.vlunet.config.ClipConfig;
import org.vlunet.config.ModelConfig;
import org.vlunet.data.Degradation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** What a checkpoint holds, as lines for people (the {@code inspect} command). */
public final class CheckpointReport {
    private CheckpointReport() {}

    /** @param ck a resolved checkpoint; {@code configFrom} says where its configuration came from */
    public static List<String> describe(Checkpoint ck, String configFrom) {
        List<String> out = new ArrayList<>();
        if (ck.path() != null) out.add("file:        " + ck.path());
        out.add("kind:        " + ck.kind());
        out.add("parts:       " + (ck.parts().isEmpty() ? "none" : String.join(", ", ck.parts())));
        Map<String, Long> counts = ck.parameterCounts();
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        List<String> c = new ArrayList<>();
        counts.forEach((k, v) -> c.add(k + " " + String.format("%,d", v)));
        out.add("parameters:  " + String.join(", ", c) + " (total " + String.format("%,d", total) + ")");
        if (ck.config() != null) {
            ModelConfig m = ck.config().model();
            out.add("backbone:    dim " + m.dim() + ", blocks " + Arrays.toString(m.numBlocks()) + ", refinement blocks "
                    + m.numRefinementBlocks() + ", heads " + Arrays.toString(m.heads()) + ", ffn factor " + m.ffnExpansionFactor()
                    + ", classes " + m.deDim() + ", prompt size " + m.promptSize() + ", degradation dim " + m.degradationDim()
                    + " (" + configFrom + ")");
        }
        ClipConfig cc = ck.clipConfig();
        if (cc != null) {
            out.add("clip:        embed " + cc.embedDim() + "; vision " + cc.vision().layers() + " layers x " + cc.vision().width()
                    + " wide, heads " + cc.vision().heads() + ", patch " + cc.vision().patchSize() + ", image " + cc.vision().imageSize()
                    + "; text " + cc.text().layers() + " layers x " + cc.text().width() + " wide, heads " + cc.text().heads()
                    + ", context " + cc.text().contextLength() + ", vocabulary " + cc.text().vocabSize() + " (" + configFrom + ")");
        }
        List<Degradation> classes = ck.classes();
        if (classes != null) {
            out.add("classes:     " + String.join(", ", classes.stream().map(d -> d.id + " " + d.key).toList()));
        }
        if (ck.prompts() != null && ck.hasTextAdapter()) out.add("prompts:     " + String.join(" | ", ck.prompts()));
        if (ck.provenance() != null) out.add("provenance:  " + ck.provenance().describe());
        if (!ck.details().isEmpty()) {
            List<String> d = new ArrayList<>();
            ck.details().forEach((k, v) -> d.add(k + "=" + v));
            out.add("details:     " + String.join(", ", d));
        }
        if (!ck.ignored().isEmpty()) {
            List<String> ign = ck.ignored();
            out.add("ignored:     " + ign.size() + " key(s) of no part: " + String.join(", ", ign.subList(0, Math.min(8, ign.size())))
                    + (ign.size() > 8 ? ", …" : ""));
        }
        return out;
    }
}
