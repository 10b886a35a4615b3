package org.vlunet.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkFiles;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.vlunet.data.ImageCodec;
import org.vlunet.data.RgbImage;
import org.vlunet.infer.ImageRestorer;
import org.vlunet.infer.TiledRestorer;

import java.io.IOException;
import java.util.Iterator;
import java.util.Map;

/**
 * What an executor does with its share of the plan: for each image, skip it if its output exists, else read it,
 * restore it with the executor's model exactly as {@code restore} does, and write the PNG through a temporary
 * name. An image that cannot be read, decoded or restored is a {@code failed} row; the task goes on. Only a model
 * that cannot be loaded fails the task (and so the job): every image would fail the same way.
 */
final class ImageTask implements MapPartitionsFunction<Row, Row> {
    private final JobOptions options;
    private final String checkpointName, configName;
    private final Broadcast<Map<String, String>> hadoop;

    /**
     * @param checkpointName the checkpoint's file name among the job's files (SparkFiles)
     * @param configName     the configuration's file name among the job's files, or null to use {@code options.config()} as given
     */
    ImageTask(JobOptions options, String checkpointName, String configName, Broadcast<Map<String, String>> hadoop) {
        this.options = options;
        this.checkpointName = checkpointName;
        this.configName = configName;
        this.hadoop = hadoop;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> plan) {
        Configuration conf = new Configuration(false);
        hadoop.value().forEach(conf::set);
        TiledRestorer.Options restoreOptions = options.restoreOptions();
        return new Iterator<>() {
            private ExecutorModel model;

            @Override
            public boolean hasNext() {
                return plan.hasNext();
            }

            @Override
            public Row next() {
                Row r = plan.next();
                return process(r.getString(0), r.getLong(1), r.getString(2), r.isNullAt(3) ? null : r.getString(3));
            }

            private Row process(String input, long size, String output, String claimedBy) {
                long t0 = System.nanoTime();
                if (claimedBy != null) {
                    return Manifest.failed(input, size, output, "output " + output + " is already the output of " + claimedBy + " (same file stem)", 0);
                }
                Path target = new Path(output);
                try {
                    FileSystem outFs = target.getFileSystem(conf);
                    if (!options.overwrite() && outFs.exists(target)) return Manifest.skipped(input, size, output, millis(t0));
                    if (model == null) { // the first image to restore loads the model; its load is not the image's time
                        model = ExecutorModel.get(java.nio.file.Path.of(SparkFiles.get(checkpointName)),
                                configName == null ? options.config() : SparkFiles.get(configName), options.device());
                        t0 = System.nanoTime();
                    }
                    RgbImage img = ImageCodec.read(read(new Path(input), size, conf), input);
                    ImageRestorer.Result res = model.restore(img, restoreOptions);
                    OutputFiles.write(outFs, target, out -> ImageCodec.writePng(res.image(), out), options.overwrite());
                    return Manifest.restored(input, size, output, img.width(), img.height(), res.tiles(), res.readout(), millis(t0));
                } catch (IOException e) {
                    return Manifest.failed(input, size, output, input + ": " + oneLine(e), millis(t0));
                } catch (ModelLoadException e) {
                    throw e;
                } catch (RuntimeException e) {
                    String m = oneLine(e);
                    return Manifest.failed(input, size, output, m.startsWith(input) ? m : input + ": " + m, millis(t0));
                }
            }
        };
    }

    private static byte[] read(Path p, long size, Configuration conf) throws IOException {
        if (size > Integer.MAX_VALUE - 8) throw new IOException("file of " + size + " bytes is too large to decode in memory");
        FileSystem fs = p.getFileSystem(conf);
        byte[] b = new byte[(int) size];
        try (FSDataInputStream in = fs.open(p)) {
            in.readFully(0, b);
        }
        return b;
    }

    private static long millis(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }
}
