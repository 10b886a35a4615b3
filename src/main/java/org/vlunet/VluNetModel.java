package org.vlunet;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.vlunet.checkpoint.Checkpoint;
import org.vlunet.checkpoint.CheckpointReader;
import org.vlunet.checkpoint.Provenance;
import org.vlunet.checkpoint.ReferenceLayout;
import org.vlunet.checkpoint.ModelWriter;
import org.vlunet.clip.ClipPreprocessor;
import org.vlunet.clip.ClipTokenizer;
import org.vlunet.clip.DegradationEncoder;
import org.vlunet.config.VluNetConfig;
import org.vlunet.data.Degradation;
import org.vlunet.engine.CpuKernels;
import org.vlunet.data.RgbImage;
import org.vlunet.infer.ImageModel;
import org.vlunet.infer.Readout;
import org.vlunet.model.VluNet;
import org.vlunet.weights.HostTensor;
import org.vlunet.weights.StateDict;
import org.vlunet.weights.WeightsException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole VLU-Net: the restoration network, the degradation encoder (CLIP + DA adapter), the configuration
 * and the classes, on one device: fresh, loaded from any supported checkpoint, or one of a training run's replicas.
 * The single path by which the restore and test commands and training (its replicas and validation) build and run
 * the model: {@code restored = net(image, adapter(CLIP(preprocess(image))))}.
 * As an {@link ImageModel} it conditions on a whole image once, so every tile of it gets the same guidance.
 */
public final class VluNetModel implements ImageModel, AutoCloseable {

    private final NDManager manager;
    private final VluNetConfig config;
    private final VluNet net;
    private final DegradationEncoder encoder;
    private final List<String> prompts;
    private final boolean textAdapter;
    private final Provenance provenance;
    private final Path source;
    private NDArray promptFeatures;

    private VluNetModel(NDManager manager, VluNetConfig config, VluNet net, DegradationEncoder encoder, List<String> prompts,
                        boolean textAdapter, Provenance provenance, Path source) {
        this.manager = manager;
        this.config = config;
        this.net = net;
        this.encoder = encoder;
        this.prompts = prompts;
        this.textAdapter = textAdapter;
        this.provenance = provenance;
        this.source = source;
    }

    /**
     * Loads a checkpoint of any supported kind. {@code config} (may be null) overrides what the file stores or its
     * shapes say; the file must hold the backbone, CLIP and the image adapter (the text adapter is optional).
     */
    public static VluNetModel load(Path checkpoint, VluNetConfig config, Device device) {
        return load(CheckpointReader.read(checkpoint), config, device);
    }

    /** As {@link #load(Path, VluNetConfig, Device)} from (possibly merged) checkpoint parts. */
    public static VluNetModel load(Checkpoint checkpoint, VluNetConfig config, Device device) {
        Checkpoint ck = settle(checkpoint, config, true);
        CpuKernels.prepare();
        return assemble(ck, ck.backbone(), NDManager.newBaseManager(device), false);
    }

    /**
     * The models a data-parallel training run steps, one per device, each on a sub-manager of {@code root}: CLIP
     * and the image adapter from {@code weights} (required), the backbone too where it holds one, else initialised
     * on the first device and copied to the others, so that every replica starts the same. Their CPU kernels are
     * checked for the backward pass too.
     */
    public static List<VluNetModel> replicas(Checkpoint weights, VluNetConfig config, List<Device> devices, NDManager root) {
        Checkpoint ck = settle(weights, config, false);
        CpuKernels.prepare();
        List<VluNetModel> out = new ArrayList<>();
        Map<String, HostTensor> backbone = ck.hasBackbone() ? ck.backbone() : null;
        try {
            for (Device d : devices) {
                out.add(assemble(ck, backbone, root.newSubManager(d), true));
                if (backbone == null) backbone = StateDict.save(out.get(0).net());
            }
        } catch (RuntimeException e) {
            out.forEach(VluNetModel::close);
            throw e;
        }
        return out;
    }

