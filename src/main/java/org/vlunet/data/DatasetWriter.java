package org.vlunet.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.vlunet.data.synth.SynthSpec;
import org.vlunet.util.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Writes a dataset in the authors' layout from a folder of clean photos: each photo is downscaled and cropped as
 * asked, centre-cropped to a multiple of 16, assigned to the train or test split, and degraded by every spec; the
 * images and the list files go under their authors' names, so {@code train --de_type ...} and
 * {@code test --task ...} find them. A manifest records every source, degradation, parameter and seed. The result
 * depends only on the photos and the options (not on the thread count).
 */
public final class DatasetWriter {
    private DatasetWriter() {}

    public static final String MANIFEST = "manifest.json";

    /**
     * @param testFraction share of the photos in the test split, in [0, 1]
     * @param maxSize      downscale so the longer side is at most this (0: keep)
     * @param crop         centre-crop to at most crop×crop after downscaling (0: keep)
     * @param threads      worker threads (≥ 1)
     * @param force        write into a non-empty output folder
     */
    public record Options(Path input, Path output, List<SynthSpec> specs, double testFraction, long seed, int maxSize,
                          int crop, int threads, boolean force) {
        public Options {
            if (specs.isEmpty()) throw new IllegalArgumentException("give at least one degradation (--de_type)");
            if (!(testFraction >= 0 && testFraction <= 1)) throw new IllegalArgumentException("--test_fraction must be in [0, 1], got " + testFraction);
            if (maxSize < 0) throw new IllegalArgumentException("--max_size must be >= 0, got " + maxSize);
            if (crop < 0 || (crop > 0 && crop < Example.MULTIPLE)) throw new IllegalArgumentException("--crop must be 0 or >= 16, got " + crop);
            if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            Set<Degradation> seen = new HashSet<>();
            for (SynthSpec s : specs) {
                if (!seen.add(s.degradation)) throw new IllegalArgumentException("degradation " + s.degradation.key + " is given twice");
            }
            specs = List.copyOf(specs);
        }
    }

    /** What was written: counts and the list files (relative to the output root). */
    public record Report(int train, int test, List<String> lists, Path manifest) {}

    /** Where a class's images and list go for a split, relative to the output root. */
    record Place(String degradedDir, String cleanDir, String list) {}

    static Place place(Degradation d, boolean test) {
        String split = test ? "test" : "train";
        return switch (d) {
            case DENOISE_15, DENOISE_25, DENOISE_50 -> {
                String base = AuthorsLayout.DENOISE_DIR + (test ? "/CBSD68" : "/train");
                yield new Place(base + "/noisy" + Task.sigma(d), base + "/clean", test ? AuthorsLayout.testList(d) : AuthorsLayout.trainList(d));
            }
            case DERAIN -> of(AuthorsLayout.DERAIN_DIR + "/" + split, "rainy", "norain", d, test);
            case DEHAZE -> of(AuthorsLayout.DEHAZE_DIR + "/" + split, "hazy", "clear", d, test);
            case DEBLUR -> of(AuthorsLayout.DEBLUR_DIR + "/" + split, "blur", "sharp", d, test);
            case DELOWLIGHT -> of(AuthorsLayout.LOWLIGHT_DIR + "/" + split, "low", "high", d, test);
        };
    }

    private static Place of(String base, String deg, String clean, Degradation d, boolean test) {
        return new Place(base + "/" + deg, base + "/" + clean, test ? AuthorsLayout.testList(d) : AuthorsLayout.trainList(d));
    }

    /** One photo's share of the manifest. */
    private record Made(Map<String, Object> entry, Map<String, List<Path[]>> lines) {}

