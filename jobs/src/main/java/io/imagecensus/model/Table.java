package io.imagecensus.model;

import static org.apache.spark.sql.types.DataTypes.BinaryType;
import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.DateType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.apache.spark.sql.types.DataTypes.createMapType;

import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Every warehouse table, its schema declared once, and how it is stored. The files under
 * {@code schemas/} describe the same columns for analysts; a test keeps both in step.
 */
public enum Table {
  TAGS("tags", Storage.SNAPSHOT, List.of("registry", "repository", "tag"),
      col("registry", StringType, false),
      col("repository", StringType, false),
      col("component", StringType, true),
      col("tag", StringType, false),
      col("digest", StringType, true),
      col("media_type", StringType, true)),

  IMAGES("images", Storage.SNAPSHOT, List.of("registry", "repository", "digest", "index_digest"),
      col("registry", StringType, false),
      col("repository", StringType, false),
      col("component", StringType, true),
      col("digest", StringType, false),
      col("index_digest", StringType, true),
      col("media_type", StringType, false),
      col("os", StringType, true),
      col("architecture", StringType, true),
      col("variant", StringType, true),
      col("config_digest", StringType, true),
      col("created", TimestampType, true),
      col("layer_count", IntegerType, false),
      col("compressed_bytes", LongType, false),
      col("uncompressed_bytes", LongType, true),
      col("user", StringType, true),
      col("runs_as_root", BooleanType, true),
      col("has_healthcheck", BooleanType, true),
      col("exposed_ports", createArrayType(StringType, true), true),
      col("history_length", IntegerType, true),
      col("labels", createMapType(StringType, StringType, true), true),
      col("annotations", createMapType(StringType, StringType, true), true),
      col("base_name_annotation", StringType, true),
      col("base_digest_annotation", StringType, true),
      col("manifest_bytes", LongType, false),
      col("config_bytes", LongType, true)),

  IMAGE_LAYERS("image_layers", Storage.SNAPSHOT, List.of("image_digest", "position"),
      col("image_digest", StringType, false),
      col("position", IntegerType, false),
      col("layer_digest", StringType, false),
      col("diff_id", StringType, true),
      col("compressed_bytes", LongType, false),
      col("uncompressed_bytes", LongType, true),
      col("media_type", StringType, true),
      col("created_by", StringType, true)),

  ATTACHMENTS("attachments", Storage.SNAPSHOT,
      List.of("registry", "repository", "index_digest", "digest"),
      col("registry", StringType, false),
      col("repository", StringType, false),
      col("component", StringType, true),
      col("index_digest", StringType, true),
      col("digest", StringType, false),
      col("media_type", StringType, true),
      col("kind", StringType, false),
      col("artifact_type", StringType, true),
      col("subject_digest", StringType, true),
      col("bytes", LongType, false)),

  CRAWL_ERRORS("crawl_errors", Storage.SNAPSHOT,
      List.of("registry", "repository", "reference", "stage"),
      col("registry", StringType, false),
      col("repository", StringType, true),
      col("reference", StringType, true),
      col("stage", StringType, false),
      col("http_status", IntegerType, true),
      col("message", StringType, false)),

  RUNS("runs", Storage.LOG, List.of("started_at", "run_id"),
      col("run_id", StringType, false),
      col("started_at", TimestampType, false),
      col("finished_at", TimestampType, false),
      col("status", StringType, false),
      col("command", StringType, false),
      col("message", StringType, true),
      col("repositories", LongType, false),
      col("tags", LongType, false),
      col("images", LongType, false),
      col("requests", LongType, false),
      col("manifests_fetched", LongType, false),
      col("manifests_reused", LongType, false),
      col("configs_fetched", LongType, false),
      col("configs_reused", LongType, false),
      col("bytes_downloaded", LongType, false),
      col("crawl_errors", LongType, false),
      col("crawl_seconds", DoubleType, false),
      col("model_seconds", DoubleType, false),
      col("write_seconds", DoubleType, false),
      col("stage_seconds", createMapType(StringType, DoubleType, true), false),
      col("version", StringType, false)),

  /** Each layer of tonight's images (scope tagged) or of every image ever crawled (scope stored). */
  LAYER_SHARING("layer_sharing", Storage.SNAPSHOT, List.of("scope", "layer_digest"),
      col("scope", StringType, false),
      col("layer_digest", StringType, false),
      col("diff_id", StringType, true),
      col("compressed_bytes", LongType, false),
      col("uncompressed_bytes", LongType, true),
      col("images", LongType, false),
      col("repositories", LongType, false),
      col("components", LongType, false),
      col("in_base_catalogue", BooleanType, false)),

