package org.vlunet.eval;

import org.vlunet.infer.Readout;
import org.vlunet.infer.ImageModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ai.djl.ndarray.NDManager;
import org.vlunet.data.ImageCodec;
import org.vlunet.data.ImagePair;
import org.vlunet.data.Example;
import org.vlunet.data.PairEntry;
import org.vlunet.data.SynthEntry;
import org.vlunet.data.TestSet;
import org.vlunet.data.RgbImage;
import org.vlunet.infer.TiledRestorer;
import org.vlunet.util.AtomicFiles;

import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Evaluates a model on the test sets of a task ({@link org.vlunet.data.AuthorsLayout#test}) as the authors did: each degraded and clean image centre-cropped to
 * a multiple of 16, restored whole, clamped, and scored with PSNR/SSIM ({@link Score}), averaged per set. Per image
 * it also scores the degraded input against the clean image and records the degradation read-out.
 *
 * <p>Everything lands under the output folder ({@code output/<name>/<task>}): restored images as
 * {@code <set>/<type>/<stem>.png}, thumbnails, {@code results.json}, {@code results.csv} (per set),
 * {@code results_images.csv} and {@code report.html}. Each image's result is appended (and synced) to
 * {@code images.jsonl} as soon as it is known, and the summaries are rewritten after every set, so a crash loses
 * nothing already done; with resume, images already in the log are skipped.
 */
public final class Evaluator {
    public static final String LOG = "images.jsonl";

    /**
     * @param outputDir  where the results go
     * @param task       task name for the results (e.g. NHRBL)
     * @param checkpoint checkpoint file name for the results
     * @param metric     Y-channel / border variants (the centre crop to 16 is always applied)
     * @param saveImages write the restored images
     * @param maxImages  at most this many pairs per set (0 = all)
     * @param resume     skip images already in the log
     */
    public record Options(Path outputDir, String task, String checkpoint, MetricOptions metric, boolean saveImages,
                          int maxImages, boolean resume) {
        public Options {
            if (maxImages < 0) throw new IllegalArgumentException("--max_images must be >= 0, got " + maxImages);
        }
    }

    /** A pair that could not be evaluated. */
    public record Failure(String set, String type, Path file, String message) {}

    public record Outcome(List<SetResult> sets, List<Failure> failures, int skipped) {}

    private final ImageModel model;
    private final TiledRestorer.Options restorerOptions;
    private final NDManager manager;
    private final Options opts;
    private final PrintStream out;

    /**
     * @param restorerOptions padding and tiling; the size multiple is the model's
     * @param out             where the per-set tables are printed
     */
    public Evaluator(ImageModel model, NDManager manager, TiledRestorer.Options restorerOptions, Options opts, PrintStream out) {
        this.model = model;
        this.restorerOptions = restorerOptions.withMultiple(model.sizeMultiple());
        this.manager = manager;
        this.opts = opts;
        this.out = out;
    }

    public String metricLabel() {
        return new MetricOptions(opts.metric().yChannel(), opts.metric().cropBorder(), true).label();
    }

    public Outcome run(List<TestSet> sets) throws IOException {
        Path dir = opts.outputDir();
        Files.createDirectories(dir);
        String cleaned = AtomicFiles.removedLine(dir, AtomicFiles.removeStale(dir));
        if (cleaned != null) out.println(cleaned);
        Map<String, ImageResult> done = opts.resume() ? readLog(dir.resolve(LOG)) : new HashMap<>();
        if (!opts.resume()) startLog(dir.resolve(LOG));

        List<List<? extends Example>> chosen = new ArrayList<>();
        long total = 0;
        for (TestSet s : sets) {
            List<? extends Example> p = opts.maxImages() > 0 && s.pairs().size() > opts.maxImages() ? s.pairs().subList(0, opts.maxImages()) : s.pairs();
            checkUniqueStems(s, p);
            chosen.add(p);
            total += p.size();
        }
        Progress progress = Progress.stderr(total);
        List<SetResult> results = new ArrayList<>();
        List<Failure> failures = new ArrayList<>();
        int skipped = 0;
        try (FileOutputStream log = new FileOutputStream(dir.resolve(LOG).toFile(), true)) {
            for (int si = 0; si < sets.size(); si++) {
                TestSet s = sets.get(si);
                progress.label(s.name() + " / " + s.type());
                List<ImageResult> images = new ArrayList<>();
                for (Example pair : chosen.get(si)) {
                    String file = nameFile(pair).getFileName().toString();
                    ImageResult prev = done.get(key(s, file));
                    if (prev != null) {
                        images.add(prev);
                        skipped++;
                        progress.step(true);
                        continue;
                    }
                    ImageResult r;
                    try {
                        r = evaluate(s, pair);
                    } catch (RuntimeException e) {
                        failures.add(new Failure(s.name(), s.type(), nameFile(pair), e.getMessage()));
                        progress.step(false);
                        continue;
                    }
                    images.add(r);
                    append(log, s, r);
                    progress.step(false);
                }
                SetResult sr = new SetResult(s.name(), s.type(), images);
                results.add(sr);
                progress.breakLine();
                out.println();
                out.println(sr.label() + "  (" + images.size() + " images, " + metricLabel() + ")");
                out.print(table(List.of(sr)));
                writeSummaries(results, failures);
            }
        }
        if (sets.size() > 1) {
            out.println();
            out.println("All sets:");
            out.print(table(results));
        }
        return new Outcome(results, failures, skipped);
    }

    private ImageResult evaluate(TestSet s, Example pair) {
        ImagePair loaded = pair.load(null); // both centre-cropped to 16, sizes checked
        RgbImage degraded = loaded.degraded(), clean = loaded.clean();
        RgbImage restored;
        Readout readout;
        try (NDManager sub = manager.newSubManager()) {
            ImageModel.Conditioned c = model.condition(degraded, sub);
            restored = new TiledRestorer(c.network(), sub, restorerOptions, notice -> System.err.println(s.name() + " / " + s.type() + " / "
                    + nameFile(pair).getFileName() + ": " + notice)).restore(degraded).clamped();
            readout = c.readout();
        }
        MetricOptions m = opts.metric();
        Score score = Score.of(restored, clean, m), input = Score.of(degraded, clean, m);
        Path named = nameFile(pair);
        String file = named.getFileName().toString();
        Path dir = opts.outputDir();
        Path restoredPath = null, inputPath = pair instanceof PairEntry p ? p.degraded().toAbsolutePath() : null;
        if (opts.saveImages()) {
            Path setDir = dir.resolve(s.name()).resolve(s.type());
            restoredPath = setDir.resolve(ImageFiles.stem(named) + ".png").toAbsolutePath();
            ImageCodec.writePng(restored, restoredPath);
            if (inputPath == null) { // synthesised on the fly: keep the input the model saw
                inputPath = setDir.resolve("input").resolve(ImageFiles.stem(named) + ".png").toAbsolutePath();
                ImageCodec.writePng(degraded, inputPath);
            }
        }
        Thumbnails.write(degraded, Report.thumbnail(dir, s.name(), s.type(), file, "input"));
        Thumbnails.write(restored, Report.thumbnail(dir, s.name(), s.type(), file, "restored"));
        Thumbnails.write(clean, Report.thumbnail(dir, s.name(), s.type(), file, "clean"));
        return new ImageResult(file, clean.width(), clean.height(), score, input, readout, inputPath, restoredPath, cleanFile(pair).toAbsolutePath());
    }

    /** The files of a run's summary, beside {@link #LOG}. */
    static final List<String> SUMMARY = List.of("results.json", "results.csv", "results_images.csv", "report.html");

    /**
     * Before any work: the run folder {@code dir} of run {@code name} is new, or continued ({@code resume}) or
     * replaced ({@code overwrite}, then only if it is a run of this tool) when asked; and it can be written.
     */
    public static void checkRun(Path dir, String name, boolean resume, boolean overwrite) throws IOException {
        if (resume && overwrite) throw new IllegalArgumentException("--resume and --overwrite exclude each other");
        if (!resume && holdsARun(dir)) {
            if (!overwrite) {
                throw new IllegalArgumentException(dir + " holds an earlier run named '" + name + "': add --resume to continue it,"
                        + " --overwrite to replace it, or choose another --name");
            }
            if (!Files.isRegularFile(dir.resolve(LOG))) {
                throw new IllegalArgumentException(dir + " is not a test run of this tool (no " + LOG
                        + "); --overwrite replaces only runs; remove it yourself or choose another --name");
            }
        }
        org.vlunet.util.Outputs.folder(dir, "--output_path/--name " + dir);
    }

    /** Whether {@code dir} already holds something (an earlier run, or anything else). */
    public static boolean holdsARun(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return Files.exists(dir);
        try (var s = Files.list(dir)) {
            return s.findAny().isPresent();
        }
    }

    /**
     * Removes what an earlier run wrote in {@code dir}: the summaries, the log, the thumbnails and every image the
     * log names inside {@code dir}; then folders left empty. Refuses a folder without this tool's log (it may hold
     * anything), and leaves alone files the log does not name.
     */
    public static void clearRun(Path dir) throws IOException {
        Path log = dir.resolve(LOG);
        JsonNode head = null;
        if (Files.isRegularFile(log)) {
            try (BufferedReader r = Files.newBufferedReader(log, StandardCharsets.UTF_8)) {
                String first = r.readLine();
                head = first == null ? null : parse(first);
            }
        }
        if (head == null || !head.has("log")) {
            throw new IllegalArgumentException(dir + " is not a test run of this tool (no " + LOG + "); remove it yourself or choose another --name");
        }
        Path root = dir.toAbsolutePath().normalize();
        List<Path> files = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            JsonNode n = parse(line);
            if (n == null || !n.has("result")) continue;
            for (String k : new String[] {"restored", "input"}) {
                JsonNode v = n.get("result").get(k);
                if (v != null && v.isTextual()) files.add(Path.of(v.asText()).toAbsolutePath().normalize());
            }
        }
        for (Path f : files) if (f.startsWith(root) && !f.equals(root)) Files.deleteIfExists(f);
        for (String f : SUMMARY) Files.deleteIfExists(root.resolve(f));
        Path thumbs = root.resolve("thumbs");
        if (Files.isDirectory(thumbs, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (var w = Files.walk(thumbs)) {
                for (Path p : w.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) || p.getFileName().toString().endsWith(".jpg")) Files.deleteIfExists(p);
                }
            } catch (java.nio.file.DirectoryNotEmptyException e) {
                // something not ours inside: kept
            }
        }
        Files.delete(log);
        try (var w = Files.walk(root)) { // folders left empty, deepest first
            for (Path p : w.sorted(java.util.Comparator.reverseOrder()).toList()) {
                if (!p.equals(root) && Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    try (var c = Files.list(p)) {
                        if (c.findAny().isEmpty()) Files.delete(p);
                    }
                }
            }
        }
    }

    /** The file that names an example's outputs: the degraded file, or the clean one when synthesised. */
    static Path nameFile(Example e) {
        return e instanceof PairEntry p ? p.degraded() : ((SynthEntry) e).clean();
    }

    static Path cleanFile(Example e) {
        return e instanceof PairEntry p ? p.clean() : ((SynthEntry) e).clean();
    }

    /** Table of per-set means with the degraded inputs' for reference. */
    public static String table(List<SetResult> sets) {
        TextTable t = new TextTable("set", "type", "images", "PSNR", "SSIM", "input PSNR", "input SSIM");
        for (SetResult s : sets) {
            Score m = s.mean(), in = s.inputMean();
            t.row(s.set(), s.type(), s.images().size(), TextTable.db(m.psnr()), TextTable.ssim(m.ssim()),
                    in == null ? "-" : TextTable.db(in.psnr()), in == null ? "-" : TextTable.ssim(in.ssim()));
        }
        return t.toString();
    }

    /** Failed images count per set and are listed; a mean over no image is null ("not computed"), never a number. */
    private void writeSummaries(List<SetResult> results, List<Failure> failures) throws IOException {
        Path dir = opts.outputDir();
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("task", opts.task());
        root.put("checkpoint", opts.checkpoint());
        root.put("metric", metricLabel());
        ArrayNode failed = root.putArray("failures");
        for (Failure f : failures) {
            ObjectNode n = failed.addObject();
            n.put("set", f.set());
            n.put("type", f.type());
            n.put("file", f.file().getFileName().toString());
            n.put("error", f.message());
        }
        ArrayNode sets = root.putArray("sets");
        StringBuilder csv = new StringBuilder("set,type,images,psnr,ssim,input_psnr,input_ssim,failed\n");
        StringBuilder perImage = new StringBuilder("set,type,file,width,height,psnr,ssim,input_psnr,input_ssim,readout\n");
        for (SetResult s : results) {
            ObjectNode o = sets.addObject();
            o.put("set", s.set());
            o.put("type", s.type());
            o.put("images", s.images().size());
            o.put("failed", failures.stream().filter(f -> f.set().equals(s.set()) && f.type().equals(s.type())).count());
            Score m = s.mean(), in = s.inputMean();
            Json.put(o, "psnr", m.psnr());
            Json.put(o, "ssim", m.ssim());
            if (in != null) {
                Json.put(o, "input_psnr", in.psnr());
                Json.put(o, "input_ssim", in.ssim());
            }
            ArrayNode detail = o.putArray("images_detail");
            for (ImageResult r : s.images()) {
                detail.add(r.toJson());
                perImage.append(csv(s.set())).append(',').append(csv(s.type())).append(',').append(csv(r.file())).append(',')
                        .append(r.width()).append(',').append(r.height()).append(',').append(num(r.score().psnr())).append(',')
                        .append(num(r.score().ssim())).append(',').append(r.input() == null ? "" : num(r.input().psnr())).append(',')
                        .append(r.input() == null ? "" : num(r.input().ssim())).append(',')
                        .append(r.readout() == null ? "" : csv(r.readout().top())).append('\n');
            }
            csv.append(csv(s.set())).append(',').append(csv(s.type())).append(',').append(s.images().size()).append(',')
                    .append(num(m.psnr())).append(',').append(num(m.ssim())).append(',')
                    .append(in == null ? "" : num(in.psnr())).append(',').append(in == null ? "" : num(in.ssim())).append(',')
                    .append(o.get("failed").asLong()).append('\n');
        }
        AtomicFiles.write(dir.resolve("results.json"), o -> Json.MAPPER.writeValue(new Json.NonClosing(o), root));
        AtomicFiles.writeString(dir.resolve("results.csv"), csv.toString());
        AtomicFiles.writeString(dir.resolve("results_images.csv"), perImage.toString());
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("task", opts.task());
        facts.put("checkpoint", opts.checkpoint());
        facts.put("metric", metricLabel());
        facts.put("written", Instant.now().toString());
        Report.write(dir.resolve("report.html"), "VLU-Net · " + opts.task(), facts, results);
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6f", v) : Double.isNaN(v) ? "" : "inf";
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private static String key(TestSet s, String file) {
        return s.name() + "\u0000" + s.type() + "\u0000" + file;
    }

    private static void checkUniqueStems(TestSet s, List<? extends Example> pairs) {
        Set<String> seen = new HashSet<>();
        for (Example p : pairs) {
            String stem = ImageFiles.stem(nameFile(p));
            if (!seen.add(stem)) {
                throw new IllegalArgumentException(s.name() + " / " + s.type() + ": two degraded images named '" + stem
                        + "' would write the same output (" + nameFile(p) + ")");
            }
        }
    }

    private void startLog(Path log) throws IOException {
        ObjectNode h = Json.MAPPER.createObjectNode();
        h.put("log", "vlunet test");
        h.put("task", opts.task());
        h.put("checkpoint", opts.checkpoint());
        h.put("metric", metricLabel());
        AtomicFiles.writeString(log, Json.MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(h) + "\n");
    }

    /** The results already in the log; refuses a log of another task, checkpoint or metric. */
    private Map<String, ImageResult> readLog(Path log) throws IOException {
        Map<String, ImageResult> done = new HashMap<>();
        if (!Files.exists(log)) {
            startLog(log);
            return done;
        }
        endLine(log);
        try (BufferedReader r = Files.newBufferedReader(log, StandardCharsets.UTF_8)) {
            String line = r.readLine();
            JsonNode h = line == null ? null : parse(line);
            if (h == null || !h.has("log")) throw new IllegalArgumentException(log + ": not a vlunet test log (remove it or run without --resume)");
            for (String k : new String[] {"task", "checkpoint", "metric"}) {
                String want = k.equals("task") ? opts.task() : k.equals("checkpoint") ? opts.checkpoint() : metricLabel();
                if (!want.equals(h.path(k).asText())) {
                    throw new IllegalArgumentException(log + ": --resume of a run with " + k + " '" + h.path(k).asText()
                            + "', not '" + want + "' (use another --name or run without --resume)");
                }
            }
            while ((line = r.readLine()) != null) {
                JsonNode n = parse(line);
                if (n == null || !n.has("result")) continue; // a line cut short by a crash
                ImageResult ir = ImageResult.fromJson(n.get("result"));
                done.put(n.get("set").asText() + "\u0000" + n.get("type").asText() + "\u0000" + ir.file(), ir);
            }
        }
        return done;
    }

    /** A crash mid-write leaves a partial last line: end it so the next result starts on its own line. */
    private static void endLine(Path log) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(log, java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            long n = ch.size();
            if (n == 0) return;
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, n - 1);
            if (b.get(0) != '\n') ch.write(java.nio.ByteBuffer.wrap(new byte[] {'\n'}), n);
        }
    }

    private static JsonNode parse(String line) {
        try {
            return Json.MAPPER.readTree(line);
        } catch (IOException e) {
            return null;
        }
    }

    private static void append(FileOutputStream log, TestSet s, ImageResult r) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("set", s.name());
        n.put("type", s.type());
        n.set("result", r.toJson());
        try {
            String line = Json.MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(n) + "\n";
            log.write(line.getBytes(StandardCharsets.UTF_8));
            log.getChannel().force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + LOG + " (" + e.getMessage() + ")", e);
        }
    }
}
