package org.vlunet.train;

import org.vlunet.data.Degradation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What defines a training run's result: data, schedule and optimizer settings. Saved in every training
 * checkpoint; {@code --resume} requires the same recipe, so that the run continues exactly as it would have.
 * (Operational settings such as devices, workers, paths and --max_steps may change.)
 *
 * @param deTypes     degradation classes trained on (their keys)
 * @param deDim       number of degradation prompts of the network
 * @param batchSize   samples per optimizer step, over all devices together
 * @param repeat      oversampling factors that differ from the authors' (class key → factor)
 */
public record Recipe(List<String> deTypes, int deDim, int epochs, int batchSize, double lr, double warmupEpochs,
                     int patchSize, long seed, double gradClip, Map<String, Integer> repeat,
                     double beta1, double beta2, double eps, double weightDecay) {

    public Recipe {
        deTypes = List.copyOf(deTypes);
        repeat = repeat == null ? Map.of() : new TreeMap<>(repeat);
    }

    /** The authors' recipe for these classes; batch 4, patch 128. */
    public static Recipe authors(List<String> deTypes, int deDim) {
        return new Recipe(deTypes, deDim, 200, 4, 2e-4, 15, 128, 0, 0, Map.of(), 0.9, 0.999, 1e-8, 0.01);
    }

    public AdamW.Settings adamW() {
        return new AdamW.Settings(beta1, beta2, eps, weightDecay);
    }

    public List<Degradation> classes() {
        List<Degradation> out = new ArrayList<>();
        for (String k : deTypes) out.add(Degradation.of(k));
        return out;
    }

    /** Checks every value; throws {@link TrainException} naming the option and what was expected. */
    public Recipe validate() {
        need(!deTypes.isEmpty(), "--de_type needs at least one degradation");
        List<Degradation> classes = new ArrayList<>();
        for (String k : deTypes) {
            Degradation d;
            try {
                d = Degradation.of(k);
            } catch (IllegalArgumentException e) {
                throw new TrainException("--de_type: " + e.getMessage());
            }
            need(!classes.contains(d), "--de_type lists " + k + " twice");
            classes.add(d);
        }
        int maxId = classes.stream().mapToInt(d -> d.id).max().orElse(0);
        need(deDim > maxId, "--de_dim " + deDim + " does not cover the classes: " + Degradation.ofId(maxId).key
                + " has class id " + maxId + ", so --de_dim must be at least " + (maxId + 1));
        need(epochs >= 1, "--epochs must be >= 1, got " + epochs);
        need(batchSize >= 1, "--batch_size must be >= 1, got " + batchSize);
        need(lr > 0 && Double.isFinite(lr), "--lr must be a positive number, got " + lr);
        need(warmupEpochs >= 0 && warmupEpochs <= epochs, "--warmup_epochs must lie in [0, --epochs=" + epochs + "], got " + warmupEpochs);
        need(patchSize >= 16 && patchSize % 8 == 0, "--patch_size must be a multiple of 8 and at least 16, got " + patchSize);
        need(gradClip >= 0 && Double.isFinite(gradClip), "--grad_clip must be >= 0 (0 = off), got " + gradClip);
        for (Map.Entry<String, Integer> e : repeat.entrySet()) {
            Degradation d;
            try {
                d = Degradation.of(e.getKey());
            } catch (IllegalArgumentException ex) {
                throw new TrainException("--repeat: " + ex.getMessage());
            }
            need(classes.contains(d), "--repeat names " + e.getKey() + ", which is not in --de_type");
            need(e.getValue() >= 1, "--repeat " + e.getKey() + "=" + e.getValue() + ": the factor must be >= 1");
        }
        try {
            adamW();
        } catch (IllegalArgumentException e) {
            throw new TrainException(e.getMessage());
        }
        return this;
    }

    /** The fields that differ from {@code other}, as "name: this vs other" (empty when equal). */
    public List<String> differences(Recipe other) {
        List<String> out = new ArrayList<>();
        diff(out, "de_type", deTypes, other.deTypes);
        diff(out, "de_dim", deDim, other.deDim);
        diff(out, "epochs", epochs, other.epochs);
        diff(out, "batch_size", batchSize, other.batchSize);
        diff(out, "lr", lr, other.lr);
        diff(out, "warmup_epochs", warmupEpochs, other.warmupEpochs);
        diff(out, "patch_size", patchSize, other.patchSize);
        diff(out, "seed", seed, other.seed);
        diff(out, "grad_clip", gradClip, other.gradClip);
        diff(out, "repeat", repeat, other.repeat);
        diff(out, "betas", List.of(beta1, beta2), List.of(other.beta1, other.beta2));
        diff(out, "eps", eps, other.eps);
        diff(out, "weight_decay", weightDecay, other.weightDecay);
        return out;
    }

    private static void diff(List<String> out, String name, Object a, Object b) {
        if (!a.equals(b)) out.add(name + " " + a + " vs " + b);
    }

    private static void need(boolean ok, String message) {
        if (!ok) throw new TrainException(message);
    }
}
