package org.vlunet.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.vlunet.config.VluNetConfig;
import org.vlunet.infer.RestoreJob;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.when;

/**
 * Restores every image under an input folder of any Hadoop file system into an output folder, on a Spark cluster
 * or embedded. The driver lists the images (Spark's {@code binaryFile} source, recursive, with the glob filter;
 * the same extensions as {@code restore} takes from a folder), gives each its output path, marks inputs whose
 * outputs would collide, and spreads them over tasks ({@link ImageTask}); the tasks' rows are the manifest.
 */
public final class CollectionRestore {

    /** How a run went; {@code failures} holds the first few failed inputs and their errors. */
    public record Summary(long images, long restored, long skipped, long failed, double seconds, long restoringMillis,
                          String manifest, String summaryFile, List<String[]> failures) {}

    static final int FAILURES_SHOWN = 20;

    private static final StructType PLAN = new StructType()
            .add("path", DataTypes.StringType, false)
            .add("size", DataTypes.LongType, false)
            .add("output", DataTypes.StringType, false);

    private CollectionRestore() {}

    public static Summary run(SparkSession spark, JobOptions o) throws IOException {
        long started = System.currentTimeMillis();
        Configuration hadoopConf = spark.sparkContext().hadoopConfiguration();
        Path in = qualified(new Path(o.input()), hadoopConf), out = qualified(new Path(o.output()), hadoopConf);
        FileSystem inFs = in.getFileSystem(hadoopConf);
        if (!inFs.exists(in)) throw new IllegalArgumentException("input " + o.input() + ": no such folder");
        if (!inFs.getFileStatus(in).isDirectory()) throw new IllegalArgumentException("input " + o.input() + ": not a folder");
        if (inside(out, in) || inside(in, out)) {
            throw new IllegalArgumentException("output " + out + " and input " + in + " must not contain one another (a rerun would take outputs for inputs)");
        }
        String manifest = qualified(new Path(o.manifestOrDefault()), hadoopConf).toString();
        refuseToReplace(new Path(manifest), hadoopConf);
        String checkpointName = ship(spark, o.checkpoint(), "--ckpt", hadoopConf);
        String configName = null;
        if (o.config() != null) {
            VluNetConfig.load(o.config()); // a bad file or preset name stops here, before any task
            if (new File(o.config()).isFile()) configName = ship(spark, o.config(), "--config", hadoopConf);
        }

        Dataset<Row> files = spark.read().format("binaryFile")
                .option("recursiveFileLookup", "true")
                .option("pathGlobFilter", o.glob())
                .load(in.toString())
                .select("path", "length"); // no content column: Spark lists without reading; tasks read what they restore
        String inRoot = in.toUri().getPath(), outRoot = out.toString();
        Dataset<Row> plan = files.flatMap((FlatMapFunction<Row, Row>) r -> outputOf(r, inRoot, outRoot), Encoders.row(PLAN));
        // Inputs whose outputs would be one file (a.jpg and a.png): the first by path is restored, the others fail.
        Column claimedBy = first("path").over(Window.partitionBy("output").orderBy("path"));
        plan = plan.withColumn("claimed_by", when(claimedBy.notEqual(col("path")), claimedBy));

        int partitions = o.partitions() > 0 ? o.partitions() : Math.max(1, 4 * spark.sparkContext().defaultParallelism());
        Map<String, String> conf = new HashMap<>();
        hadoopConf.forEach(e -> conf.put(e.getKey(), e.getValue()));
        Broadcast<Map<String, String>> hadoop = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(conf);
        Dataset<Row> rows = plan.repartition(partitions)
                .mapPartitions(new ImageTask(o, checkpointName, configName, hadoop), Encoders.row(Manifest.SCHEMA));

        // Writing the manifest is the one action that restores; the summary is read back from what was written, so
        // nothing is computed twice.
        rows.write().mode("overwrite").parquet(manifest);
        Dataset<Row> written = spark.read().parquet(manifest);
        Map<String, Long> counts = new HashMap<>();
        for (Row r : written.groupBy("status").count().collectAsList()) counts.put(r.getString(0), r.getLong(1));
        Row sum = written.filter(col("status").equalTo(Manifest.RESTORED)).agg(org.apache.spark.sql.functions.sum("millis")).first();
        long restoringMillis = sum.isNullAt(0) ? 0 : sum.getLong(0);
        List<String[]> failures = new ArrayList<>();
        for (Row r : written.filter(col("status").equalTo(Manifest.FAILED)).orderBy("path").select("path", "error").limit(FAILURES_SHOWN).collectAsList()) {
            failures.add(new String[] {r.getString(0), r.getString(1)});
        }
        OutputFiles.removeStaleTemporaries(out.getFileSystem(hadoopConf), out, started);

        long restored = counts.getOrDefault(Manifest.RESTORED, 0L), skipped = counts.getOrDefault(Manifest.SKIPPED, 0L),
                failed = counts.getOrDefault(Manifest.FAILED, 0L);
        double seconds = (System.currentTimeMillis() - started) / 1000.0;
        String summaryFile = manifest.replaceAll("/+$", "") + ".json";
        Summary s = new Summary(restored + skipped + failed, restored, skipped, failed, seconds, restoringMillis, manifest, summaryFile, failures);
        writeSummary(s, o, spark, new Path(summaryFile), hadoopConf);
        return s;
    }

