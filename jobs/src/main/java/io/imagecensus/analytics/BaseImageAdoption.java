package io.imagecensus.analytics;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.quarter;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.try_divide;
import static org.apache.spark.sql.functions.year;
import static org.apache.spark.sql.types.DataTypes.StringType;

import io.imagecensus.model.Table;
import java.util.Arrays;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * How many of each component's images, and how many of its bytes, sit on each base family:
 * for the night itself and per quarter of image creation.
 */
public final class BaseImageAdoption {
  static final String SNAPSHOT = "snapshot";
  static final String QUARTER = "quarter";
  /** The period of snapshot rows: the night the partition is for. */
  static final String CURRENT = "current";

  private BaseImageAdoption() {}

  /**
   * {@link Table#BASE_IMAGE_ADOPTION} rows from tonight's {@code images} and their
   * {@link Table#IMAGE_BASES} rows; images without a base row count as family "unknown".
   */
  public static Dataset<Row> compute(Dataset<Row> images, Dataset<Row> imageBases) {
    // An image counts once per component, however many of the component's repositories hold it.
    Dataset<Row> componentImages = images.filter(col("component").isNotNull())
        .groupBy(col("component"), col("digest"))
        .agg(max(col("compressed_bytes")).as("compressed_bytes"), max(col("created")).as("created"));
    Dataset<Row> families = imageBases.select(col("image_digest"), col("base_family").as("found_family"));
    Dataset<Row> withFamily = componentImages
        .join(families, componentImages.col("digest").equalTo(families.col("image_digest")), "left")
        .withColumn("base_family", coalesce(col("found_family"), lit(BaseImageMatcher.UNKNOWN)))
        .drop("image_digest", "found_family");

    Dataset<Row> tonight = withFamily
        .withColumn("period_type", lit(SNAPSHOT))
        .withColumn("period", lit(CURRENT));
    // Quarters of the creation time in the session time zone, which the job sets to UTC.
    Dataset<Row> byQuarter = withFamily.filter(col("created").isNotNull())
        .withColumn("period_type", lit(QUARTER))
        .withColumn("period", concat(year(col("created")).cast(StringType), lit("-Q"),
            quarter(col("created")).cast(StringType)));
    return shares(tonight.unionByName(byQuarter));
  }

  /** Counts and shares per period, component and family; rows are distinct (component, digest). */
  static Dataset<Row> shares(Dataset<Row> rows) {
    WindowSpec componentPeriod = Window.partitionBy(col("period_type"), col("period"), col("component"));
    return rows.groupBy(col("period_type"), col("period"), col("component"), col("base_family"))
        .agg(count(lit(1)).as("images"), sum(col("compressed_bytes")).as("compressed_bytes"))
        // Every group has at least one image, so the image total is never 0; the byte total can be.
        .withColumn("image_share", col("images").divide(sum(col("images")).over(componentPeriod)))
        .withColumn("byte_share", try_divide(col("compressed_bytes"), sum(col("compressed_bytes")).over(componentPeriod)))
        .select(Arrays.stream(Table.BASE_IMAGE_ADOPTION.schema().fields())
            .map(field -> col(field.name()).cast(field.dataType()))
            .toArray(Column[]::new));
  }
}
