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
    public ImagePair load(ImageCache cache) {
        RgbImage c = Example.cropToMultiple(cache == null ? ImageCodec.read(clean) : cache.get(clean.toString(), () -> ImageCodec.read(clean)), clean);
        RgbImage d = cache == null ? spec.synthesize(c, seed).image()
                : cache.get("synth " + spec + " " + seed + " " + clean, () -> spec.synthesize(c, seed).image());
        return new ImagePair(d, c);
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