    /** A model with every part at its default initialisation (for training from scratch and tests). */
    public static VluNetModel create(VluNetConfig config, Device device) {
        Checkpoint empty = Checkpoint.of(Map.of(), Map.of(), Map.of(), config.validate(), null, null).resolve(null);
        if (empty.config().clip() == null) throw new WeightsException("configuration needs a \"clip\" section");
        CpuKernels.prepare();
        return assemble(empty, null, NDManager.newBaseManager(device), false);
    }

    /** The checkpoint with its configuration settled, refused unless it holds CLIP, the image adapter and (if asked) the backbone. */
    private static Checkpoint settle(Checkpoint checkpoint, VluNetConfig config, boolean needBackbone) {
        Checkpoint ck = checkpoint.resolve(config);
        List<String> lacking = new ArrayList<>();
        if (!ck.hasBackbone() && needBackbone) lacking.add("the backbone (net.*)");
        if (!ck.hasClip()) lacking.add("CLIP (clip_model.* / open_clip keys)");
        if (!ck.hasImageAdapter()) lacking.add("the image adapter (ad_imageEncoder.adapter.*)");
        if (!lacking.isEmpty()) {
            throw new WeightsException(where(ck) + ": lacks " + String.join(", ", lacking) + " (holds " + describeParts(ck)
                    + "); give a checkpoint with all parts, or several files to combine with convert");
        }
        if (ck.config() == null || ck.config().clip() == null) {
            throw new WeightsException(where(ck) + ": the configuration is unknown; give --config");
        }
        return ck;
    }

