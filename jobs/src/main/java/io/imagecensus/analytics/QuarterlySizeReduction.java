package io.imagecensus.analytics;

import static org.apache.spark.sql.functions.add_months;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.trunc;
import static org.apache.spark.sql.functions.when;

import io.imagecensus.model.Table;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The team's "Vorher / Nachher / Reduktion" table, computed: per component and quarter, the image
 * current at the quarter's start next to the image current at its end.
 *
 * <p>One platform per component is compared, so that an arm64 image is never set against an
 * amd64 one: linux/amd64 when the component has such images, otherwise the alphabetically first
 * platform ("os/architecture[/variant]") among its images.
 *
 * <p>Method "builds" works from creation dates alone and covers every quarter from the one of the
 * component's first build to the one of its last: before is the latest build created before the
 * quarter starts (in the first quarter, the first build created in it), after is the latest build
 * created before the quarter ends. Method "tags" uses what the tags pointed to on each night:
 * the image current on a night is the newest-created image of the platform reachable from the
 * component's tags that night; before is the one of the quarter's first night, after the one of
 * its last. A quarter with at least two nights of tag history gets a "tags" row instead of its
 * "builds" row, because it records what was actually deployed rather than what was built.
 *
 * <p>The reduction is on uncompressed bytes, the size {@code docker images} shows and the team's
 * table uses; quarters follow the session time zone (UTC in the job).
 */
public final class QuarterlySizeReduction {
  static final String PREFERRED_PLATFORM = "linux/amd64";

  private QuarterlySizeReduction() {}

  /**
   * One {@code quarterly_size_reduction} row per component and quarter, from the tag history
   * ({@code allTags}, {@code allImages}), tonight's {@code images} and {@code imageBases}.
   */
  public static Dataset<Row> compute(Dataset<Row> allTags, Dataset<Row> allImages, Dataset<Row> images,
      Dataset<Row> imageBases) {
    // Tonight's images may not be in the history yet; builds older than every tag are only there.
    Dataset<Row> knownImages = imageColumns(allImages).unionByName(imageColumns(images))
        .filter(col("component").isNotNull());
    Dataset<Row> platforms = chosenPlatforms(knownImages);

    Dataset<Row> fromTags = fromTags(allTags, allImages, platforms);
    Dataset<Row> fromBuilds = fromBuilds(knownImages, platforms)
        .join(fromTags.select("component", "quarter_start"), new String[] {"component", "quarter_start"},
            "left_anti");
    return withSizesAndBases(fromBuilds.unionByName(fromTags), imageBases);
  }

  /** The columns of images that the comparison needs, with the platform. */
  static Dataset<Row> imageColumns(Dataset<Row> images) {
    return images.select(col("component"), col("registry"), col("repository"), col("digest"),
        SizeTrends.platform(col("os"), col("architecture"), col("variant")).as("platform"),
        col("created"), col("compressed_bytes"), col("uncompressed_bytes"));
  }

  /** Per component, the one platform compared: linux/amd64 if present, else the first by name. */
  static Dataset<Row> chosenPlatforms(Dataset<Row> knownImages) {
    return knownImages.groupBy("component")
        .agg(max(col("platform").equalTo(PREFERRED_PLATFORM)).as("has_preferred"),
            min(col("platform")).as("first_platform"))
        .select(col("component"),
            when(col("has_preferred"), lit(PREFERRED_PLATFORM)).otherwise(col("first_platform"))
                .as("chosen_platform"));
  }

  /** Rows with component, quarter_start (a date), method, before and after (image structs) from creation dates. */
  static Dataset<Row> fromBuilds(Dataset<Row> knownImages, Dataset<Row> platforms) {
    // A build without a created time cannot be placed in a quarter and is left out.
    Dataset<Row> builds = onChosenPlatform(knownImages, platforms)
        .filter(col("created").isNotNull())
        .groupBy("component", "digest")
        .agg(max(col("created")).as("created"), max(col("compressed_bytes")).as("compressed_bytes"),
            max(col("uncompressed_bytes")).as("uncompressed_bytes"));

    Dataset<Row> quarters = builds.groupBy("component")
        .agg(min(col("created")).as("first_created"), max(col("created")).as("last_created"))
        .select(col("component"), explode(sequence(trunc(to_date(col("first_created")), "quarter"),
            trunc(to_date(col("last_created")), "quarter"), expr("INTERVAL 3 MONTHS"))).as("quarter_start"));

    Column start = col("quarter_start").cast(DataTypes.TimestampType);
    Column end = add_months(col("quarter_start"), 3).cast(DataTypes.TimestampType);
    // max and min of a struct compare its fields in order: by created, then by digest.
    Column build = struct(col("created"), col("digest"), col("compressed_bytes"), col("uncompressed_bytes"));
    Column createdBefore = col("created").lt(start);
    Column createdInside = col("created").geq(start).and(col("created").lt(end));
    return quarters.join(builds, "component")
        .groupBy("component", "quarter_start")
        .agg(max(when(createdBefore, build)).as("latest_before_start"),
            min(when(createdInside, build)).as("first_inside"),
            max(when(col("created").lt(end), build)).as("after"))
        .select(col("component"), col("quarter_start"), lit("builds").as("method"),
            coalesce(col("latest_before_start"), col("first_inside")).as("before"), col("after"));
  }

