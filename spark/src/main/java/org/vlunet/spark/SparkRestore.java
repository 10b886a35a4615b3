package org.vlunet.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.vlunet.cli.CheckpointOption;
import org.vlunet.cli.ConfigOption;
import org.vlunet.cli.DeviceOption;
import org.vlunet.cli.Main;
import org.vlunet.cli.TilingOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Locale;
import java.util.concurrent.Callable;

/** The Spark job's command line: {@code java -jar vlunet-spark.jar} (embedded Spark) or {@code spark-submit}. */
@Command(name = "vlunet-spark", mixinStandardHelpOptions = true,
        description = {"Restores every image under INPUT (any Hadoop file system: file:, hdfs:, s3a:, gs:) into OUTPUT under the same"
                + " relative paths as <stem>.png, exactly as `vlunet restore` does, on Spark: embedded (--master local[N]) or on the"
                + " cluster spark-submit runs it on. Outputs that exist are skipped unless --overwrite; a manifest (Parquet, one row per"
                + " image, and a JSON summary) says what happened to each image."})
public final class SparkRestore implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "INPUT", description = "folder of images, searched recursively")
    String input;

    @Parameters(index = "1", paramLabel = "OUTPUT", description = "output folder")
    String output;

    @Mixin
    CheckpointOption checkpoint = new CheckpointOption();

    @Mixin
    ConfigOption config = new ConfigOption();

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master, e.g. local[2] (default: spark-submit's, else local[*])")
    String master;

    @Option(names = "--glob", defaultValue = "*", paramLabel = "PATTERN",
            description = "only file names matching this glob, e.g. '*.jpg' (default ${DEFAULT-VALUE}; images as `restore` takes them from a folder)")
    String glob;

    @Mixin
    TilingOptions tiling = new TilingOptions();

    @Option(names = "--overwrite", description = "restore again images whose output exists")
    boolean overwrite;

    @Mixin
    DeviceOption device = new DeviceOption();

    @Option(names = "--manifest", paramLabel = "DIR", description = "manifest folder (Parquet; default OUTPUT/_manifest); the summary is DIR.json")
    String manifest;

    @Option(names = "--partitions", defaultValue = "0", paramLabel = "N", description = "tasks to spread the images over (default: 4 per core)")
    int partitions;

    @Option(names = "--fail_on_error", description = "exit with status 1 when any image failed (default: report and exit 0)")
    boolean failOnError;

    public static void main(String[] args) {
        // Netty (Spark's transport) reaches direct buffers reflectively on Java 17; the jar's manifest opens the packages.
        if (System.getProperty("io.netty.tryReflectionSetAccessible") == null) System.setProperty("io.netty.tryReflectionSetAccessible", "true");
        System.exit(Main.withOneLineErrors(new CommandLine(new SparkRestore())).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        JobOptions o = new JobOptions(input, output, manifest, checkpoint.ckpt, config.config, device.device, glob, tiling.tile, tiling.overlap, tiling.maxPixels, overwrite, partitions);
        boolean own = SparkSession.getDefaultSession().isEmpty(); // a session made by the caller stays open
        SparkSession spark = session(master);
        try {
            CollectionRestore.Summary s = CollectionRestore.run(spark, o);
            for (String[] f : s.failures()) System.err.println("error: " + f[1]);
            if (s.failed() > s.failures().size()) System.err.println("... and " + (s.failed() - s.failures().size()) + " more failures in the manifest");
            if (s.images() == 0) {
                System.err.println("vlunet-spark: no images under " + input + " (png, jpg, jpeg, bmp, tif, tiff, gif; --glob " + glob + ")");
                return 1;
            }
            System.out.printf(Locale.ROOT, "%d image(s): %d restored, %d skipped (output exists), %d failed in %.1f s; manifest %s, summary %s%n",
                    s.images(), s.restored(), s.skipped(), s.failed(), s.seconds(), s.manifest(), s.summaryFile());
            return s.failed() > 0 && failOnError ? 1 : 0;
        } finally {
            if (own) spark.stop();
        }
    }

    /** A session on the given master; without one, spark-submit's, else embedded on every core. */
    static SparkSession session(String master) {
        SparkConf conf = new SparkConf().setAppName("vlunet-restore");
        if (master != null) conf.setMaster(master);
        else if (!conf.contains("spark.master")) conf.setMaster("local[*]");
        if (conf.get("spark.master").startsWith("local")) {
            conf.setIfMissing("spark.ui.enabled", "false");
            conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        }
        return SparkSession.builder().config(conf).getOrCreate();
    }
}