    /**
     * The one place a VLU-Net is put together: the network (its {@code backbone} loaded if given), the encoder with
     * whatever CLIP and adapter weights {@code ck} holds, on {@code manager}, which the model then owns (closed if
     * this fails). The order of the random initialisations is fixed here, so a seeded run starts the same.
     */
    private static VluNetModel assemble(Checkpoint ck, Map<String, HostTensor> backbone, NDManager manager, boolean backward) {
        String where = where(ck);
        try {
            VluNetConfig cfg = ck.config();
            VluNet net = new VluNet(cfg.model()).initialize(manager);
            if (backbone != null) StateDict.load(net, backbone, true, where + " (backbone)");
            DegradationEncoder encoder = DegradationEncoder.create(cfg.clip(), manager);
            if (ck.hasClip()) encoder.loadClip(ck.clip(), where + " (CLIP)");
            if (!ck.adapter().isEmpty()) {
                StateDict.Report r = StateDict.load(encoder.adapter(), ck.adapter(), false, where + " (adapter)");
                List<String> missing = r.missing().stream()
                        .filter(k -> !(k.startsWith(ReferenceLayout.TEXT_ADAPTER) && !ck.hasTextAdapter())
                                && !(k.startsWith(ReferenceLayout.IMAGE_ADAPTER) && !ck.hasImageAdapter())).toList();
                if (!missing.isEmpty() || !r.unexpected().isEmpty()) {
                    throw new WeightsException(where + " (adapter) does not fit the model: "
                            + new StateDict.Report(missing, r.unexpected(), r.mismatched()).describe());
                }
            }
            if (!manager.getDevice().isGpu()) { // the engine's kernels, checked before their first op (see CpuKernels)
                CpuKernels.verify(net, backward);
                CpuKernels.verify(encoder.clip(), false);
            }
            // a fresh adapter has both towers
            boolean text = ck.hasTextAdapter() || !ck.hasImageAdapter();
            return new VluNetModel(manager, cfg, net, encoder, ck.prompts(), text, ck.provenance(), ck.path());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static String where(Checkpoint ck) {
        return ck.path() == null ? "checkpoint" : ck.path().toString();
    }

    private static String describeParts(Checkpoint ck) {
        return ck.parts().isEmpty() ? "none of them" : String.join(", ", ck.parts());
    }

    public VluNetConfig config() {
        return config;
    }

    public VluNet net() {
        return net;
    }

    public DegradationEncoder encoder() {
        return encoder;
    }

    /** The manager holding every parameter (on the model's device). */
    public NDManager manager() {
        return manager;
    }

    public Device device() {
        return manager.getDevice();
    }

    /** The degradation classes in GDM order. */
    public List<Degradation> classes() {
        return config.degradations().stream().map(Degradation::of).toList();
    }

    /** The text adapter's prompts in logit order (null when unknown). */
    public List<String> prompts() {
        return prompts;
    }

    public boolean hasTextAdapter() {
        return textAdapter;
    }

    /** Where the weights came from (null when unknown or made here). */
    public Provenance provenance() {
        return provenance;
    }

    /** The checkpoint file loaded (null for {@link #create}). */
    public Path source() {
        return source;
    }

    // ---- running ---------------------------------------------------------------------------------------------

    /** CLIP's input for one degraded image (3·S·S values): resized, centre-cropped and normalised as open_clip does. */
    public float[] clipInput(RgbImage image) {
        return ClipPreprocessor.preprocess(image, config.clip().vision().imageSize());
    }

    /** CLIP's input (b, 3, S, S) for images (b, 3, H, W) in [0, 1], each as {@link #clipInput(RgbImage)}, on the model's device. */
    public NDArray clipInput(NDArray image01) {
        long[] s = checkImage(image01);
        int b = (int) s[0], h = (int) s[2], w = (int) s[3];
        float[] all = image01.toFloatArray();
        List<float[]> pre = new ArrayList<>(b);
        int n = 3 * h * w;
        for (int i = 0; i < b; i++) {
            float[] px = new float[n];
            System.arraycopy(all, i * n, px, 0, n);
            pre.add(clipInput(new RgbImage(w, h, px)));
        }
        return onDevice(clipBatch(image01.getManager(), pre));
    }

    private NDArray clipBatch(NDManager manager, List<float[]> inputs) {
        return ClipPreprocessor.stack(manager, inputs, config.clip().vision().imageSize());
    }

    /** The degradation feature d = image adapter(CLIP(clip input)), (b, 512), for images (b, 3, H, W) in [0, 1]. */
    public NDArray features(NDArray image01) {
        return encoder.features(clipInput(image01));
    }

    /** The restored images (b, 3, H, W), not clamped; H and W multiples of 8. */
    public NDArray restore(NDArray image01) {
        NDArray image = onDevice(image01);
        return net.forward(image, features(image));
    }

    /** As {@link #restore(NDArray)} with the degradation features already computed. */
    public NDArray restore(NDArray image01, NDArray features) {
        return net.forward(onDevice(image01), features);
    }

    /** One image through the whole model, on a scope of its own; the result is clamped to [0, 1] only if asked. */
    public RgbImage restore(RgbImage image, boolean clamp) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.create(image.pixels(), new Shape(1, 3, image.height(), image.width()));
            RgbImage out = new RgbImage(image.width(), image.height(), restore(x).toFloatArray());
            return clamp ? out.clamped() : out;
        }
    }

    /**
     * What the model reads off the degradation features (b, 512): the stage-1 GDM's softmax weights over the
     * classes and, with a text adapter, the softmax of the prompt-match logits (image · text features).
     */
    public BatchReadout readout(NDArray features) {
        NDArray f = onDevice(features);
        float[][] gdm = rows(net.gdmWeights(f));
        float[][] clip = null;
        if (textAdapter && prompts != null) {
            clip = rows(f.matMul(promptFeaturesT()).softmax(-1));
        }
        List<Degradation> promptClasses = prompts == null ? null : prompts.stream().map(VluNetModel::classOfPrompt).toList();
        return new BatchReadout(classes(), gdm, prompts, promptClasses, clip);
    }

    /** A batch's read-out, one row per image: GDM class weights and CLIP prompt probabilities (null without a text adapter). */
    public record BatchReadout(List<Degradation> classes, float[][] gdm, List<String> prompts, List<Degradation> promptClasses, float[][] clip) {
        /** The class the GDM weighs most for image {@code i}. */
        public Degradation gdmClass(int i) {
            return classes.get(argmax(gdm[i]));
        }

        /** The class of the best-matching prompt for image {@code i} (null without prompts). */
        public Degradation clipClass(int i) {
            return clip == null ? null : promptClasses.get(argmax(clip[i]));
        }

