package org.vlunet.data;

import org.vlunet.data.synth.SynthSpec;

import java.nio.file.Path;
import java.util.List;

/**
 * A clean file whose degraded side is synthesised on the fly by {@code spec}, with a seed fixed per image (so
 * every epoch sees the same degraded image, as with files on disk).
 */
public record SynthEntry(Path clean, SynthSpec spec, long seed, Path listedIn) implements Example {

    @Override
    public Degradation degradation() {
        return spec.degradation;
    }

    @Override
    public PairView view(ImageCache cache) {
        ImageCache.Stored c = ImageCache.stored(cache, clean.toString(), () -> ImageCodec.read(clean));
        int[] size = PairView.cropped(c.width(), c.height(), clean);
        int x0 = (c.width() - size[0]) / 2, y0 = (c.height() - size[1]) / 2;
        // Synthesised from the centre-cropped clean image (as the file would have been), only on a cache miss.
        ImageCache.Stored d = ImageCache.stored(cache, "synth " + spec + " " + seed + " " + clean,
                () -> spec.synthesize(c.crop(x0, y0, size[0], size[1]), seed).image());
        return new PairView(d, 0, 0, c, x0, y0, size[0], size[1]);
    }

    @Override
    public List<FileRef> files() {
        return List.of(new FileRef(clean, listedIn, 0));
    }

    @Override
    public String describe() {
        return clean + " (" + spec + ", seed " + seed + ")";
    }
}
