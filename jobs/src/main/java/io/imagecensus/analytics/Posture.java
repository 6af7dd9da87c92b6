package io.imagecensus.analytics;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.when;

import io.imagecensus.model.Table;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Security and hygiene of images, the team's goals made measurable: non-root users, a healthcheck,
 * fewer layers.
 */
public final class Posture {
  private Posture() {}

  /**
   * One {@code image_posture} row per registry, repository and image digest of {@code images};
   * an image whose config could not be read counts as running as root and without healthcheck.
   */
  public static Dataset<Row> images(Dataset<Row> images) {
    // Rows of one digest differ only by the index it was reached through (and, given several
    // nights, by a night its config was unreadable, with nulls): max keeps the known values.
    Dataset<Row> perImage = images.groupBy("registry", "repository", "digest")
        .agg(max(col("component")).as("component"),
            max(col("user")).as("user"),
            max(col("runs_as_root")).as("runs_as_root"),
            max(col("has_healthcheck")).as("has_healthcheck"),
            max(col("layer_count")).as("layer_count"),
            max(col("history_length")).as("history_length"),
            max(col("exposed_ports")).as("exposed_ports"))
        // runs_as_root was judged from the config's User when the config was parsed; it is null
        // only when the config could not be read, and an unknown user is the unsafe case.
        .withColumn("runs_as_root", coalesce(col("runs_as_root"), lit(true)))
        .withColumn("has_healthcheck", coalesce(col("has_healthcheck"), lit(false)));
    return conform(perImage, Table.IMAGE_POSTURE.schema());
  }

  /**
   * One {@code posture_summary} row per component from {@code image_posture} rows, counting each
   * distinct image digest of the component once.
   */
  public static Dataset<Row> summary(Dataset<Row> imagePosture) {
    // The same digest in two repositories of a component is one image; its posture is the same.
    Dataset<Row> perImage = imagePosture.filter(col("component").isNotNull())
        .groupBy("component", "digest")
        .agg(max(col("runs_as_root")).as("runs_as_root"),
            max(col("has_healthcheck")).as("has_healthcheck"),
            max(col("layer_count")).as("layer_count"));
    Dataset<Row> summary = perImage.groupBy("component")
        .agg(count(lit(1)).as("images"),
            share(not(col("runs_as_root"))).as("non_root_share"),
            share(col("has_healthcheck")).as("healthcheck_share"),
            avg(col("layer_count")).as("mean_layer_count"),
            max(col("layer_count")).as("max_layer_count"));
    return conform(summary, Table.POSTURE_SUMMARY.schema());
  }

  /** The fraction of rows of a group where the condition holds. */
  static Column share(Column condition) {
    return avg(when(condition, lit(1.0)).otherwise(lit(0.0))).cast(DataTypes.DoubleType);
  }

  private static Dataset<Row> conform(Dataset<Row> rows, StructType schema) {
    Column[] columns = new Column[schema.fields().length];
    for (int i = 0; i < columns.length; i++) {
      StructField field = schema.fields()[i];
      columns[i] = col(field.name()).cast(field.dataType()).as(field.name());
    }
    return rows.select(columns);
  }
}
