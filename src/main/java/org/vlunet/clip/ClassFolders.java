package org.vlunet.clip;

import org.vlunet.data.Degradation;
import org.vlunet.data.ImageCodec;
import org.vlunet.data.RgbImage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Labelled images laid out as a folder per class: ROOT/&lt;degradation key&gt;/*.png|jpg|jpeg|bmp|tif|tiff. */
public final class ClassFolders implements LabelledImages {
    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff");

    private final List<Path> files;
    private final List<Degradation> labels;

    private ClassFolders(List<Path> files, List<Degradation> labels) {
        this.files = files;
        this.labels = labels;
    }

    /** The images of each class in {@code classes}, in file-name order; every class needs a non-empty folder. */
    public static ClassFolders open(Path root, List<Degradation> classes) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException(root + ": no such directory (expected a folder per class: "
                    + String.join(", ", classes.stream().map(d -> d.key + "/").toList()) + ")");
        }
        List<Path> files = new ArrayList<>();
        List<Degradation> labels = new ArrayList<>();
        for (Degradation d : classes) {
            Path dir = root.resolve(d.key);
            if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + ": missing folder of class " + d.key + " images");
            List<Path> found;
            try (Stream<Path> s = Files.list(dir)) {
                found = s.filter(Files::isRegularFile).filter(ClassFolders::isImage).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException(dir + ": cannot list (" + e.getMessage() + ")", e);
            }
            if (found.isEmpty()) throw new IllegalArgumentException(dir + ": no images (expected " + String.join("/", EXTENSIONS) + " files)");
            for (Path f : found) {
                files.add(f);
                labels.add(d);
            }
        }
        return new ClassFolders(List.copyOf(files), List.copyOf(labels));
    }

    static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(n::endsWith);
    }

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public Degradation label(int index) {
        return labels.get(index);
    }

    @Override
    public RgbImage image(int index) {
        return ImageCodec.read(files.get(index));
    }

    @Override
    public String describe(int index) {
        return files.get(index).toString();
    }
}
