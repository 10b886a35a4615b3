package org.vlunet.infer;

import ai.djl.ndarray.NDManager;
import org.vlunet.data.ImageCodec;
import org.vlunet.data.RgbImage;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Restores files and folders of images for users: each output is {@code <outputDir>/<stem>.png} with the input's
 * exact size. Inputs are never overwritten; existing outputs are refused unless asked; a file that cannot be read
 * or restored is reported and the rest still processed.
 */
public final class RestoreJob {
    static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "tif", "tiff", "gif");

    /** One restored image; {@code tiles} is 1 when it was restored whole. */
    public record Item(Path input, Path output, int width, int height, Readout readout, int tiles, long millis) {
        public boolean tiled() {
            return tiles > 1;
        }
    }

    public record Failure(Path input, String message) {}

    public record Outcome(List<Item> done, List<Failure> failed) {}

    private final ImageRestorer restorer;
    private final Path outputDir;
    private final boolean overwrite;

    public RestoreJob(ImageModel model, NDManager manager, Restorer.Options options, Path outputDir, boolean overwrite) {
        this.restorer = new ImageRestorer(model, manager, options);
        this.outputDir = outputDir;
        this.overwrite = overwrite;
    }

    /** Files as given, folders as the image files directly inside them (sorted); missing paths are failures. */
    public static List<Path> expand(List<Path> inputs, List<Failure> failures) {
        List<Path> files = new ArrayList<>();
        for (Path p : inputs) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    List<Path> imgs = s.filter(RestoreJob::isImage).sorted().toList();
                    if (imgs.isEmpty()) failures.add(new Failure(p, "folder has no images (" + String.join(", ", new java.util.TreeSet<>(EXTENSIONS)) + ")"));
                    files.addAll(imgs);
                } catch (IOException e) {
                    failures.add(new Failure(p, "cannot list folder (" + e.getMessage() + ")"));
                }
            } else if (Files.isRegularFile(p)) {
                files.add(p);
            } else {
                failures.add(new Failure(p, "no such file or folder"));
            }
        }
        return files;
    }

    static boolean isImage(Path p) {
        return isImageName(p.getFileName().toString()) && Files.isRegularFile(p);
    }

    /** Whether a folder's file is taken as an image: not hidden, with one of {@link #EXTENSIONS}. */
    public static boolean isImageName(String n) {
        int dot = n.lastIndexOf('.');
        return !n.startsWith(".") && dot > 0 && EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** The output's file name for an input's: its stem with ".png". */
    public static String outputName(String inputName) {
        int dot = inputName.lastIndexOf('.');
        return (dot > 0 ? inputName.substring(0, dot) : inputName) + ".png";
    }

    public Outcome run(List<Path> inputs, PrintStream out) {
        List<Failure> failed = new ArrayList<>();
        List<Path> files = expand(inputs, failed);
        Set<Path> inputSet = new HashSet<>();
        for (Path f : files) inputSet.add(real(f));
        Map<Path, Path> claimed = new HashMap<>();
        List<Item> done = new ArrayList<>();
        for (Path f : files) {
            Path target = outputDir.resolve(outputName(f.getFileName().toString()));
            Path key = real(target);
            if (inputSet.contains(key)) {
                failed.add(new Failure(f, "output " + target + " is an input; choose another output folder with -o"));
                continue;
            }
            Path first = claimed.putIfAbsent(key, f);
            if (first != null) {
                failed.add(new Failure(f, "output " + target + " is already the output of " + first + " (same file stem)"));
                continue;
            }
            if (Files.exists(target) && !overwrite) {
                failed.add(new Failure(f, "output " + target + " exists (use --overwrite to replace it)"));
                continue;
            }
            try {
                Item it = restore(f, target);
                done.add(it);
                out.printf("%s -> %s  %dx%d%s  %.1fs%s%n", f, target, it.width(), it.height(), it.tiled() ? " (" + it.tiles() + " tiles)" : "",
                        it.millis() / 1000.0, it.readout() == null ? "" : "  read-out: " + it.readout().summary());
            } catch (RuntimeException e) {
                failed.add(new Failure(f, e.getMessage()));
            }
        }
        return new Outcome(done, failed);
    }

    private Item restore(Path in, Path target) {
        long t0 = System.nanoTime();
        RgbImage img = ImageCodec.read(in);
        ImageRestorer.Result r = restorer.restore(img, notice -> System.err.println(in + ": " + notice));
        RgbImage restored = r.image();
        try {
            ImageCodec.writePng(restored, target);
        } catch (UncheckedIOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return new Item(in, target, img.width(), img.height(), r.readout(), r.tiles(), (System.nanoTime() - t0) / 1_000_000);
    }

    private static Path real(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        try {
            return abs.toRealPath();
        } catch (IOException e) {
            Path parent = abs.getParent();
            try {
                return parent == null ? abs : parent.toRealPath().resolve(abs.getFileName());
            } catch (IOException e2) {
                return abs;
            }
        }
    }
}
