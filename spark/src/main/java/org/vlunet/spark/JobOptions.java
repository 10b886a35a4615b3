package org.vlunet.spark;

import org.vlunet.infer.TiledRestorer;

import java.io.Serializable;

/**
 * What one run of the job is asked to do, as plain values that travel with its tasks.
 *
 * @param input      folder (any Hadoop file system URI) whose images are restored, recursively
 * @param output     folder receiving each output under its input's relative path, as {@code <stem>.png}
 * @param manifest   Parquet folder of the manifest (null: {@code <output>/_manifest}); its summary is {@code <manifest>.json}
 * @param checkpoint any checkpoint the CLI reads; shipped to the executors with the job
 * @param config     configuration file or preset (null: stored in the checkpoint or inferred)
 * @param device     {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N} on each executor
 * @param glob       Spark's {@code pathGlobFilter} on file names
 * @param partitions tasks to spread the images over (0: four per core Spark offers)
 */
public record JobOptions(String input, String output, String manifest, String checkpoint, String config, String device,
                         String glob, int tile, int tileOverlap, long maxPixels, boolean overwrite, int partitions)
        implements Serializable {

    public JobOptions {
        if (partitions < 0) throw new IllegalArgumentException("--partitions must be >= 0, got " + partitions);
        if (device == null || device.isBlank() || device.contains(",")) {
            throw new IllegalArgumentException("--device " + device + ": the job runs one device per executor (auto, cpu, gpu or gpu:N)");
        }
        TiledRestorer.Options.of(tile, tileOverlap, maxPixels); // refuses bad tile settings before anything starts
    }

    /** The tiling and padding options, exactly as the {@code restore} command builds them. */
    public TiledRestorer.Options restoreOptions() {
        return TiledRestorer.Options.of(tile, tileOverlap, maxPixels);
    }

    public String manifestOrDefault() {
        return manifest != null ? manifest : output.replaceAll("/+$", "") + "/_manifest";
    }
}
