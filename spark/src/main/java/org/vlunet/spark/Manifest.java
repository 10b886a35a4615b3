package org.vlunet.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.vlunet.infer.Readout;
import scala.jdk.javaapi.CollectionConverters;

import java.util.Map;

/**
 * The manifest: one row per input image. {@code status} is {@code restored}, {@code skipped} (its output existed)
 * or {@code failed} with the one-line {@code error}; {@code readout} is what the degradation encoder saw, as the
 * {@code restore} command prints it, and {@code gdm}/{@code clip} its class probabilities; {@code millis} is the
 * image's wall time in its task (reading to writing, waiting for the executor's shared model included; the model's
 * load is not counted).
 */
final class Manifest {
    static final String RESTORED = "restored", SKIPPED = "skipped", FAILED = "failed";

    static final StructType SCHEMA = new StructType()
            .add("path", DataTypes.StringType, false)
            .add("size", DataTypes.LongType, false)
            .add("status", DataTypes.StringType, false)
            .add("error", DataTypes.StringType, true)
            .add("output", DataTypes.StringType, true)
            .add("width", DataTypes.IntegerType, true)
            .add("height", DataTypes.IntegerType, true)
            .add("tiles", DataTypes.IntegerType, true)
            .add("readout", DataTypes.StringType, true)
            .add("gdm", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType), true)
            .add("clip", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType), true)
            .add("millis", DataTypes.LongType, false);

    private Manifest() {}

    static Row restored(String path, long size, String output, int width, int height, int tiles, Readout r, long millis) {
        return RowFactory.create(path, size, RESTORED, null, output, width, height, tiles,
                r == null ? null : r.summary(), r == null ? null : scala(r.gdm()), r == null ? null : scala(r.clip()), millis);
    }

    static Row skipped(String path, long size, String output, long millis) {
        return RowFactory.create(path, size, SKIPPED, null, output, null, null, null, null, null, null, millis);
    }

    static Row failed(String path, long size, String output, String error, long millis) {
        return RowFactory.create(path, size, FAILED, error, output, null, null, null, null, null, null, millis);
    }

    private static scala.collection.Map<String, Double> scala(Map<String, Double> m) {
        return m == null ? null : CollectionConverters.asScala(m);
    }
}
