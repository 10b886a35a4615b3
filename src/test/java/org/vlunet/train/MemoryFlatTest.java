package org.vlunet.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.vlunet.clip.DegradationEncoder;
import org.vlunet.config.VluNetConfig;
import org.vlunet.model.VluNet;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Steps of the real network and frozen encoder leave nothing behind: the number of live arrays stays the same. */
class MemoryFlatTest {

    @Test
    void liveArraysStayConstantAcrossSteps() {
        VluNetConfig cfg = VluNetConfig.load("vlunet-tiny");
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Engine.getInstance().setRandomSeed(1);
            VluNet net = new VluNet(cfg.model()).initialize(m);
            DegradationEncoder enc = DegradationEncoder.create(cfg.clip(), m);
            List<Integer> live = new ArrayList<>();
            try (DataParallel<VluNet> dp = new DataParallel<>(List.of(new DataParallel.Replica<>(net, Device.cpu(), enc::features)),
                    VluNet::forward, m);
                 AdamW opt = new AdamW(dp.parameters(), AdamW.Settings.torchDefaults(), m)) {
                for (int s = 0; s < 5; s++) {
                    try (NDManager step = m.newSubManager()) {
                        TrainBatch b = new TrainBatch(step.randomUniform(0, 1, new Shape(2, 3, 16, 16)),
                                step.randomUniform(0, 1, new Shape(2, 3, 16, 16)),
                                step.randomUniform(0, 1, new Shape(2, 3, 224, 224)), new int[2]);
                        dp.zeroGrad();
                        dp.lossAndGradients(b);
                        opt.step(1e-3, dp.gradients(), 1.0);
                        dp.broadcast();
                    }
                    live.add(m.getManagedArrays().size());
                }
            }
            // the optimizer's state appears with the first step; from then on nothing accumulates
            for (int s = 1; s < live.size(); s++) assertEquals(live.get(0), live.get(s), "live arrays per step: " + live);
        }
    }
}
