package org.vlunet.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.vlunet.data.ImageCodec;
import org.vlunet.data.RgbImage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PSNR/SSIM between two folders whose images are paired by file-name stem ("0001.png" with "0001.jpg"), for the
 * outputs of any tool. Pairs whose sizes differ, restorations without a clean image, ambiguous stems and unreadable
 * files are problems (reported, never cropped or guessed); clean images without a restoration are listed.
 */
public final class FolderScores {
    private FolderScores() {}

    public record Pair(String name, int width, int height, Score score) {}

    /** Something that kept a file from being scored. */
    public record Problem(String name, String message) {}

    public record Result(MetricOptions options, List<Pair> pairs, List<Problem> problems, List<String> notRestored) {
        public Score mean() {
            return Score.mean(pairs.stream().map(Pair::score).toList());
        }

        public ObjectNode toJson() {
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.put("metric", options.label());
            ObjectNode images = root.putObject("images");
            for (Pair p : pairs) {
                ObjectNode o = images.putObject(p.name());
                Json.put(o, "psnr", p.score().psnr());
                Json.put(o, "ssim", p.score().ssim());
            }
            ObjectNode mean = root.putObject("mean");
            Score m = mean();
            Json.put(mean, "psnr", m.psnr());
            Json.put(mean, "ssim", m.ssim());
            root.put("count", pairs.size());
            var probs = root.putArray("problems");
            for (Problem p : problems) probs.addObject().put("file", p.name()).put("problem", p.message());
            var nr = root.putArray("not_restored");
            notRestored.forEach(nr::add);
            return root;
        }

        /** Writes {@link #toJson()} through a temporary file. */
        public void writeJson(Path file) throws java.io.IOException {
            org.vlunet.util.AtomicFiles.write(file, out -> Json.MAPPER.writeValue(new Json.NonClosing(out), toJson()));
        }

        public String table() {
            TextTable t = new TextTable("image", "size", "PSNR", "SSIM");
            for (Pair p : pairs) t.row(p.name(), p.width() + "x" + p.height(), TextTable.db(p.score().psnr()), TextTable.ssim(p.score().ssim()));
            Score m = mean();
            t.footer("mean of " + pairs.size(), "", TextTable.db(m.psnr()), TextTable.ssim(m.ssim()));
            return t.toString();
        }
    }

    public static Result compare(Path restoredDir, Path cleanDir, MetricOptions options) {
        List<Problem> problems = new ArrayList<>();
        Map<String, Path> restored = byStem(ImageFiles.list(restoredDir, "restored folder"), problems);
        Map<String, Path> clean = byStem(ImageFiles.list(cleanDir, "clean folder"), problems);
        List<Pair> pairs = new ArrayList<>();
        for (Map.Entry<String, Path> e : restored.entrySet()) {
            Path r = e.getValue();
            String name = r.getFileName().toString();
            Path c = clean.get(e.getKey());
            if (c == null) {
                problems.add(new Problem(name, "no clean image with stem '" + e.getKey() + "' in " + cleanDir));
                continue;
            }
            try {
                RgbImage ri = ImageCodec.read(r), ci = ImageCodec.read(c);
                if (ri.width() != ci.width() || ri.height() != ci.height()) {
                    problems.add(new Problem(name, "size " + ri.width() + "x" + ri.height() + " differs from the clean "
                            + c.getFileName() + " " + ci.width() + "x" + ci.height()));
                    continue;
                }
                RgbImage region = options.region(ri);
                pairs.add(new Pair(name, region.width(), region.height(), Score.of(ri, ci, options)));
            } catch (RuntimeException ex) {
                problems.add(new Problem(name, ex.getMessage()));
            }
        }
        List<String> notRestored = new ArrayList<>();
        for (Map.Entry<String, Path> e : clean.entrySet()) {
            if (!restored.containsKey(e.getKey())) notRestored.add(e.getValue().getFileName().toString());
        }
        return new Result(options, pairs, problems, notRestored);
    }

    private static Map<String, Path> byStem(List<Path> files, List<Problem> problems) {
        Map<String, Path> m = new LinkedHashMap<>();
        Map<String, Boolean> dup = new LinkedHashMap<>();
        for (Path f : files) {
            String s = ImageFiles.stem(f);
            Path prev = m.putIfAbsent(s, f);
            if (prev != null) {
                problems.add(new Problem(f.getFileName().toString(), "ambiguous: " + prev.getFileName() + " has the same stem in " + f.getParent()));
                dup.put(s, true);
            }
        }
        dup.keySet().forEach(m::remove);
        return m;
    }
}