        /** Image {@code i}'s read-out keyed by class name, in the model's class order (CLIP's in prompt order). */
        public Readout readout(int i) {
            Map<String, Double> g = new LinkedHashMap<>();
            for (int k = 0; k < classes.size(); k++) g.put(classes.get(k).key, (double) gdm[i][k]);
            Map<String, Double> c = null;
            if (clip != null) {
                c = new LinkedHashMap<>();
                for (int k = 0; k < promptClasses.size(); k++) {
                    Degradation d = promptClasses.get(k);
                    c.put(d == null ? prompts.get(k) : d.key, (double) clip[i][k]);
                }
            }
            return new Readout(g, c);
        }
    }

    // ---- as the restore and test tools use it ------------------------------------------------------------------

    /** Computes the degradation feature of the whole image (1, 3, H, W) once; tiles of it are restored under it. */
    @Override
    public Conditioned condition(NDArray image01) {
        return conditioned(features(image01));
    }

    /** As above from the host image: only CLIP's preprocessed input goes to the device, never the whole image. */
    @Override
    public Conditioned condition(RgbImage image, NDManager manager) {
        return conditioned(encoder.features(onDevice(clipBatch(manager, List.of(clipInput(image))))));
    }

    private Conditioned conditioned(NDArray f) {
        BatchReadout r = readout(f);
        return new Conditioned(batch -> {
            long n = batch.getShape().get(0);
            NDArray d = n == f.getShape().get(0) ? f : f.get("0:1").repeat(0, n);
            return net.forward(onDevice(batch), d);
        }, r.readout(0));
    }

    @Override
    public int sizeMultiple() {
        return 8;
    }

    /** The prompts' text features, transposed (512, k), made once (an op on a cached array would leave its result here). */
    private NDArray promptFeaturesT() {
        if (promptFeatures == null) {
            try (NDManager scope = manager.newSubManager()) {
                NDArray tokens = ClipTokenizer.shared().tokenize(scope, prompts);
                NDArray t = encoder.textFeatures(tokens).transpose();
                t.attach(manager);
                promptFeatures = t;
            }
        }
        return promptFeatures;
    }

    private static Degradation classOfPrompt(String prompt) {
        for (Degradation d : Degradation.values()) if (d.prompt.equals(prompt)) return d;
        return null;
    }

    private NDArray onDevice(NDArray a) {
        return a.getDevice().equals(device()) ? a : a.toDevice(device(), false);
    }

    private static long[] checkImage(NDArray image01) {
        long[] s = image01.getShape().getShape();
        if (s.length != 4 || s[1] != 3) {
            throw new IllegalArgumentException("images must be (batch, 3, height, width), got " + image01.getShape());
        }
        return s;
    }

    private static float[][] rows(NDArray a) {
        long[] s = a.getShape().getShape();
        float[] v = a.toFloatArray();
        float[][] out = new float[(int) s[0]][(int) s[1]];
        for (int i = 0; i < out.length; i++) System.arraycopy(v, i * out[i].length, out[i], 0, out[i].length);
        return out;
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    // ---- saving ----------------------------------------------------------------------------------------------

    /** The model's weights as a checkpoint (text adapter included only if the model has one). */
    public Checkpoint toCheckpoint(Provenance provenance) {
        LinkedHashMap<String, HostTensor> adapter = new LinkedHashMap<>();
        StateDict.save(encoder.adapter()).forEach((k, v) -> {
            if (textAdapter || !k.startsWith(ReferenceLayout.TEXT_ADAPTER)) adapter.put(k, v);
        });
        List<String> p = prompts;
        return Checkpoint.of(StateDict.save(net), StateDict.save(encoder.clip()), adapter, config, p, provenance);
    }

    /** Writes the whole model in our format through {@link ModelWriter}, atomically. */
    public void save(Path file, Provenance provenance) {
        ModelWriter.write(file, toCheckpoint(provenance), provenance);
    }

    @Override
    public void close() {
        manager.close();
    }
}
