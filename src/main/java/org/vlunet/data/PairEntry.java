package org.vlunet.data;

import java.nio.file.Path;
import java.util.List;

/** A degraded file and its clean file, with where they were listed (list file and 1-based line, or folder). */
public record PairEntry(Path degraded, Path clean, Degradation degradation, Path listedIn, int line) implements Example {

    @Override
    public ImagePair load(ImageCache cache) {
        RgbImage d = Example.cropToMultiple(read(degraded, cache), degraded);
        RgbImage c = Example.cropToMultiple(read(clean, cache), clean);
        if (d.width() != c.width() || d.height() != c.height()) {
            throw new ImageException(degraded + " (" + d.width() + "x" + d.height() + ") and " + clean + " ("
                    + c.width() + "x" + c.height() + ") differ in size after the centre crop to a multiple of 16"
                    + (listedIn == null ? "" : " (" + new FileRef(degraded, listedIn, line).where() + ")"));
        }
        return new ImagePair(d, c);
    }

    private static RgbImage read(Path p, ImageCache cache) {
        return cache == null ? ImageCodec.read(p) : cache.get(p.toString(), () -> ImageCodec.read(p));
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
