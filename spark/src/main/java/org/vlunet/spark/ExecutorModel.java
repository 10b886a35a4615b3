package org.vlunet.spark;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.vlunet.VluNetModel;
import org.vlunet.config.VluNetConfig;
import org.vlunet.data.RgbImage;
import org.vlunet.infer.ImageRestorer;
import org.vlunet.infer.TiledRestorer;
import org.vlunet.train.Devices;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The model of one executor JVM: loaded once, on the first image that needs it (through the same CPU kernel
 * checks as the commands), and shared by every task the executor runs. Tasks take turns on it: one network pass
 * at a time per model, while reading, decoding, encoding and writing of other tasks go on beside it. On the CPU
 * libtorch already spreads one pass over every core; on a GPU one pass at a time keeps memory bounded.
 */
final class ExecutorModel {
    private record Key(String checkpoint, String config, String device) {}

    private static final Map<Key, ExecutorModel> LOADED = new HashMap<>();

    private final VluNetModel model;

    private ExecutorModel(VluNetModel model) {
        this.model = model;
    }

    /** The executor's model for this checkpoint, configuration and device, loaded on first use. */
    static synchronized ExecutorModel get(Path checkpoint, String config, String deviceSpec) {
        String device = deviceOfTask(deviceSpec);
        Key key = new Key(checkpoint.toAbsolutePath().toString(), config, device);
        ExecutorModel m = LOADED.get(key);
        if (m == null) {
            try {
                VluNetConfig cfg = config == null ? null : VluNetConfig.load(config);
                m = new ExecutorModel(VluNetModel.load(checkpoint, cfg, one(device)));
            } catch (RuntimeException e) {
                throw new ModelLoadException("cannot load the model from " + checkpoint + ": " + ImageTask.oneLine(e), e);
            }
            LOADED.put(key, m);
        }
        return m;
    }

    /** Restores one decoded image; grad mode is per thread in PyTorch, so it is switched off on each task's thread. */
    synchronized ImageRestorer.Result restore(RgbImage img, TiledRestorer.Options options) {
        JniUtils.setGradMode(false);
        return new ImageRestorer(model, model.manager(), options).restore(img);
    }

    /** {@code gpu} becomes the GPU Spark's resource scheduling gave this task, where it gave one. */
    private static String deviceOfTask(String spec) {
        TaskContext tc = TaskContext.get();
        if (spec.equalsIgnoreCase("gpu") && tc != null) {
            ResourceInformation gpu = tc.resourcesJMap().get("gpu");
            if (gpu != null && gpu.addresses().length > 0) return "gpu:" + gpu.addresses()[0];
        }
        return spec;
    }

    private static Device one(String spec) {
        return Devices.parse(spec).get(0);
    }
}
