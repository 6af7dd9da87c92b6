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
      col("exposed_ports", createArrayType(StringType, false), true),
      col("history_length", IntegerType, true),
      col("labels", createMapType(StringType, StringType, false), true),
      col("annotations", createMapType(StringType, StringType, false), true),
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
      col("version", StringType, false)),

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