  /** Dedup per scope: the whole registry, each component, each repository. */
  DEDUP_SUMMARY("dedup_summary", Storage.SNAPSHOT, List.of("scope", "level", "name"),
      col("scope", StringType, false),
      col("level", StringType, false),
      col("name", StringType, false),
      col("images", LongType, false),
      col("layers", LongType, false),
      col("logical_bytes", LongType, false),
      col("unique_bytes", LongType, false),
      col("dedup_ratio", DoubleType, true),
      col("exclusive_bytes", LongType, false),
      col("shared_bytes", LongType, false),
      col("recompressed_bytes", LongType, false)),

  /** Each pair of components and the layers they share (tonight's images). */
  COMPONENT_OVERLAP("component_overlap", Storage.SNAPSHOT, List.of("component_a", "component_b"),
      col("component_a", StringType, false),
      col("component_b", StringType, false),
      col("shared_layers", LongType, false),
      col("shared_bytes", LongType, false)),

  /** What deleting one tag alone would free: bytes of layers only that tag's images use. */
  TAG_COSTS("tag_costs", Storage.SNAPSHOT, List.of("registry", "repository", "tag"),
      col("registry", StringType, false),
      col("repository", StringType, false),
      col("component", StringType, true),
      col("tag", StringType, false),
      col("digest", StringType, false),
      col("images", LongType, false),
      col("logical_bytes", LongType, false),
      col("freed_bytes", LongType, false)),

  /** The base image of each image, and how it was decided. */
  IMAGE_BASES("image_bases", Storage.SNAPSHOT, List.of("image_digest"),
      col("image_digest", StringType, false),
      col("base_ref", StringType, true),
      col("base_digest", StringType, true),
      col("base_family", StringType, false),
      col("method", StringType, false),
      col("matched_layers", IntegerType, false),
      col("base_compressed_bytes", LongType, false),
      col("base_uncompressed_bytes", LongType, true),
      col("confidence", DoubleType, false)),

  /** Share of images and bytes per base family, per component, per snapshot or creation quarter. */
  BASE_IMAGE_ADOPTION("base_image_adoption", Storage.SNAPSHOT, List.of("period_type", "period", "component", "base_family"),
      col("period_type", StringType, false),
      col("period", StringType, false),
      col("component", StringType, false),
      col("base_family", StringType, false),
      col("images", LongType, false),
      col("image_share", DoubleType, false),
      col("compressed_bytes", LongType, false),
      col("byte_share", DoubleType, true)),

  /** Each build of a repository (per platform) next to the previous one, by creation time. */
  SIZE_TRENDS("size_trends", Storage.SNAPSHOT, List.of("repository", "platform", "created", "digest"),
      col("registry", StringType, false),
      col("repository", StringType, false),
      col("component", StringType, true),
      col("platform", StringType, false),
      col("digest", StringType, false),
      col("created", TimestampType, true),
      col("compressed_bytes", LongType, false),
      col("uncompressed_bytes", LongType, true),
      col("base_family", StringType, false),
      col("previous_digest", StringType, true),
      col("delta_bytes", LongType, true),
      col("base_delta_bytes", LongType, true),
      col("app_delta_bytes", LongType, true),
      col("update_cost_bytes", LongType, false),
      col("regression", BooleanType, false)),

  /** Size aggregates per component per week, month and quarter of image creation. */
  SIZE_TREND_PERIODS("size_trend_periods", Storage.SNAPSHOT, List.of("component", "period_type", "period"),
      col("component", StringType, false),
      col("period_type", StringType, false),
      col("period", StringType, false),
      col("builds", LongType, false),
      col("mean_compressed_bytes", LongType, false),
      col("max_compressed_bytes", LongType, false),
      col("last_compressed_bytes", LongType, false),
      col("last_uncompressed_bytes", LongType, true),
      col("mean_update_cost_bytes", LongType, false),
      col("regressions", LongType, false)),

