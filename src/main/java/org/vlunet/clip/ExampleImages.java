package org.vlunet.clip;

import org.vlunet.data.AuthorsLayout;
import org.vlunet.data.Degradation;
import org.vlunet.data.Example;
import org.vlunet.data.ImageCodec;
import org.vlunet.data.PairEntry;
import org.vlunet.data.RgbImage;

import java.nio.file.Path;
import java.util.List;

/**
 * The degraded sides of the dataset module's examples (the authors' list files, or what else that module reads),
 * each once: CLIP is frozen, so the authors' oversampling of a class would only weight its loss, and the
 * embeddings are computed once anyway.
 */
public final class ExampleImages implements LabelledImages {
    private final List<Example> examples;

    public ExampleImages(List<? extends Example> examples) {
        if (examples.isEmpty()) throw new IllegalArgumentException("no training examples");
        this.examples = List.copyOf(examples);
    }

    /** The training lists of {@code classes} under the authors' datasets root. */
    public static ExampleImages authorsLists(Path root, List<Degradation> classes) {
        return new ExampleImages(AuthorsLayout.train(root, classes).check().distinct());
    }

    @Override
    public int size() {
        return examples.size();
    }

    @Override
    public Degradation label(int index) {
        return examples.get(index).degradation();
    }

    @Override
    public RgbImage image(int index) {
        Example e = examples.get(index);
        // Only the degraded side is needed; a listed pair need not decode its clean file.
        if (e instanceof PairEntry p) return Example.cropToMultiple(ImageCodec.read(p.degraded()), p.degraded());
        return e.load(null).degraded();
    }

    @Override
    public String describe(int index) {
        return examples.get(index).describe();
    }
}