    public static Report write(Options o, Consumer<String> progress) {
        Path in = o.input().toAbsolutePath().normalize(), out = o.output().toAbsolutePath().normalize();
        if (out.startsWith(in)) throw new DatasetException("output " + o.output() + " is inside the input folder " + o.input() + "; choose another");
        try {
            org.vlunet.util.Outputs.folder(out, "output " + o.output());
        } catch (IllegalArgumentException e) {
            throw new DatasetException(e.getMessage());
        }
        List<Path> photos = CleanFolder.images(in);
        if (Files.isDirectory(out) && !o.force()) {
            try (var s = Files.list(out)) {
                if (s.findAny().isPresent()) {
                    throw new DatasetException("output " + o.output() + " is not empty; pass --force to write into it");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        List<String> names = names(in, photos);
        boolean[] isTest = split(photos.size(), o.testFraction(), o.seed());
        ExecutorService pool = Executors.newFixedThreadPool(o.threads());
        List<Made> made = new ArrayList<>();
        try {
            List<Future<Made>> fs = new ArrayList<>();
            for (int i = 0; i < photos.size(); i++) {
                int k = i;
                fs.add(pool.submit(() -> one(o, in, out, photos.get(k), names.get(k), isTest[k])));
            }
            for (int i = 0; i < fs.size(); i++) {
                made.add(fs.get(i).get());
                if (progress != null) progress.accept((i + 1) + "/" + fs.size() + " " + in.relativize(photos.get(i)));
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            pool.shutdownNow();
        }

        Map<String, List<Path[]>> lists = new TreeMap<>();
        for (Made m : made) m.lines().forEach((list, l) -> lists.computeIfAbsent(list, k -> new ArrayList<>()).addAll(l));
        try {
            for (Map.Entry<String, List<Path[]>> e : lists.entrySet()) {
                AtomicFiles.writeString(out.resolve(e.getKey()), PairList.format(e.getValue(), out));
            }
            Path licences = in.resolve("LICENSES.tsv");
            if (Files.isRegularFile(licences)) AtomicFiles.write(out.resolve("LICENSES.tsv"), s -> Files.copy(licences, s));
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("tool", "vlunet datasets " + version());
            manifest.put("note", "synthetic degradations of the input photos; folders and lists carry the authors' names"
                    + " (CBSD68, Rain100L, GoPro, LoL...) so train and test find them, but the images are not those sets");
            // Relative to the working directory when inside it, so a manifest reads the same on every machine.
            Path cwd = Path.of("").toAbsolutePath();
            Path inAbs = in.toAbsolutePath().normalize();
            manifest.put("input", (inAbs.startsWith(cwd) ? cwd.relativize(inAbs) : inAbs).toString());
            manifest.put("seed", o.seed());
            manifest.put("test_fraction", o.testFraction());
            manifest.put("max_size", o.maxSize());
            manifest.put("crop", o.crop());
            manifest.put("degradations", o.specs().stream().map(SynthSpec::toString).toList());
            Map<String, Integer> counts = new LinkedHashMap<>();
            lists.forEach((k, v) -> counts.put(k, v.size()));
            manifest.put("lists", counts);
            manifest.put("images", made.stream().map(Made::entry).toList());
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            AtomicFiles.writeString(out.resolve(MANIFEST), json.writeValueAsString(manifest) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(o.output() + ": cannot write dataset (" + e.getMessage() + ")", e);
        }
        int test = 0;
        for (boolean t : isTest) if (t) test++;
        return new Report(photos.size() - test, test, List.copyOf(lists.keySet()), out.resolve(MANIFEST));
    }

    private static Made one(Options o, Path in, Path out, Path photo, String name, boolean test) {
        RgbImage img = ImageCodec.read(photo);
        int w0 = img.width(), h0 = img.height();
        img = Resize.fitLongerSide(img, o.maxSize());
        if (o.crop() > 0) {
            int w = Math.min(o.crop(), img.width()), h = Math.min(o.crop(), img.height());
            img = img.crop((img.width() - w) / 2, (img.height() - h) / 2, w, h);
        }
        img = quantized(Example.cropToMultiple(img, photo));
        String rel = in.relativize(photo).toString().replace('\\', '/');
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("source", rel);
        entry.put("source_size", List.of(w0, h0));
        entry.put("size", List.of(img.width(), img.height()));
        entry.put("split", test ? "test" : "train");
        List<Map<String, Object>> degraded = new ArrayList<>();
        Map<String, List<Path[]>> lines = new LinkedHashMap<>();
        Set<String> cleanWritten = new HashSet<>();
        for (SynthSpec s : o.specs()) {
            Place p = place(s.degradation, test);
            Path clean = out.resolve(p.cleanDir()).resolve(name + ".png"), deg = out.resolve(p.degradedDir()).resolve(name + ".png");
            if (cleanWritten.add(p.cleanDir())) ImageCodec.writePng(img, clean);
            long seed = imageSeed(o.seed(), s.degradation, rel);
            SynthSpec.Result r = s.synthesize(img, seed);
            ImageCodec.writePng(r.image(), deg);
            lines.computeIfAbsent(p.list(), k -> new ArrayList<>()).add(new Path[] {deg, clean});
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("degradation", s.degradation.key);
            d.put("spec", s.toString());
            d.put("file", out.relativize(deg).toString().replace('\\', '/'));
            d.put("clean", out.relativize(clean).toString().replace('\\', '/'));
            d.put("seed", seed);
            d.put("params", r.params());
            degraded.add(d);
        }
        entry.put("degraded", degraded);
        return new Made(entry, lines);
    }

    /** Rounded to 8 bits first, so the degraded image is made from exactly the clean image written beside it. */
    static RgbImage quantized(RgbImage img) {
        float[] p = img.pixels(), q = new float[p.length];
        for (int i = 0; i < p.length; i++) q[i] = ImageCodec.to8(p[i]) / 255f;
        return new RgbImage(img.width(), img.height(), q);
    }

    /** A photo's synthesis seed: from the run's seed, the class, and the photo's path (not its position). */
    public static long imageSeed(long seed, Degradation d, String relativePath) {
        return Rng.of(seed, d.id, Rng.key(relativePath)).nextLong();
    }

    /** Which photos are test photos: a seeded choice of round(n·fraction), at least one of each split when both are asked for. */
    static boolean[] split(int n, double fraction, long seed) {
        int t = (int) Math.round(n * fraction);
        if (fraction > 0 && t == 0) t = 1;
        if (fraction < 1 && t == n && n > 1) t = n - 1;
        int[] perm = Rng.of(seed, 0x53504C4954L).permutation(n);
        boolean[] test = new boolean[n];
        for (int i = 0; i < t; i++) test[perm[i]] = true;
        return test;
    }

    /** Output names: the path below the input with '/' as "__", lower-case-unique, as .png. */
    static List<String> names(Path in, List<Path> photos) {
        List<String> out = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (Path p : photos) {
            String rel = in.relativize(p).toString().replace('\\', '/');
            String base = rel.substring(0, rel.lastIndexOf('.')).replace("/", "__").replaceAll("[^A-Za-z0-9._+-]", "_");
            String name = base;
            for (int k = 2; !used.add(name.toLowerCase(Locale.ROOT)); k++) name = base + "_" + k;
            out.add(name);
        }
        return out;
    }

    static String version() {
        var p = new java.util.Properties();
        try (var s = DatasetWriter.class.getResourceAsStream("/vlunet-version.properties")) {
            if (s != null) p.load(s);
        } catch (IOException e) {
            return "unknown";
        }
        return p.getProperty("version", "unknown");
    }
}