  /** Rows like {@link #fromBuilds} for quarters with at least two nights of tag history. */
  static Dataset<Row> fromTags(Dataset<Row> allTags, Dataset<Row> allImages, Dataset<Row> platforms) {
    Dataset<Row> tags = allTags.filter(col("component").isNotNull().and(col("digest").isNotNull()))
        .select(col("snapshot_date"), col("registry").as("tag_registry"), col("repository").as("tag_repository"),
            col("component"), col("digest").as("tag_digest"));
    Dataset<Row> nightImages = allImages.select(col("snapshot_date").as("image_snapshot_date"),
        col("registry"), col("repository"), col("digest"), col("index_digest"),
        SizeTrends.platform(col("os"), col("architecture"), col("variant")).as("platform"),
        col("created"), col("compressed_bytes"), col("uncompressed_bytes"));
    // A tag names an image manifest or the index it sits in, as in the tags table's join recipe.
    Dataset<Row> reachable = tags.join(nightImages,
            col("snapshot_date").equalTo(col("image_snapshot_date"))
                .and(col("tag_registry").equalTo(col("registry")))
                .and(col("tag_repository").equalTo(col("repository")))
                .and(coalesce(col("index_digest"), col("digest")).equalTo(col("tag_digest"))))
        .select(col("snapshot_date"), col("component"), col("digest"), col("platform"), col("created"),
            col("compressed_bytes"), col("uncompressed_bytes"));

    // The newest-created image of the night; an unknown created time sorts below any known one.
    Column image = struct(col("created"), col("digest"), col("compressed_bytes"), col("uncompressed_bytes"));
    Dataset<Row> currentPerNight = onChosenPlatform(reachable, platforms)
        .groupBy("component", "snapshot_date")
        .agg(max(image).as("current"));

    Column night = struct(col("snapshot_date"), col("current"));
    return currentPerNight.withColumn("quarter_start", trunc(col("snapshot_date"), "quarter"))
        .groupBy("component", "quarter_start")
        .agg(count(lit(1)).as("nights"), min(night).as("first_night"), max(night).as("last_night"))
        .filter(col("nights").geq(2))
        .select(col("component"), col("quarter_start"), lit("tags").as("method"),
            col("first_night").getField("current").as("before"),
            col("last_night").getField("current").as("after"));
  }

  /** Images of each component on its chosen platform only. */
  static Dataset<Row> onChosenPlatform(Dataset<Row> images, Dataset<Row> platforms) {
    return images.join(platforms, "component")
        .filter(col("platform").equalTo(col("chosen_platform")))
        .drop("chosen_platform");
  }

  /** Flattens before and after, adds their base families and computes the reductions. */
  static Dataset<Row> withSizesAndBases(Dataset<Row> comparisons, Dataset<Row> imageBases) {
    Dataset<Row> bases = SizeTrends.basesByImage(imageBases)
        .select(col("image_digest"), col("base_family"), col("base_uncompressed_bytes"));
    Dataset<Row> beforeBases = bases.select(col("image_digest").as("before_base_image"),
        col("base_family").as("before_base_family"), col("base_uncompressed_bytes").as("before_base_bytes"));
    Dataset<Row> afterBases = bases.select(col("image_digest").as("after_base_image"),
        col("base_family").as("after_base_family"), col("base_uncompressed_bytes").as("after_base_bytes"));

    Dataset<Row> flat = comparisons.select(col("component"), col("quarter_start"), col("method"),
        col("before.digest").as("before_digest"), col("before.created").as("before_created"),
        col("after.digest").as("after_digest"), col("after.created").as("after_created"),
        col("before.compressed_bytes").as("before_compressed_bytes"),
        col("after.compressed_bytes").as("after_compressed_bytes"),
        col("before.uncompressed_bytes").as("before_uncompressed_bytes"),
        col("after.uncompressed_bytes").as("after_uncompressed_bytes"));
    Column reduction = col("before_uncompressed_bytes").minus(col("after_uncompressed_bytes"));
    Column percent = when(col("before_uncompressed_bytes").gt(0),
        round(reduction.cast(DataTypes.DoubleType).multiply(100.0)
            .divide(col("before_uncompressed_bytes").cast(DataTypes.DoubleType)), 1));
    Dataset<Row> rows = flat
        .join(beforeBases, col("before_digest").equalTo(col("before_base_image")), "left")
        .join(afterBases, col("after_digest").equalTo(col("after_base_image")), "left")
        .withColumn("quarter", SizeTrends.quarterOf(col("quarter_start")))
        .withColumn("reduction_bytes", reduction)
        .withColumn("reduction_pct", percent)
        .withColumn("before_family", coalesce(col("before_base_family"), lit(SizeTrends.UNKNOWN_FAMILY)))
        .withColumn("after_family", coalesce(col("after_base_family"), lit(SizeTrends.UNKNOWN_FAMILY)))
        .withColumn("base_reduction_bytes", col("before_base_bytes").minus(col("after_base_bytes")));
    return conform(rows, Table.QUARTERLY_SIZE_REDUCTION.schema());
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
