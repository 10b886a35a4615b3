package org.vlunet.infer;

import ai.djl.ndarray.NDManager;
import org.vlunet.data.ImageCodec;
import org.vlunet.data.RgbImage;
import org.vlunet.util.Outputs;

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
    private final boolean recursive;

    public RestoreJob(ImageModel model, NDManager manager, TiledRestorer.Options options, Path outputDir, boolean overwrite) {
        this(model, manager, options, outputDir, overwrite, false);
    }

    /** @param recursive folders are restored as whole trees, each image to its relative path under the output folder */
    public RestoreJob(ImageModel model, NDManager manager, TiledRestorer.Options options, Path outputDir, boolean overwrite, boolean recursive) {
        this.restorer = new ImageRestorer(model, manager, options);
        this.outputDir = outputDir;
        this.overwrite = overwrite;
        this.recursive = recursive;
    }

    /**
     * An image to restore and where its output goes, relative to the output folder: {@code <stem>.png} for a file
     * given as such or directly inside a given folder, {@code <sub/folders>/<stem>.png} for one deeper in a folder
     * restored recursively.
     */
    public record Source(Path file, Path output) {}

    /** Files as given, folders as the image files directly inside them (sorted); missing paths are failures. */
    public static List<Path> expand(List<Path> inputs, List<Failure> failures) {
        return sources(inputs, false, null, failures).stream().map(Source::file).toList();
    }

    /**
     * The images of {@code inputs} with their relative outputs: files as given, folders as the image files inside
     * them, with {@code recursive} those of every subfolder too (links to folders are not followed; nothing under
     * {@code skip}, the output folder, is taken). Sorted per folder; missing paths and empty folders are failures.
     */
    public static List<Source> sources(List<Path> inputs, boolean recursive, Path skip, List<Failure> failures) {
        List<Source> files = new ArrayList<>();
        Path skipReal = skip == null ? null : Outputs.real(skip);
        for (Path p : inputs) {
            if (Files.isDirectory(p)) {
                // an output folder inside the tree: what earlier runs wrote there is not taken as input
                boolean skipInside = recursive && skipReal != null && !Outputs.real(p).equals(skipReal);
                try (Stream<Path> s = recursive ? Files.walk(p) : Files.list(p)) {
                    List<Path> imgs = s.filter(f -> isImage(f) && !(skipInside && Outputs.real(f).startsWith(skipReal))).sorted().toList();
                    if (imgs.isEmpty()) {
                        failures.add(new Failure(p, "folder has no images (" + String.join(", ", new java.util.TreeSet<>(EXTENSIONS)) + ")"
                                + (recursive ? "" : "; --recursive takes its subfolders too")));
                    }
                    for (Path f : imgs) add(files, f, p.relativize(f), failures);
                } catch (IOException | UncheckedIOException e) {
                    failures.add(new Failure(p, "cannot list folder (" + e.getMessage() + ")"));
                }
            } else if (Files.isRegularFile(p)) {
                add(files, p, p.getFileName(), failures);
            } else {
                failures.add(new Failure(p, "no such file or folder"));
            }
        }
        return files;
    }

    private static void add(List<Source> files, Path file, Path relative, List<Failure> failures) {
        try {
            files.add(new Source(file, pngOf(relative)));
        } catch (java.nio.file.InvalidPathException e) { // this file alone: the others are still restored
            failures.add(new Failure(file, unencodable(e)));
        }
    }

    /** The relative output of a relative input: same folders, the stem with .png. */
    static Path pngOf(Path relative) {
        String png = outputName(relative.getFileName().toString());
        return relative.getParent() == null ? Path.of(png) : relative.getParent().resolve(png);
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

    /**
     * Every output is settled before the model runs on anything: an output that is an input, claimed twice or
     * existing (without overwrite), or whose name the system cannot encode, fails for that image alone.
     */
    public Outcome run(List<Path> inputs, PrintStream out) {
        List<Failure> failed = new ArrayList<>();
        List<Source> files = sources(inputs, recursive, outputDir, failed);
        Set<Path> inputSet = new HashSet<>();
        for (Source f : files) inputSet.add(Outputs.real(f.file()));
        Map<Path, Path> claimed = new HashMap<>();
        Map<Source, Path> planned = new java.util.LinkedHashMap<>();
        for (Source f : files) {
            try {
                Path target = outputDir.resolve(f.output());
                Path key = Outputs.real(target);
                if (inputSet.contains(key)) {
                    failed.add(new Failure(f.file(), "output " + target + " is an input; choose another output folder with -o"));
                    continue;
                }
                Path first = claimed.putIfAbsent(key, f.file());
                if (first != null) {
                    failed.add(new Failure(f.file(), "output " + target + " is already the output of " + first + " (same file stem)"));
                    continue;
                }
                if (Files.exists(target) && !overwrite) {
                    failed.add(new Failure(f.file(), "output " + target + " exists (use --overwrite to replace it)"));
                    continue;
                }
                planned.put(f, target);
            } catch (java.nio.file.InvalidPathException e) {
                failed.add(new Failure(f.file(), unencodable(e)));
            }
        }
        List<Item> done = new ArrayList<>();
        for (Map.Entry<Source, Path> e : planned.entrySet()) {
            Path f = e.getKey().file(), target = e.getValue();
            try {
                Item it = restore(f, target);
                done.add(it);
                out.printf("%s -> %s  %dx%d%s  %.1fs%s%n", f, target, it.width(), it.height(), it.tiled() ? " (" + it.tiles() + " tiles)" : "",
                        it.millis() / 1000.0, it.readout() == null ? "" : "  read-out: " + it.readout().summary());
            } catch (java.nio.file.InvalidPathException x) {
                failed.add(new Failure(f, unencodable(x)));
            } catch (RuntimeException x) {
                failed.add(new Failure(f, x.getMessage()));
            }
        }
        return new Outcome(done, failed);
    }

    /** A file name the JVM's file-name encoding cannot hold (e.g. non-ASCII under LANG=C). */
    private static String unencodable(java.nio.file.InvalidPathException e) {
        return "its name cannot be written in this system's file-name encoding (" + System.getProperty("sun.jnu.encoding")
                + "; " + e.getReason() + "): run with a UTF-8 locale, e.g. LANG=C.UTF-8";
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
}
