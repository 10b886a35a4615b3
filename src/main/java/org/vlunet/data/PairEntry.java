package org.vlunet.data;

import java.nio.file.Path;
import java.util.List;

/** A degraded file and its clean file, with where they were listed (list file and 1-based line, or folder). */
public record PairEntry(Path degraded, Path clean, Degradation degradation, Path listedIn, int line) implements Example {

    @Override
    public PairView view(ImageCache cache) {
        ImageCache.Stored d = ImageCache.stored(cache, degraded.toString(), () -> ImageCodec.read(degraded));
        ImageCache.Stored c = ImageCache.stored(cache, clean.toString(), () -> ImageCodec.read(clean));
        return PairView.of(d, degraded, c, clean, listedIn == null ? null : new FileRef(degraded, listedIn, line).where());
    }

    @Override
    public List<FileRef> files() {
        return List.of(new FileRef(degraded, listedIn, line), new FileRef(clean, listedIn, line));
    }

    @Override
    public String describe() {
        return degraded.toString();
    }
}
