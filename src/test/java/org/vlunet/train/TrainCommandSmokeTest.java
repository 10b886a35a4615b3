package org.vlunet.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlunet.checkpoint.CheckpointReader;
import org.vlunet.checkpoint.ModelWriter;
import org.vlunet.cli.Main;
import org.vlunet.clip.DegradationEncoder;
import org.vlunet.config.VluNetConfig;
import org.vlunet.data.ImageCodec;
import org.vlunet.data.RgbImage;
import org.vlunet.weights.StateDict;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The train command end to end on the CPU: configs/vlunet-tiny.json, a tiny random CLIP and adapter, tiny synthetic
 * noisy images in the authors' layout. A few dozen steps: the loss falls, checkpoints are written, validation is
 * logged, --resume continues with the same step counter and rate; bad input fails before any work.
 */
class TrainCommandSmokeTest {

    @TempDir
    static Path tmp;
    static Path data, clip, adapter, otherNet;

    /** Smooth random colour fields with a few edges, 32x32, and their σ=15 noisy uint8 versions. */
    @BeforeAll
    static void dataset() throws Exception {
        data = tmp.resolve("datasets");
        Random r = new Random(5);
        List<String> train = new ArrayList<>(), test = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int w = 32, h = 32;
            float[] clean = new float[3 * w * h], noisy = new float[3 * w * h];
            double fx = r.nextDouble() * 0.3, fy = r.nextDouble() * 0.3, cut = r.nextInt(w);
            for (int c = 0; c < 3; c++) {
                double base = r.nextDouble(), amp = 0.4 * r.nextDouble();
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        double v = base + amp * Math.sin(fx * x + fy * y + c) + (x > cut ? 0.2 : -0.2);
                        v = Math.round(Math.max(0, Math.min(1, v)) * 255) / 255.0;
                        clean[(c * h + y) * w + x] = (float) v;
                        noisy[(c * h + y) * w + x] = (float) (Math.round(Math.max(0, Math.min(255, v * 255 + 15 * r.nextGaussian()))) / 255.0);
                    }
                }
            }
            String dir = i < 6 ? "denoising_datasets/train" : "denoising_datasets/CBSD68/noisy15";
            Path cp = data.resolve(dir + "/clean_" + i + ".png"), np = data.resolve(dir + "/noisy_" + i + ".png");
            Files.createDirectories(cp.getParent());
            ImageCodec.writePng(new RgbImage(w, h, clean), cp);
            ImageCodec.writePng(new RgbImage(w, h, noisy), np);
            (i < 6 ? train : test).add("./" + data.relativize(np) + ",./" + data.relativize(cp));
        }
        Files.write(data.resolve("denoising_datasets/15_train_paths.txt"), train);
        Files.write(data.resolve("denoising_datasets/25_train_paths.txt"), train); // with no σ25 test list
        Files.write(data.resolve("denoising_datasets/CBSD68/15_test_paths.txt"), test);
        // a tiny random CLIP and adapter, saved as files the way finetune-clip and convert write them
        clip = tmp.resolve("clip_tiny.safetensors");
        adapter = tmp.resolve("adapter_tiny.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(11);
            DegradationEncoder enc = DegradationEncoder.create(VluNetConfig.load("vlunet-tiny").clip(), m);
            ModelWriter.openClip(clip, StateDict.save(enc.clip()), enc.config(), null);
            ModelWriter.adapters(adapter, StateDict.save(enc.adapter()), null);
            // the tiny network with five prompts: a checkpoint of another configuration than vlunet-tiny's seven
            var five = VluNetConfig.load("vlunet-tiny").model();
            five = new org.vlunet.config.ModelConfig(five.dim(), five.numBlocks(), five.numRefinementBlocks(), five.heads(),
                    five.ffnExpansionFactor(), 5, five.promptSize(), five.degradationDim());
            otherNet = tmp.resolve("tiny_de5.safetensors");
            org.vlunet.weights.Safetensors.write(otherNet, org.vlunet.weights.StateDict.save(new org.vlunet.model.VluNet(five).initialize(m)), java.util.Map.of());
        }
    }

    /** The smoke run's command line; {@code more} are option/value groups that replace the defaults here. */
    static List<String> args(String name, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--config", "vlunet-tiny", "--de_type", "denoise_15", "--de_dim", "7",
                "--patch_size", "16", "--batch_size", "4", "--epochs", "10", "--warmup_epochs", "1", "--lr", "2e-3",
                "--num_workers", "1", "--save_every", "2", "--data_root", data.toString(), "--ckpt_path", tmp.resolve("ckpt").toString(),
                "--output_path", tmp.resolve("out").toString(), "--name", name, "--clip_weights", clip.toString(),
                "--adapter", adapter.toString(), "--device", "cpu"));
        for (int i = 0; i < more.length; ) {
            int j = i + 1;
            while (j < more.length && !more[j].startsWith("--")) j++;
            int at = a.indexOf(more[i]);
            if (at >= 0) {
                int end = at + 1;
                while (end < a.size() && !a.get(end).startsWith("--")) end++;
                a.subList(at, end).clear();
            }
            a.addAll(List.of(more).subList(i, j));
            i = j;
        }
        return a;
    }

    static int train(List<String> args) {
        return new CommandLine(new Main()).execute(args.toArray(String[]::new));
    }

    static List<JsonNode> log(String name, String event) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(tmp.resolve("out/" + name + "/train_log.jsonl"))) {
            JsonNode n = TrainState.JSON.readTree(l);
            if (n.get("event").asText().equals(event)) out.add(n);
        }
        return out;
    }

    @Test
    void trainsCheckpointsAndResumes() throws Exception {
        // 6 pairs x3 (the authors' noise oversampling) = 18 samples: 4 batches of 4 per epoch
        assertEquals(0, train(args("smoke", "--max_steps", "24", "--val_every", "3", "--val_images", "2")));
        List<JsonNode> steps = log("smoke", "step");
        assertEquals(24, steps.size());
        assertEquals(4, log("smoke", "start").get(0).get("batches_per_epoch").asInt());
        double first = 0, last = 0;
        for (int i = 0; i < 4; i++) {
            first += steps.get(i).get("loss").asDouble();
            last += steps.get(20 + i).get("loss").asDouble();
        }
        assertTrue(last < 0.8 * first, "the loss falls: first four " + first / 4 + ", last four " + last / 4);
        Path dir = tmp.resolve("ckpt/smoke");
        assertTrue(Files.exists(dir.resolve("epoch_002.vlunet.safetensors")) && Files.exists(dir.resolve("epoch_004.vlunet.safetensors")));
        assertTrue(Files.exists(dir.resolve("last.vlunet.safetensors")));
        // the model checkpoint is a self-contained file of our format that the checkpoint reader accepts
        var ck = CheckpointReader.read(dir.resolve("last.vlunet.safetensors"));
        assertTrue(ck.hasBackbone() && ck.hasClip() && ck.hasImageAdapter(), ck.parts().toString());
        List<JsonNode> val = log("smoke", "val");
        assertEquals(2, val.size(), "validation after epochs 3 and 6");
        assertTrue(val.get(0).get("psnr").asDouble() > 10 && val.get(0).get("images").asInt() == 2, val.toString());

        TrainState state = TrainState.read(dir.resolve(Checkpoints.STATE));
        assertEquals(new Position(6, 0, 24), state.position());

        // a kill during a checkpoint write leaves a temporary file: the next start removes it, and nothing else
        Path stale = Files.writeString(dir.resolve(".last.state.safetensors.4242.vlunet.tmp"), "half a state");
        Path mine = Files.writeString(dir.resolve("notes.tmp"), "the user's");
        assertEquals(0, train(args("smoke", "--resume", "--max_steps", "28")));
        assertTrue(!Files.exists(stale) && Files.exists(mine), "stale temporary file removed, other files kept");
        List<JsonNode> resumed = log("smoke", "resume");
        assertEquals(24, resumed.get(0).get("step").asLong());
        List<JsonNode> all = log("smoke", "step");
        assertEquals(28, all.size());
        LrSchedule s = new LrSchedule(2e-3, 1, 10, 4);
        for (int i = 24; i < 28; i++) {
            assertEquals(i, all.get(i).get("step").asLong(), "the step counter continues");
            assertEquals(s.rate(i), all.get(i).get("lr").asDouble(), 1e-15, "the rate continues");
        }
        assertEquals(new Position(7, 0, 28), TrainState.read(dir.resolve(Checkpoints.STATE)).position());

        // the same run again without --resume would overwrite it: refused
        assertEquals(1, train(args("smoke", "--max_steps", "30")));
        // a different recipe cannot resume this run
        TrainException e = assertThrows(TrainException.class, () -> plan(args("smoke", "--resume", "--batch_size", "2")));
        assertTrue(e.getMessage().contains("another configuration") && e.getMessage().contains("batch_size 4 vs 2"), e.getMessage());
    }

    /**
     * A stop in the middle of an epoch (step 22 = epoch 5, batch 2) and --resume: the loader continues at the next
     * batch, so every later step sees the same batch, rate and loss as a run that never stopped.
     */
    @Test
    void resumeFromTheMiddleOfAnEpochContinuesWithoutAGap() throws Exception {
        assertEquals(0, train(args("straight", "--max_steps", "28")));
        assertEquals(0, train(args("mid", "--max_steps", "22")));
        assertEquals(new Position(5, 2, 22), TrainState.read(tmp.resolve("ckpt/mid").resolve(Checkpoints.STATE)).position());
        assertEquals(0, train(args("mid", "--resume", "--max_steps", "28")));
        JsonNode resume = log("mid", "resume").get(0);
        assertEquals(22, resume.get("step").asLong());
        assertEquals(5, resume.get("epoch").asInt());
        assertEquals(2, resume.get("batch").asInt());
        List<JsonNode> straight = log("straight", "step"), mid = log("mid", "step");
        assertEquals(28, mid.size());
        LrSchedule s = new LrSchedule(2e-3, 1, 10, 4);
        for (int i = 0; i < 28; i++) {
            assertEquals(i, mid.get(i).get("step").asLong(), "the step counter continues");
            assertEquals(i / 4, mid.get(i).get("epoch").asInt(), "step " + i);
            assertEquals(s.rate(i), mid.get(i).get("lr").asDouble(), 1e-15, "the rate continues");
            double a = straight.get(i).get("loss").asDouble(), b = mid.get(i).get("loss").asDouble();
            assertEquals(a, b, 1e-6 * Math.abs(a), "step " + i + ": the same batch as the uninterrupted run");
        }
        assertEquals(new Position(7, 0, 28), TrainState.read(tmp.resolve("ckpt/mid").resolve(Checkpoints.STATE)).position());
    }

    /**
     * A bare --resume takes the weight files the run started with; other weights given again are refused with the
     * run's own named; a whole model is accepted as --clip_weights (its CLIP taken, its network left out).
     */
    @Test
    void bareResumeUsesTheRunsWeightFiles() throws Exception {
        assertEquals(0, train(args("bare", "--max_steps", "4")));
        List<String> bare = argsWithout("--clip_weights");
        bare.remove(bare.indexOf("--adapter") + 1);
        bare.remove("--adapter");
        bare.set(bare.indexOf("bad"), "bare");
        Trainer.Plan p = plan(withMore(bare, "--resume", "--max_steps", "8"));
        assertEquals(clip.toAbsolutePath(), p.options().clipWeights().toAbsolutePath());
        assertEquals(adapter.toAbsolutePath(), p.options().adapter().toAbsolutePath());
        assertEquals(0, train(withMore(bare, "--resume", "--max_steps", "8")));
        assertEquals(4, log("bare", "resume").get(0).get("step").asLong());
        assertEquals(new Position(2, 0, 8), TrainState.read(tmp.resolve("ckpt/bare").resolve(Checkpoints.STATE)).position());

        // the run's own model file holds the same CLIP and adapter: accepted as --clip_weights and --adapter
        Path whole = tmp.resolve("ckpt/bare/last.vlunet.safetensors");
        p = plan(args("bare", "--resume", "--clip_weights", whole.toString(), "--adapter", whole.toString(), "--max_steps", "12"));
        assertTrue(p.weights().hasClip() && !p.weights().hasBackbone(), p.weights().parts().toString());

        Path other = tmp.resolve("adapter_other.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(12);
            ModelWriter.adapters(other, StateDict.save(DegradationEncoder.create(VluNetConfig.load("vlunet-tiny").clip(), m).adapter()), null);
        }
        TrainException e = assertThrows(TrainException.class,
                () -> plan(args("bare", "--resume", "--adapter", other.toString(), "--max_steps", "12")));
        assertTrue(e.getMessage().contains("other CLIP or adapter weights") && e.getMessage().contains("--adapter " + other)
                && e.getMessage().contains("leave those options out"), e.getMessage());
    }

    static List<String> withMore(List<String> a, String... more) {
        List<String> out = new ArrayList<>(a);
        out.addAll(List.of(more));
        return out;
    }

    /** The checks the command runs before any work. */
    static Trainer.Plan plan(List<String> a) {
        org.vlunet.cli.TrainCommand c = new org.vlunet.cli.TrainCommand();
        new CommandLine(c).parseArgs(a.subList(1, a.size()).toArray(String[]::new));
        return Trainer.plan(c.options());
    }

    @Test
    void defaultsAreTheAuthorsRecipe() {
        org.vlunet.cli.TrainCommand c = new org.vlunet.cli.TrainCommand();
        new CommandLine(c).parseArgs();
        TrainOptions o = c.options();
        assertEquals(new Recipe(List.of("denoise_15", "denoise_25", "denoise_50", "derain", "dehaze"), 5, 200, 4, 2e-4, 15, 128,
                0, 0, java.util.Map.of(), 0.9, 0.999, 1e-8, 0.01), o.recipe());
        assertEquals(5, o.saveEvery());
        assertEquals(Path.of("ckpt/VLUNet"), o.checkpointDir());
        new CommandLine(c).parseArgs("--de_type", "denoise_15,deblur");
        assertEquals(7, c.options().recipe().deDim(), "deblur needs the five-task network's seven prompts");
    }

    @Test
    void badInputFailsBeforeAnyWork() {
        assertMessage("unknown degradation 'denoise_99'", args("bad", "--de_type", "denoise_99"));
        assertMessage("--de_dim 5 does not match the configuration's deDim 7", argsWith("--de_dim", "5"));
        assertMessage("--de_dim 3 does not cover the classes: derain has class id 3", argsWith("--de_dim", "3", "--de_type", "derain"));
        assertMessage("training list is missing", args("bad", "--de_type", "derain"));
        assertMessage("no CLIP weights", argsWithout("--clip_weights"));
        assertMessage("does not fit the configuration", argsWith("--init", otherNet.toString()));
        assertMessage("--device gpu:3: gpu:3 does not exist", argsWith("--device", "gpu:3"));
        assertMessage("needs the test lists", args("bad", "--de_type", "denoise_15", "denoise_25", "--val_every", "1"));
        assertMessage("--repeat names derain, which is not in --de_type", argsWith("--de_type", "denoise_15", "--repeat", "derain=2"));
        if (Files.isDirectory(Path.of("/proc/self"))) { // Linux: nothing can be created in /proc
            assertMessage("--ckpt_path/--name /proc/vlunet/bad: cannot write in /proc", argsWith("--ckpt_path", "/proc/vlunet"));
            assertMessage("--output_path/--name /proc/vlunet/bad: cannot write in /proc", argsWith("--output_path", "/proc/vlunet"));
        }
        assertTrue(!Files.exists(tmp.resolve("ckpt/bad")), "nothing written");
    }

    static List<String> argsWith(String... more) {
        return args("bad", more);
    }

    static List<String> argsWithout(String option) {
        List<String> a = args("bad");
        int i = a.indexOf(option);
        a.remove(i + 1);
        a.remove(i);
        return a;
    }

    static void assertMessage(String part, List<String> a) {
        RuntimeException e = assertThrows(RuntimeException.class, () -> plan(a));
        assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
    }
}
