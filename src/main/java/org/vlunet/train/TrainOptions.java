package org.vlunet.train;

import java.nio.file.Path;

/**
 * Everything the {@code train} command was told: the {@link Recipe} (what the result depends on) and how to run
 * it (where, on what, how often to save and check).
 *
 * @param config      model configuration: a JSON file or preset name; null picks the paper's network for --de_dim
 * @param clipWeights CLIP weights (open_clip safetensors, or any checkpoint holding CLIP)
 * @param adapter     the DA adapter (finetune-clip output, clip_tuned.pth, or a checkpoint holding it)
 * @param init        a checkpoint to start from (backbone and, when present, CLIP and adapter); null: random init
 * @param resume      a training checkpoint ({@code last.state.safetensors}) to continue
 * @param valImages   validate on the first this-many images of each set (0: all)
 * @param cacheMb     decoded-image cache shared by the data workers, in MiB (0: none; negative: a quarter of the heap)
 */
public record TrainOptions(Recipe recipe, String config, Path dataRoot, Path outputPath, Path ckptPath, String name,
                           Path clipWeights, Path adapter, Path init, Path resume, String device, int numWorkers,
                           int saveEvery, int valEvery, int valImages, long maxSteps, long cacheMb) {

    /** The image cache budget in bytes. */
    public long cacheBytes() {
        return cacheMb < 0 ? Runtime.getRuntime().maxMemory() / 4 : cacheMb << 20;
    }

    /** Where this run's checkpoints go: {@code <ckpt_path>/<name>}. */
    public Path checkpointDir() {
        return ckptPath.resolve(name);
    }

    /** Where this run's log goes: {@code <output_path>/<name>}. */
    public Path outputDir() {
        return outputPath.resolve(name);
    }
}
