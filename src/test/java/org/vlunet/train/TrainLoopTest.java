package org.vlunet.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vlunet.config.ModelConfig;
import org.vlunet.config.VluNetConfig;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.Safetensors;
import org.vlunet.weights.StateDict;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loop's mechanics on a toy network: schedule, checkpoints, exact resume, stop requests, flat memory. */
class TrainLoopTest {

    static final int D = 6, PER_EPOCH = 4, BATCH = 3;

    /** Deterministic noisy batches: a function of (epoch, index) only. */
    static final class Stream implements TrainLoop.BatchStream<TrainBatch> {
        int epoch, index;

        Stream(Position start) {
            epoch = start.epoch();
            index = start.index();
        }

        public int batchesPerEpoch() {
            return PER_EPOCH;
        }

        public boolean hasNext() {
            return true;
        }

        public TrainLoop.Positioned<TrainBatch> next(NDManager m) {
            Random r = new Random(1000L * epoch + index);
            int n = BATCH * 3 * 8 * 8;
            float[] clean = new float[n], deg = new float[n], feat = new float[BATCH * D];
            for (int i = 0; i < n; i++) {
                clean[i] = (float) (0.5 + 0.3 * Math.sin(i * 0.05 + r.nextDouble()));
                deg[i] = clean[i] + (float) (0.2 * r.nextGaussian());
            }
            for (int i = 0; i < feat.length; i++) feat[i] = (float) r.nextGaussian();
            TrainBatch b = new TrainBatch(m.create(deg, new Shape(BATCH, 3, 8, 8)), m.create(clean, new Shape(BATCH, 3, 8, 8)),
                    m.create(feat, new Shape(BATCH, D)), new int[BATCH]);
            TrainLoop.Positioned<TrainBatch> p = new TrainLoop.Positioned<>(epoch, index, b);
            if (++index == PER_EPOCH) {
                index = 0;
                epoch++;
            }
            return p;
        }

        public void close() {}
    }

    static final Recipe RECIPE = new Recipe(List.of("denoise_15"), 5, 6, BATCH, 0.02, 1, 16, 0, 0, Map.of(), 0.9, 0.999, 1e-8, 0.01);
    static final VluNetConfig CONFIG = new VluNetConfig(ModelConfig.paper(5), null);