  /** Security and hygiene of each image: root, healthcheck, layers, ports. */
  IMAGE_POSTURE("image_posture", Storage.SNAPSHOT, List.of("repository", "digest"),
      col("registry", StringType, false),
      col("repository", StringType, false),
      col("component", StringType, true),
      col("digest", StringType, false),
      col("user", StringType, true),
      col("runs_as_root", BooleanType, false),
      col("has_healthcheck", BooleanType, false),
      col("layer_count", IntegerType, false),
      col("history_length", IntegerType, true),
      col("exposed_ports", createArrayType(StringType, true), true)),

  /** Shares of non-root and healthchecked images per component. */
  POSTURE_SUMMARY("posture_summary", Storage.SNAPSHOT, List.of("component"),
      col("component", StringType, false),
      col("images", LongType, false),
      col("non_root_share", DoubleType, false),
      col("healthcheck_share", DoubleType, false),
      col("mean_layer_count", DoubleType, false),
      col("max_layer_count", IntegerType, false)),

  /** Per component and quarter: the image current at its start vs at its end, the team's table. */
  QUARTERLY_SIZE_REDUCTION("quarterly_size_reduction", Storage.SNAPSHOT, List.of("component", "quarter"),
      col("component", StringType, false),
      col("quarter", StringType, false),
      col("method", StringType, false),
      col("before_digest", StringType, false),
      col("before_created", TimestampType, true),
      col("after_digest", StringType, false),
      col("after_created", TimestampType, true),
      col("before_compressed_bytes", LongType, false),
      col("after_compressed_bytes", LongType, false),
      col("before_uncompressed_bytes", LongType, true),
      col("after_uncompressed_bytes", LongType, true),
      col("reduction_bytes", LongType, true),
      col("reduction_pct", DoubleType, true),
      col("before_family", StringType, false),
      col("after_family", StringType, false),
      col("base_reduction_bytes", LongType, true)),

  /** Raw manifests by digest: the crawl's content-addressed cache, never fetched twice. */
  MANIFEST_STORE("store/manifests", Storage.CONTENT, List.of("digest"),
      col("digest", StringType, false),
      col("media_type", StringType, false),
      col("content", BinaryType, false)),

  /** Raw image config blobs by digest: the crawl's content-addressed cache. */
  CONFIG_STORE("store/configs", Storage.CONTENT, List.of("digest"),
      col("digest", StringType, false),
      col("content", BinaryType, false)),

  /** Each distinct layer's sizes, measured once and kept forever: layers are immutable. */
  LAYERS("layers", Storage.CONTENT, List.of("digest"),
      col("digest", StringType, false),
      col("diff_id", StringType, true),
      col("media_type", StringType, true),
      col("compressed_bytes", LongType, false),
      col("uncompressed_bytes", LongType, true),
      col("method", StringType, false),
      col("note", StringType, true));

  /** How a table's files are laid out under the warehouse root. */
  public enum Storage {
    /** One {@code snapshot_date=YYYY-MM-DD} partition per night, replaced whole on a rerun. */
    SNAPSHOT,
    /** One {@code snapshot_date=} partition per night, one file added per run attempt. */
    LOG,
    /** Append-only batches of immutable content keyed by digest. */
    CONTENT
  }

  /** The partition column of snapshot and log tables. */
  public static final String SNAPSHOT_DATE = "snapshot_date";

  private final String path;
  private final Storage storage;
  private final List<String> sortKeys;
  private final StructType schema;

  Table(String path, Storage storage, List<String> sortKeys, StructField... columns) {
    this.path = path;
    this.storage = storage;
    this.sortKeys = sortKeys;
    this.schema = new StructType(columns);
  }

  /** Path below the warehouse root. */
  public String path() {
    return path;
  }

  public Storage storage() {
    return storage;
  }

  /** The columns rows are sorted by before writing, so reruns write identical files. */
  public List<String> sortKeys() {
    return sortKeys;
  }

  /** The schema of the data columns (without the partition column). */
  public StructType schema() {
    return schema;
  }

  /** The schema as readers see it: partition column first where there is one. */
  public StructType schemaWithPartition() {
    if (storage == Storage.CONTENT) {
      return schema;
    }
    StructField[] fields = new StructField[schema.fields().length + 1];
    fields[0] = col(SNAPSHOT_DATE, DateType, false);
    System.arraycopy(schema.fields(), 0, fields, 1, schema.fields().length);
    return new StructType(fields);
  }

  private static StructField col(String name, DataType type, boolean nullable) {
    return new StructField(name, type, nullable, Metadata.empty());
  }

}