    /** The plan row of one listed file: its output under the same relative path, or nothing if it is not an image. */
    static Iterator<Row> outputOf(Row file, String inRoot, String outRoot) {
        String path = file.getString(0);
        String p = new Path(path).toUri().getPath();
        String rel = p.startsWith(inRoot + "/") ? p.substring(inRoot.length() + 1) : new Path(path).getName();
        int slash = rel.lastIndexOf('/');
        String name = rel.substring(slash + 1);
        if (!RestoreJob.isImageName(name)) return java.util.Collections.emptyIterator();
        String target = new Path(new Path(outRoot), rel.substring(0, slash + 1) + RestoreJob.outputName(name)).toString();
        return List.of(RowFactory.create(path, file.getLong(1), target)).iterator();
    }

    /** Adds a file to the job's files (any Hadoop URI, or a local path) and returns its name there. */
    private static String ship(SparkSession spark, String file, String option, Configuration conf) throws IOException {
        Path p = new Path(file);
        String uri;
        if (p.toUri().getScheme() == null) {
            File f = new File(file);
            if (!f.isFile()) throw new IllegalArgumentException(option + " " + file + ": no such file");
            uri = f.getAbsoluteFile().toURI().toString();
        } else {
            if (!p.getFileSystem(conf).isFile(p)) throw new IllegalArgumentException(option + " " + file + ": no such file");
            uri = file;
        }
        spark.sparkContext().addFile(uri);
        return p.getName();
    }

    private static void writeSummary(Summary s, JobOptions o, SparkSession spark, Path file, Configuration conf) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode n = json.createObjectNode();
        n.put("input", o.input()).put("output", o.output()).put("checkpoint", o.checkpoint())
                .put("master", spark.sparkContext().master()).put("images", s.images()).put("restored", s.restored())
                .put("skipped", s.skipped()).put("failed", s.failed()).put("seconds", s.seconds())
                .put("restored_millis_sum", s.restoringMillis()).put("manifest", s.manifest());
        byte[] text = (json.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n").getBytes(StandardCharsets.UTF_8);
        OutputFiles.write(file.getFileSystem(conf), file, os -> os.write(text), true);
    }

    /** The manifest folder is replaced on each run: only if it holds nothing but an earlier (or a killed run's) manifest. */
    private static void refuseToReplace(Path dir, Configuration conf) throws IOException {
        FileSystem fs = dir.getFileSystem(conf);
        if (!fs.exists(dir)) return;
        if (!fs.getFileStatus(dir).isDirectory()) throw new IllegalArgumentException("--manifest " + dir + " is a file, not a manifest folder");
        for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(dir)) {
            String n = f.getPath().getName().replaceFirst("^\\.", "");
            boolean ours = f.isFile() ? n.startsWith("part-") || n.startsWith("_SUCCESS") || n.startsWith("_committed") || n.startsWith("_started")
                    : n.equals("_temporary"); // what Spark's commit leaves when a run is killed
            if (!ours) {
                throw new IllegalArgumentException("--manifest " + dir + " holds " + f.getPath().getName()
                        + ", not only an earlier manifest; it would be replaced: choose another folder");
            }
        }
    }

    private static Path qualified(Path p, Configuration conf) throws IOException {
        return p.getFileSystem(conf).makeQualified(p);
    }

    private static boolean inside(Path a, Path b) {
        String as = a.toString().replaceAll("/+$", ""), bs = b.toString().replaceAll("/+$", "");
        return as.equals(bs) || as.startsWith(bs + "/");
    }
}
