package io.imagecensus.crawl;

import static org.apache.spark.sql.types.DataTypes.BinaryType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import org.apache.spark.sql.Encoder;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * One thing the tag or blob crawl brought back from a registry: a tag and its digest, a config
 * blob's bytes, a layer's sizes, or an error. Crawl tasks emit these rows; the job splits them by
 * kind. (Manifests come back from {@link ManifestCrawl} already joined with the walk.)
 */
public final class CrawlRecord {
  public static final String TAG = "tag";
  public static final String CONFIG = "config";
  public static final String LAYER_SIZE = "layer_size";
  public static final String ERROR = "error";

  public static final StructType SCHEMA = new StructType()
      .add("kind", StringType, false)
      .add("registry", StringType, false)
      .add("repository", StringType, true)
      .add("component", StringType, true)
      .add("reference", StringType, true)
      .add("digest", StringType, true)
      .add("media_type", StringType, true)
      .add("size", LongType, true)
      .add("content", BinaryType, true)
      .add("stage", StringType, true)
      .add("http_status", IntegerType, true)
      .add("message", StringType, true)
      .add("uncompressed_size", LongType, true)
      .add("method", StringType, true);

  public static final Encoder<Row> ENCODER = Encoders.row(SCHEMA);

  /** Input of the tag crawl: one repository to list. */
  public static final StructType REPOSITORY_TARGET = new StructType()
      .add("registry", StringType, false)
      .add("repository", StringType, false)
      .add("component", StringType, true);

  /**
   * Input of the blob wave: {@code kind} is {@link #CONFIG} (fetch the config blob) or
   * {@link #LAYER_SIZE} (measure the layer), with the blob and where to read it.
   */
  public static final StructType BLOB_TARGET = new StructType()
      .add("kind", StringType, false)
      .add("registry", StringType, false)
      .add("repository", StringType, false)
      .add("digest", StringType, false)
      .add("media_type", StringType, true)
      .add("size", DataTypes.LongType, true);

  private CrawlRecord() {}

  static Row tag(String registry, String repository, String component, String tag, String digest,
      String mediaType, long size) {
    return RowFactory.create(TAG, registry, repository, component, tag, digest, mediaType, size, null, null, null, null, null, null);
  }

  static Row config(String registry, String repository, String digest, byte[] content) {
    return RowFactory.create(CONFIG, registry, repository, null, digest, digest, null,
        (long) content.length, content, null, null, null, null, null);
  }

  static Row layerSize(String registry, String repository, String digest, String mediaType, long size,
      LayerSizeProbe.LayerSize measured) {
    return RowFactory.create(LAYER_SIZE, registry, repository, null, digest, digest, mediaType, size, null,
        null, null, measured.note(), measured.uncompressedBytes(), measured.method());
  }

  /** An error row; {@code stage} is catalog, tags, manifest, config or layer-size. */
  public static Row error(String registry, String repository, String component, String reference,
      String stage, Integer httpStatus, String message) {
    return RowFactory.create(ERROR, registry, repository, component, reference, null, null, null, null,
        stage, httpStatus, message, null, null);
  }
}
