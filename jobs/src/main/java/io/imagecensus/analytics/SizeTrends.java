package io.imagecensus.analytics;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.lag;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.quarter;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.weekday;
import static org.apache.spark.sql.functions.weekofyear;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.year;

import io.imagecensus.model.Table;
import java.math.BigDecimal;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Size over time: every build of a repository next to the build before it, and per component the
 * aggregates per week, month and quarter of creation.
 */
public final class SizeTrends {
  /** The family of an image that image_bases does not mention. */
  static final String UNKNOWN_FAMILY = "unknown";

  /**
   * Any long as a decimal, so that size arithmetic is exact. Not decimal(38, 0): a comparison of
   * that with a fraction is widened to 38 digits by dropping the fraction (326.7 becomes 327).
   */
  private static final DecimalType EXACT = DataTypes.createDecimalType(20, 0);

  private static final String[] BUILD_KEY = {"registry", "repository", "platform", "digest"};

  private SizeTrends() {}

  /**
   * One {@code size_trends} row per build (distinct registry, repository, platform and image
   * digest) of {@code images}, compared with the previous build of the same repository and platform.
   */
  public static Dataset<Row> builds(Dataset<Row> images, Dataset<Row> imageLayers, Dataset<Row> imageBases,
      double regressionThreshold) {
    if (!(regressionThreshold >= 0) || Double.isInfinite(regressionThreshold)) {
      throw new IllegalArgumentException("Tried to find size regressions but the threshold " + regressionThreshold
          + " is not a fraction >= 0: write 0.10 for 10 %");
    }
    Dataset<Row> bases = basesByImage(imageBases).select(col("image_digest"), col("base_family"),
        col("base_compressed_bytes"));
    Dataset<Row> builds = distinctBuilds(images)
        .join(bases, col("digest").equalTo(col("image_digest")), "left")
        .drop("image_digest");

    // Builds without a created time sort first: an unknown build time cannot be the newest build.
    WindowSpec history = Window.partitionBy("registry", "repository", "platform")
        .orderBy(col("created").asc_nulls_first(), col("digest").asc());
    Column previousBytes = lag(col("compressed_bytes"), 1).over(history);
    Column previousBaseBytes = lag(col("base_compressed_bytes"), 1).over(history);
    Column baseDelta = col("base_compressed_bytes").minus(previousBaseBytes);
    Dataset<Row> compared = builds
        .withColumn("previous_digest", lag(col("digest"), 1).over(history))
        .withColumn("previous_compressed_bytes", previousBytes)
        .withColumn("delta_bytes", col("compressed_bytes").minus(previousBytes))
        .withColumn("base_delta_bytes", baseDelta)
        .withColumn("app_delta_bytes", col("compressed_bytes").minus(previousBytes).minus(baseDelta))
        .withColumn("base_family", coalesce(col("base_family"), lit(UNKNOWN_FAMILY)));

    // Decimal arithmetic so that growth of exactly the threshold is never a regression by rounding.
    BigDecimal allowedFactor = BigDecimal.ONE.add(BigDecimal.valueOf(regressionThreshold));
    Column regression = col("previous_compressed_bytes").isNotNull()
        .and(col("compressed_bytes").cast(EXACT)
            .gt(col("previous_compressed_bytes").cast(EXACT).multiply(lit(allowedFactor))));

    return conform(compared
        .join(updateCosts(compared, imageLayers), BUILD_KEY, "left")
        .withColumn("update_cost_bytes", coalesce(col("new_layer_bytes"), lit(0L)))
        .withColumn("regression", coalesce(regression, lit(false))), Table.SIZE_TRENDS.schema());
  }