    /** A run from scratch or from a state file; returns the final weights. */
    static Map<String, HostTensor> run(Path dir, long maxSteps, Path resume, StopSignal stop, List<TrainLoop.Outcome> outcomes) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            m.getEngine().setRandomSeed(3);
            ToyNet net = new ToyNet(D).initialize(m);
            try (DataParallel<ToyNet> dp = new DataParallel<>(List.of(new DataParallel.Replica<>(net, Device.cpu(), f -> f.duplicate())),
                    ToyNet::forward, m);
                 AdamW opt = new AdamW(dp.parameters(), RECIPE.adamW(), m);
                 TrainLog log = new TrainLog(dir.resolve("log.jsonl"))) {
                Position start = Position.START;
                if (resume != null) {
                    TrainState s = TrainState.read(resume);
                    s.checkResumable(resume, CONFIG, RECIPE, PER_EPOCH);
                    StateDict.load(net, s.net(), true, "state");
                    opt.loadState(s.optimizer(), "state");
                    start = s.position();
                }
                LrSchedule schedule = new LrSchedule(RECIPE.lr(), RECIPE.warmupEpochs(), RECIPE.epochs(), PER_EPOCH);
                Checkpoints<ToyNet> files = new Checkpoints<>(dir, "safetensors",
                        (target, next) -> Safetensors.write(target, StateDict.save(net), Map.of()), dp, opt, CONFIG, RECIPE, PER_EPOCH, Map.of(), log);
                List<Integer> live = new java.util.ArrayList<>();
                TrainLoop.Checkpointer ck = (p, e) -> {
                    live.add(m.getManagedArrays().size());
                    files.save(p, e);
                };
                PrintStream err = new PrintStream(new ByteArrayOutputStream());
                TrainLoop<TrainBatch> loop = new TrainLoop<>(RECIPE, new TrainLoop.Settings(2, 0, maxSteps), dp, opt, schedule, m,
                        ck, null, log, new ProgressBar(err, false), stop);
                try (Stream data = new Stream(start)) {
                    outcomes.add(loop.run(start, data));
                    assertTrue(live.stream().distinct().count() <= 1, "arrays alive at each checkpoint: " + live);
                }
                return StateDict.save(net);
            }
        }
    }

    static List<String> lines(Path log, String event) throws Exception {
        return Files.readAllLines(log).stream().filter(l -> l.contains("\"event\":\"" + event + "\"")).toList();
    }

    @Test
    void resumeContinuesExactly(@TempDir Path tmp) throws Exception {
        List<TrainLoop.Outcome> out = new java.util.ArrayList<>();
        Map<String, HostTensor> straight = run(tmp.resolve("a"), 0, null, null, out);
        assertEquals(TrainLoop.Outcome.DONE, out.get(0).reason());
        assertEquals(24, out.get(0).position().step());
        List<String> steps = lines(tmp.resolve("a/log.jsonl"), "step");
        assertEquals(24, steps.size());
        double first = TrainState.JSON.readTree(steps.get(1)).get("loss").asDouble();
        double last = TrainState.JSON.readTree(steps.get(23)).get("loss").asDouble();
        assertTrue(last < 0.85 * first, "loss falls: " + first + " -> " + last);
        assertEquals(0.0, TrainState.JSON.readTree(steps.get(0)).get("lr").asDouble(), "warm-up starts at 0");
        assertTrue(Files.exists(tmp.resolve("a/epoch_002.safetensors")) && Files.exists(tmp.resolve("a/epoch_006.safetensors")));
        assertTrue(!Files.exists(tmp.resolve("a/epoch_003.safetensors")));

        run(tmp.resolve("b"), 10, null, null, out);
        assertEquals(TrainLoop.Outcome.MAX_STEPS, out.get(1).reason());
        TrainState mid = TrainState.read(tmp.resolve("b").resolve(Checkpoints.STATE));
        assertEquals(new Position(2, 2, 10), mid.position());
        Map<String, HostTensor> resumed = run(tmp.resolve("b"), 0, tmp.resolve("b").resolve(Checkpoints.STATE), null, out);
        assertEquals(24, out.get(2).position().step());
        for (String k : straight.keySet()) assertArrayEquals(straight.get(k).toFloats(), resumed.get(k).toFloats(), k);
        // the resumed run logs steps 10.. with the same rates as the straight run
        List<String> b = lines(tmp.resolve("b/log.jsonl"), "step");
        assertEquals(24, b.size());
        for (int i = 0; i < 24; i++) {
            assertEquals(TrainState.JSON.readTree(steps.get(i)).get("lr").asDouble(), TrainState.JSON.readTree(b.get(i)).get("lr").asDouble());
            assertEquals(i, TrainState.JSON.readTree(b.get(i)).get("step").asInt());
            assertEquals(TrainState.JSON.readTree(steps.get(i)).get("loss").asDouble(), TrainState.JSON.readTree(b.get(i)).get("loss").asDouble(), 0.0);
        }
    }

    @Test
    void stopRequestFinishesTheStepAndSaves(@TempDir Path tmp) {
        StopSignal stop = new StopSignal();
        stop.request();
        List<TrainLoop.Outcome> out = new java.util.ArrayList<>();
        run(tmp, 0, null, stop, out);
        assertEquals(TrainLoop.Outcome.STOPPED, out.get(0).reason());
        assertEquals(0, TrainState.read(tmp.resolve(Checkpoints.STATE)).position().step());
    }

    @Test
    void resumeRejectsAnotherConfiguration(@TempDir Path tmp) {
        run(tmp, 3, null, null, new java.util.ArrayList<>());
        TrainState s = TrainState.read(tmp.resolve(Checkpoints.STATE));
        Recipe other = new Recipe(List.of("denoise_15"), 5, 6, 8, 0.02, 1, 16, 0, 0, Map.of(), 0.9, 0.999, 1e-8, 0.01);
        TrainException e = assertThrows(TrainException.class, () -> s.checkResumable(tmp, CONFIG, other, PER_EPOCH));
        assertTrue(e.getMessage().contains("batch_size 3 vs 8"), e.getMessage());
        e = assertThrows(TrainException.class, () -> s.checkResumable(tmp, new VluNetConfig(ModelConfig.paper(7), null), RECIPE, PER_EPOCH));
        assertTrue(e.getMessage().contains("another configuration"), e.getMessage());
        e = assertThrows(TrainException.class, () -> TrainState.read(tmp.resolve("last.safetensors")));
        assertTrue(e.getMessage().contains("not a training checkpoint"), e.getMessage());
    }

    /** A validation image that cannot be scored does not stop training; the outcome and the log carry it. */
    @Test
    void validationFailuresReachTheOutcomeAndTheLog(@TempDir Path tmp) throws Exception {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            ToyNet net = new ToyNet(D).initialize(m);
            try (DataParallel<ToyNet> dp = new DataParallel<>(List.of(new DataParallel.Replica<>(net, Device.cpu(), f -> f.duplicate())),
                    ToyNet::forward, m);
                 AdamW opt = new AdamW(dp.parameters(), RECIPE.adamW(), m);
                 TrainLog log = new TrainLog(tmp.resolve("log.jsonl"));
                 Stream data = new Stream(Position.START)) {
                TrainLoop.Validator val = () -> List.of(new TrainLoop.SetScore("Rain Derain", Double.NaN, Double.NaN, 0, 2, "image 0: NaN"));
                TrainLoop<TrainBatch> loop = new TrainLoop<>(RECIPE, new TrainLoop.Settings(0, 1, 2L * PER_EPOCH), dp, opt,
                        new LrSchedule(0.02, 1, RECIPE.epochs(), PER_EPOCH), m, (p, e) -> {}, val, log, null, null);
                TrainLoop.Outcome out = loop.run(Position.START, data);
                assertEquals(2L * PER_EPOCH, out.position().step(), "training went on");
                assertEquals(4, out.validationFailures(), "two validations, two failed images each");
            }
        }
        List<String> val = lines(tmp.resolve("log.jsonl"), "val");
        assertEquals(2, val.size());
        var n = TrainState.JSON.readTree(val.get(0));
        assertTrue(n.get("psnr").isNull() && n.get("failed").asInt() == 2, val.get(0));
    }

    @Test
    void nonFiniteLossStopsBeforeTheUpdate() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            ToyNet net = new ToyNet(D).initialize(m);
            try (DataParallel<ToyNet> dp = new DataParallel<>(List.of(new DataParallel.Replica<>(net, Device.cpu(), f -> f.duplicate())),
                    ToyNet::forward, m);
                 AdamW opt = new AdamW(dp.parameters(), RECIPE.adamW(), m)) {
                TrainLoop<TrainBatch> loop = new TrainLoop<>(RECIPE, new TrainLoop.Settings(0, 0, 0), dp, opt,
                        new LrSchedule(0.1, 0, 1, 1), m, (p, e) -> {}, null, null, null, null);
                float[] before = net.conv1.getArray().toFloatArray();
                NDArray nan = m.full(new Shape(1, 3, 8, 8), Float.NaN);
                TrainBatch b = new TrainBatch(nan, m.zeros(new Shape(1, 3, 8, 8)), m.ones(new Shape(1, D)), new int[1]);
                TrainException e = assertThrows(TrainException.class, () -> loop.step(b, 0.1, Position.START));
                assertTrue(e.getMessage().contains("loss is NaN"), e.getMessage());
                assertArrayEquals(before, net.conv1.getArray().toFloatArray());
            }
        }
    }

    @Test
    void lossesReadLateStillGuardEveryUpdate() {
        // as on a GPU: losses are read every 3 steps; a NaN loss's update is skipped on the device, and the read stops the run
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            ToyNet net = new ToyNet(D).initialize(m);
            try (DataParallel<ToyNet> dp = new DataParallel<>(List.of(new DataParallel.Replica<>(net, Device.cpu(), f -> f.duplicate())),
                    ToyNet::forward, m);
                 AdamW opt = new AdamW(dp.parameters(), RECIPE.adamW(), m)) {
                TrainLoop<TrainBatch> loop = new TrainLoop<>(RECIPE, new TrainLoop.Settings(0, 0, 0, 3), dp, opt,
                        new LrSchedule(0.1, 0, 1, 3), m, (p, e) -> {}, null, null, null, null);
                TrainBatch good = new TrainBatch(m.randomUniform(0, 1, new Shape(1, 3, 8, 8)), m.zeros(new Shape(1, 3, 8, 8)),
                        m.ones(new Shape(1, D)), new int[1]);
                TrainBatch bad = new TrainBatch(m.full(new Shape(1, 3, 8, 8), Float.NaN), m.zeros(new Shape(1, 3, 8, 8)),
                        m.ones(new Shape(1, D)), new int[1]);
                Position p0 = Position.START, p1 = p0.next(3), p2 = p1.next(3);
                loop.step(good, 0.1, p0);
                float[] before = net.conv1.getArray().toFloatArray();
                loop.step(bad, 0.1, p1); // not read yet: no exception
                assertArrayEquals(before, net.conv1.getArray().toFloatArray(), "the NaN step changed no weight");
                TrainException e = assertThrows(TrainException.class, () -> loop.step(good, 0.1, p2));
                assertTrue(e.getMessage().contains("loss is NaN at epoch 0 batch 1 (step 1)"), e.getMessage());
                assertTrue(e.getMessage().contains("1 later step ran before it was read"), e.getMessage());
                assertTrue(Double.isFinite(loop.readLosses()), "nothing left pending; the last finite loss stays");
            }
        }
    }
}
