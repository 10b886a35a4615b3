package org.vlunet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlunet.checkpoint.Checkpoint;
import org.vlunet.checkpoint.CheckpointReader;
import org.vlunet.config.VluNetConfig;
import org.vlunet.data.ImageCodec;
import org.vlunet.data.RgbImage;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.Safetensors;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** finetune-clip end to end on a tiny synthetic set with the tiny random CLIP. */
class FinetuneClipCommandTest {

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            System.setOut(ps);
            code = cl.execute(args);
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        System.out.print(out);
        return new Result(code, out, err.toString());
    }

    /** Three classes that look different: speckle noise, flat bright veil, vertical streaks. */
    static void makeData(Path root) {
        Random rnd = new Random(7);
        String[] classes = {"denoise_15", "dehaze", "derain"};
        for (int k = 0; k < classes.length; k++) {
            for (int i = 0; i < 6; i++) {
                int w = 40 + 8 * (i % 2), h = 32;
                float[] px = new float[3 * w * h];
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) {
                            float base = 0.3f + 0.2f * c + 0.05f * rnd.nextFloat();
                            float v = switch (k) {
                                case 0 -> base + 0.3f * (float) rnd.nextGaussian();
                                case 1 -> 0.75f + 0.2f * base;
                                default -> base + (x % 5 == 0 ? 0.5f : 0f);
                            };
                            px[(c * h + y) * w + x] = Math.min(1f, Math.max(0f, v));
                        }
                    }
                }
                Path f = root.resolve(classes[k]).resolve(String.format("img%02d.png", i));
                ImageCodec.writePng(new RgbImage(w, h, px), f);
            }
        }
    }

    static List<Double> epochLosses(String out) {
        List<Double> l = new ArrayList<>();
        Matcher m = Pattern.compile("epoch \\d+/\\d+  train loss ([0-9.]+)").matcher(out);
        while (m.find()) l.add(Double.parseDouble(m.group(1)));
        return l;
    }

    /** Every line of a finetune-clip log, parsed (a line that is not JSON fails the test). */
    static List<JsonNode> logEvents(Path log) throws java.io.IOException {
        List<JsonNode> events = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            JsonNode n = new ObjectMapper().readTree(line);
            assertTrue(n.isObject() && n.hasNonNull("event"), "not an event: " + line);
            events.add(n);
        }
        return events;
    }

    static List<JsonNode> ofKind(List<JsonNode> events, String kind) {
        return events.stream().filter(n -> n.get("event").asText().equals(kind)).toList();
    }

    static String[] args(Path data, Path output, int epochs, String... more) {
        List<String> a = new ArrayList<>(List.of("finetune-clip", "--de_type", "denoise_15", "derain", "dehaze",
                "--data_root", data.toString(), "--random_clip", "--config", "vlunet-tiny", "--epochs", Integer.toString(epochs),
                "--batch_size", "4", "--lr", "1e-4", "--holdout", "0.2", "--seed", "3", "--device", "cpu", "--workers", "2",
                "--output", output.toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void trainsWritesRefusesAndResumes(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        makeData(data);
        Path out = tmp.resolve("a").resolve("adapter.safetensors");

        String tuned = org.vlunet.Fixtures.path("e2e_tiny/clip_tuned.pth").toString(); // the authors' adapter file
        Result r1 = run(args(data, out, 3, "--adapter", tuned));
        assertEquals(0, r1.code(), r1.err());
        List<Double> losses = epochLosses(r1.out());
        assertEquals(3, losses.size(), r1.out());
        assertTrue(losses.get(2) < losses.get(0) / 2, "training loss should fall: " + losses);
        assertTrue(r1.out().contains("held-out (3 images)"), r1.out());
        assertTrue(r1.out().contains("images/s"), r1.out());
        assertTrue(Files.isRegularFile(out.resolveSibling("adapter.clip.safetensors")));
        assertTrue(Files.isRegularFile(out.resolveSibling("adapter.state.safetensors")));
        try (Safetensors st = Safetensors.open(out)) {
            Map<String, String> m = st.metadata();
            assertEquals("[\"denoise_15\",\"dehaze\",\"derain\"]", m.get("classes"));
            assertEquals("3", m.get("epochs"));
            assertTrue(m.containsKey("heldout_accuracy") && m.containsKey("heldout_loss"), m.toString());
            assertEquals(24, st.names().size());
        }
        // Both files are checkpoints every command reads: the adapter with its prompts, the random CLIP with its size.
        Checkpoint ad = CheckpointReader.read(out);
        assertEquals(List.of("image adapter", "text adapter"), ad.parts());
        assertEquals(List.of("image with noise", "image with haze", "image with rain"), ad.prompts());
        assertEquals("finetune-clip", ad.provenance().command());
        assertEquals(3L, ad.provenance().epochs());
        Checkpoint rc = CheckpointReader.read(out.resolveSibling("adapter.clip.safetensors"));
        assertEquals(List.of("clip"), rc.parts());
        assertEquals(VluNetConfig.load("vlunet-tiny").clip(), rc.clipConfig());

        // The JSONL log beside the adapter: start, a step line per batch (15 training images in batches of 4), an
        // epoch line per epoch with finite losses, done.
        Path log = out.resolveSibling("adapter.log.jsonl");
        List<JsonNode> ev = logEvents(log);
        assertEquals("start", ev.get(0).get("event").asText(), ev.get(0).toString());
        assertEquals(15, ev.get(0).get("train_images").asInt());
        assertEquals(3, ev.get(0).get("heldout_images").asInt());
        assertEquals("[\"denoise_15\",\"dehaze\",\"derain\"]", ev.get(0).get("classes").toString());
        assertEquals(12, ofKind(ev, "step").size());
        List<JsonNode> epochs = ofKind(ev, "epoch");
        assertEquals(3, epochs.size(), ev.toString());
        for (int e = 0; e < 3; e++) {
            JsonNode n = epochs.get(e);
            assertEquals(e + 1, n.get("epoch").asInt());
            assertEquals(4L * (e + 1), n.get("step").asLong());
            for (String k : List.of("train_loss", "train_accuracy", "heldout_loss", "heldout_accuracy")) {
                assertTrue(n.get(k).isNumber() && Double.isFinite(n.get(k).asDouble()), k + ": " + n);
            }
            assertEquals(3, n.get("heldout_images").asInt());
        }
        assertEquals(losses.get(2), epochs.get(2).get("train_loss").asDouble(), 1e-4); // the console's figure
        JsonNode end = ev.get(ev.size() - 1);
        assertEquals("done", end.get("event").asText(), end.toString());
        assertEquals(3, end.get("epochs").asInt());
        byte[] logBefore = Files.readAllBytes(log);

        // A second run refuses to replace the output.
        byte[] before = Files.readAllBytes(out);
        Result r2 = run(args(data, out, 3));
        assertEquals(1, r2.code());
        assertTrue(r2.err().contains("exists; pass --overwrite"), r2.err());
        assertEquals(1, r2.err().strip().lines().count(), r2.err());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(out)));
        assertTrue(java.util.Arrays.equals(logBefore, Files.readAllBytes(log)));

        // Resuming to 4 epochs gives what 4 uninterrupted epochs give.
        Result r3 = run(args(data, out, 4, "--resume"));
        assertEquals(0, r3.code(), r3.err());
        assertTrue(r3.out().contains("resuming from") && r3.out().contains("after epoch 3"), r3.out());
        assertEquals(1, epochLosses(r3.out()).size(), r3.out());
        // the resumed run appends to the log
        byte[] logAfter = Files.readAllBytes(log);
        assertTrue(java.util.Arrays.equals(logBefore, java.util.Arrays.copyOf(logAfter, logBefore.length)), "the first run's lines are kept");
        ev = logEvents(log);
        assertEquals(1, ofKind(ev, "start").size());
        List<JsonNode> resumes = ofKind(ev, "resume");
        assertEquals(1, resumes.size(), ev.toString());
        assertEquals(3, resumes.get(0).get("epoch").asInt());
        assertEquals(12, resumes.get(0).get("step").asLong());
        assertEquals(4, ofKind(ev, "epoch").size());
        assertEquals(16, ofKind(ev, "step").size());
        assertEquals(4, ofKind(ev, "done").get(1).get("epochs").asInt());
        Path straight = tmp.resolve("b").resolve("adapter.safetensors");
        Result r4 = run(args(data, straight, 4, "--adapter", tuned));
        assertEquals(0, r4.code(), r4.err());
        Map<String, HostTensor> a = Safetensors.readAll(out), b = Safetensors.readAll(straight);
        assertEquals(a.keySet(), b.keySet());
        double max = 0;
        for (String k : a.keySet()) {
            float[] x = a.get(k).toFloats(), y = b.get(k).toFloats();
            for (int i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
        }
        System.out.println("FinetuneClipCommandTest resumed vs uninterrupted max abs " + max);
        assertTrue(max <= 1e-6, "resumed adapter differs from the uninterrupted one by " + max);
        try (Safetensors st = Safetensors.open(out)) {
            assertEquals("4", st.metadata().get("epochs"));
        }

        // Nothing left to do.
        Result r5 = run(args(data, out, 4, "--resume"));
        assertEquals(0, r5.code(), r5.err());
        assertTrue(r5.out().contains("nothing to do"), r5.out());
    }

    /** A log left by another run is refused without --overwrite (nothing written) and started afresh with it. */
    @Test
    void anExistingLogIsRefusedOrReplaced(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        makeData(data);
        Path out = tmp.resolve("adapter.safetensors"), log = tmp.resolve("adapter.log.jsonl");
        Files.writeString(log, "an old line\n");

        Result refused = run(args(data, out, 1));
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains(log + " exists; pass --overwrite"), refused.err());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
        assertFalse(refused.out().contains("encoding images"), "checked before any work: " + refused.out());
        assertEquals("an old line\n", Files.readString(log));
        assertFalse(Files.exists(out));

        // --overwrite: the log holds this run only; nothing held out gives null held-out metrics
        String[] none = args(data, out, 1, "--overwrite");
        none[List.of(none).indexOf("--holdout") + 1] = "0";
        Result r = run(none);
        assertEquals(0, r.code(), r.err());
        List<JsonNode> ev = logEvents(log);
        assertEquals("start", ev.get(0).get("event").asText());
        assertEquals(0, ev.get(0).get("heldout_images").asInt());
        List<JsonNode> epochs = ofKind(ev, "epoch");
        assertEquals(1, epochs.size(), ev.toString());
        assertTrue(epochs.get(0).get("heldout_loss").isNull() && epochs.get(0).get("heldout_accuracy").isNull(), epochs.toString());
        assertEquals(0, epochs.get(0).get("heldout_images").asInt());
        assertEquals("done", ev.get(ev.size() - 1).get("event").asText());
    }

    /**
     * A state file of the first format (the adapter, Adam's moments as adam.m./adam.v., the step count in metadata)
     * still resumes, to what the uninterrupted run gives; settings that change the run are refused in one line.
     */
    @Test
    void resumesTheFirstStateFormat(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        makeData(data);
        Path out = tmp.resolve("a").resolve("adapter.safetensors"), state = out.resolveSibling("adapter.state.safetensors");
        assertEquals(0, run(args(data, out, 2)).code());
        // the state rewritten as the first format wrote it
        Map<String, HostTensor> now = Safetensors.readAll(state), old = new java.util.LinkedHashMap<>();
        Map<String, String> meta;
        try (Safetensors st = Safetensors.open(state)) {
            meta = new java.util.LinkedHashMap<>(st.metadata());
        }
        now.forEach((k, v) -> { if (k.startsWith("net.")) old.put(k.substring(4), v); });
        for (String k : List.copyOf(old.keySet())) {
            old.put("adam.m." + k, now.get("optimizer." + k + ".exp_avg"));
            old.put("adam.v." + k, now.get("optimizer." + k + ".exp_avg_sq"));
        }
        Map<String, String> oldMeta = new java.util.LinkedHashMap<>();
        oldMeta.put("classes", meta.get("classes"));
        oldMeta.put("epochs", "2");
        oldMeta.put("format", "VLU-Net finetune-clip state");
        oldMeta.put("adam_steps", Long.toString(now.get("optimizer." + old.keySet().iterator().next() + ".step").toLongs()[0]));
        oldMeta.put("seed", "3");
        oldMeta.put("batch_size", "4");
        oldMeta.put("holdout", "0.2");
        oldMeta.put("images", "18");
        Files.delete(state);
        Safetensors.write(state, old, oldMeta);

        String[] otherBatch = args(data, out, 3, "--resume");
        otherBatch[List.of(otherBatch).indexOf("--batch_size") + 1] = "5";
        Result other = run(otherBatch);
        assertEquals(1, other.code());
        assertTrue(other.err().contains("batch_size 4 vs 5"), other.err());
        assertEquals(1, other.err().strip().lines().count(), other.err());

        Result resumed = run(args(data, out, 3, "--resume"));
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("after epoch 2"), resumed.out());
        Path straight = tmp.resolve("b").resolve("adapter.safetensors");
        assertEquals(0, run(args(data, straight, 3)).code());
        Map<String, HostTensor> a = Safetensors.readAll(out), b = Safetensors.readAll(straight);
        double max = 0;
        for (String k : a.keySet()) {
            float[] x = a.get(k).toFloats(), y = b.get(k).toFloats();
            for (int i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
        }
        assertTrue(max <= 1e-6, "resumed from the first format, the adapter differs from the uninterrupted one by " + max);
    }

    @Test
    void nonFiniteEmbeddingsAndBadOutputsFailBeforeTraining(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        makeData(data);
        Path clip = tmp.resolve("clip.safetensors"), bad = tmp.resolve("nan_clip.safetensors");
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu())) {
            var enc = org.vlunet.clip.DegradationEncoder.create(VluNetConfig.load("vlunet-tiny").clip(), m);
            org.vlunet.checkpoint.ModelWriter.openClip(clip, org.vlunet.weights.StateDict.save(enc.clip()), enc.config(), null);
        }
        Map<String, org.vlunet.weights.HostTensor> t = new java.util.LinkedHashMap<>(Safetensors.readAll(clip));
        Map<String, String> meta;
        try (Safetensors f = Safetensors.open(clip)) {
            meta = f.metadata();
        }
        String key = "visual.ln_post.weight";
        float[] nan = new float[t.get(key).toFloats().length];
        java.util.Arrays.fill(nan, Float.NaN);
        t.put(key, org.vlunet.weights.HostTensor.ofFloats(t.get(key).shape(), nan));
        Safetensors.write(bad, t, meta);
        Path out = tmp.resolve("adapter.safetensors");
        Result r = run("finetune-clip", "--de_type", "denoise_15", "derain", "dehaze", "--data_root", data.toString(),
                "--clip_weights", bad.toString(), "--config", "vlunet-tiny", "--epochs", "1", "--device", "cpu", "--output", out.toString());
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("18 of 18 image(s) give non-finite CLIP embeddings") && r.err().contains("img00.png"), r.err());
        assertFalse(r.out().contains("train loss"), "nothing trained: " + r.out());
        assertFalse(Files.exists(out), "nothing written");

        // where it writes is checked before any image is read
        r = run("finetune-clip", "--de_type", "denoise_15", "--data_root", data.toString(), "--random_clip", "--config", "vlunet-tiny",
                "--device", "cpu", "--output", "/proc/vlunet/adapter.safetensors");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("/proc/vlunet/adapter.safetensors: cannot write in /proc"), r.err());
        assertFalse(r.out().contains("encoding images"), r.out());
        r = run("finetune-clip", "--de_type", "denoise_15", "--data_root", data.toString(), "--clip_weights", clip.toString(),
                "--config", "vlunet-tiny", "--device", "cpu", "--output", clip.toString(), "--overwrite");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("is also an input"), r.err());
    }

    @Test
    void withoutClipWeightsItSaysWhatIsNeeded(@TempDir Path tmp) {
        assumeFalse(Files.exists(FinetuneClipCommand.DEFAULT_CLIP), "a real CLIP is installed here");
        Path data = tmp.resolve("data");
        makeData(data);
        Result r = run("finetune-clip", "--data_root", data.toString(), "--de_type", "denoise_15", "dehaze",
                "--output", tmp.resolve("x.safetensors").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("real CLIP weights are needed") && r.err().contains("pretrained_ckpt")
                && r.err().contains("laion2b_s34b_b79k"), r.err());
        Result bad = run("finetune-clip", "--data_root", data.toString(), "--de_type", "denoise_99", "--random_clip",
                "--config", "vlunet-tiny", "--output", tmp.resolve("y.safetensors").toString());
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("unknown degradation 'denoise_99'"), bad.err());
        Result missing = run("finetune-clip", "--data_root", data.toString(), "--de_type", "deblur", "--random_clip",
                "--config", "vlunet-tiny", "--output", tmp.resolve("z.safetensors").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("found neither the authors' training lists")
                && missing.err().contains("deblurring_datasets/GoPro/train_paths.txt"), missing.err());
        Result partly = run("finetune-clip", "--data_root", data.toString(), "--de_type", "dehaze", "deblur", "--random_clip",
                "--config", "vlunet-tiny", "--output", tmp.resolve("v.safetensors").toString());
        assertEquals(1, partly.code());
        assertTrue(partly.err().contains("deblur: missing folder"), partly.err());
        Result lists = run("finetune-clip", "--data_root", data.toString(), "--layout", "lists", "--de_type", "dehaze", "--random_clip",
                "--config", "vlunet-tiny", "--output", tmp.resolve("w.safetensors").toString());
        assertEquals(1, lists.code());
        assertTrue(lists.err().contains("dehazing_datasets/train_paths.txt"), lists.err());
    }
}