  /**
   * {@code size_trend_periods} rows from {@code size_trends} rows: per component and ISO week,
   * month and quarter of creation, the builds created in it.
   */
  public static Dataset<Row> periods(Dataset<Row> builds) {
    Column createdDay = to_date(col("created"));
    // The ISO week belongs to the year of its Thursday: 2027-01-01 (a Friday) is in 2026-W53.
    Column isoWeekYear = year(date_add(createdDay, lit(3).minus(weekday(createdDay))));
    Dataset<Row> dated = builds.filter(col("component").isNotNull().and(col("created").isNotNull()));
    Dataset<Row> weeks = dated.withColumn("period_type", lit("week"))
        .withColumn("period", format_string("%d-W%02d", isoWeekYear, weekofyear(createdDay)));
    Dataset<Row> months = dated.withColumn("period_type", lit("month"))
        .withColumn("period", date_format(col("created"), "yyyy-MM"));
    Dataset<Row> quarters = dated.withColumn("period_type", lit("quarter"))
        .withColumn("period", quarterOf(col("created")));

    // max of a struct compares field by field: the latest created, then the greatest digest.
    Column last = max(struct(col("created"), col("digest"), col("compressed_bytes"), col("uncompressed_bytes")));
    Dataset<Row> aggregated = weeks.unionByName(months).unionByName(quarters)
        .groupBy("component", "period_type", "period")
        .agg(count(lit(1)).as("builds"),
            meanRoundedHalfUp(col("compressed_bytes")).as("mean_compressed_bytes"),
            max(col("compressed_bytes")).as("max_compressed_bytes"),
            last.getField("compressed_bytes").as("last_compressed_bytes"),
            last.getField("uncompressed_bytes").as("last_uncompressed_bytes"),
            meanRoundedHalfUp(col("update_cost_bytes")).as("mean_update_cost_bytes"),
            count(when(col("regression"), lit(1))).as("regressions"));
    return conform(aggregated, Table.SIZE_TREND_PERIODS.schema());
  }

  /**
   * One row per registry, repository, platform and digest. Images has a row per index an image
   * was reached through (and per night when given every night); a digest's content columns agree
   * across them, except on a night its config could not be read (nulls), so max keeps the value.
   */
  static Dataset<Row> distinctBuilds(Dataset<Row> images) {
    return images
        .withColumn("platform", platform(col("os"), col("architecture"), col("variant")))
        .groupBy("registry", "repository", "platform", "digest")
        .agg(max(col("component")).as("component"), max(col("created")).as("created"),
            max(col("compressed_bytes")).as("compressed_bytes"),
            max(col("uncompressed_bytes")).as("uncompressed_bytes"));
  }

  /**
   * Bytes a node that runs the previous build downloads to run this one: its distinct layers that
   * the previous build did not have. Layers are compared by digest, not diff_id, because a
   * recompressed layer with the same content is still a new blob to pull.
   */
  static Dataset<Row> updateCosts(Dataset<Row> compared, Dataset<Row> imageLayers) {
    Dataset<Row> layers = imageLayers.groupBy("image_digest", "layer_digest")
        .agg(max(col("compressed_bytes")).as("layer_bytes"));
    Dataset<Row> buildLayers = compared.select(col("registry"), col("repository"), col("platform"),
            col("digest"), col("previous_digest"))
        .join(layers, col("digest").equalTo(col("image_digest")));
    Dataset<Row> previousLayers = layers.select(col("image_digest").as("previous_image"),
        col("layer_digest").as("previous_layer"));
    // A first build has no previous digest: the condition is never true and every layer is new.
    Dataset<Row> newLayers = buildLayers.join(previousLayers,
        col("previous_digest").equalTo(col("previous_image"))
            .and(col("layer_digest").equalTo(col("previous_layer"))),
        "left_anti");
    return newLayers.groupBy("registry", "repository", "platform", "digest")
        .agg(sum(col("layer_bytes")).as("new_layer_bytes"));
  }

  /**
   * One image_bases row per image digest, its key; should several arrive (for example from several
   * nights) the most confident one wins, ties broken by base reference, so the result is stable.
   */
  static Dataset<Row> basesByImage(Dataset<Row> imageBases) {
    WindowSpec best = Window.partitionBy("image_digest")
        .orderBy(col("confidence").desc(), col("base_ref").asc_nulls_last(), col("method").asc(),
            col("base_digest").asc_nulls_last());
    return imageBases.withColumn("rank", row_number().over(best))
        .filter(col("rank").equalTo(1))
        .drop("rank");
  }

  /** "os/architecture", plus "/variant" when there is one; "unknown" for a missing os or architecture. */
  static Column platform(Column os, Column architecture, Column variant) {
    Column osAndArchitecture = concat(coalesce(os, lit("unknown")), lit("/"), coalesce(architecture, lit("unknown")));
    return when(variant.isNull().or(variant.equalTo("")), osAndArchitecture)
        .otherwise(concat(osAndArchitecture, lit("/"), variant));
  }

  /** The quarter of a timestamp or date in the session time zone (UTC in the job), e.g. "2026-Q4". */
  static Column quarterOf(Column time) {
    return format_string("%d-Q%d", year(time), quarter(time));
  }

  /** The mean rounded half up to a whole number, computed exactly on decimals. */
  static Column meanRoundedHalfUp(Column bytes) {
    return round(sum(bytes.cast(EXACT)).divide(count(bytes).cast(EXACT)), 0).cast(DataTypes.LongType);
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
