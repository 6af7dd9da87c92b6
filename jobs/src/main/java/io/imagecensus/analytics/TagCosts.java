package io.imagecensus.analytics;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.xxhash64;

import io.imagecensus.model.Table;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The marginal cost of each tag tonight: the bytes the registry would free if that tag alone were
 * deleted (and its images garbage-collected), that is, the layers no other tag's images use.
 */
public final class TagCosts {
  private TagCosts() {}

  /**
   * One {@code tag_costs} row per tag of tonight that has a digest: the distinct images it reaches,
   * their summed compressed bytes, and the bytes of layers only this tag's images use.
   */
  public static Dataset<Row> compute(AnalyticsInputs inputs) {
    return compute(inputs.tags(), inputs.images(), inputs.imageLayers());
  }

  static Dataset<Row> compute(Dataset<Row> tags, Dataset<Row> images, Dataset<Row> imageLayers) {
    Dataset<Row> withDigest = tags.filter(col("digest").isNotNull())
        .select(col("registry"), col("repository"), col("component"), col("tag"), col("digest"),
            xxhash64(col("registry"), col("repository"), col("tag")).as("tag_key"));
    // A tag reaches the images of its repository whose index (or, when tagged directly, whose own
    // digest) is the tag's digest: one image per platform.
    Dataset<Row> imageRows = images.select(col("registry").as("image_registry"),
        col("repository").as("image_repository"), col("digest").as("image_digest"),
        coalesce(col("index_digest"), col("digest")).as("reached_by"), col("compressed_bytes"));
    Dataset<Row> reached = withDigest
        .join(imageRows, col("registry").equalTo(col("image_registry"))
            .and(col("repository").equalTo(col("image_repository")))
            .and(col("digest").equalTo(col("reached_by"))))
        .groupBy(col("tag_key"), LayerDedup.id(col("registry")).as("registry_key"),
            LayerDedup.id(col("image_digest")).as("image_id"))
        .agg(max(col("compressed_bytes")).as("compressed_bytes"));
    Dataset<Row> perTag = reached.groupBy(col("tag_key"))
        .agg(count(lit(1)).as("images"), sum(col("compressed_bytes")).as("logical_bytes"));

    Dataset<Row> uses = imageLayers.select(LayerDedup.id(col("image_digest")).as("use_image_id"),
        LayerDedup.id(col("layer_digest")).as("layer_id"), col("compressed_bytes").as("bytes"));
    // Layers are stored per registry; a layer is freed with a tag when every tag of the registry
    // that reaches it is that one tag: its smallest and largest tag key are equal. Two alias tags
    // of one digest therefore free nothing of what they share. The tags' images are a few numbers
    // per image, sent to every task so that the layer rows are not shuffled for the join.
    Dataset<Row> layerTags = uses
        .join(broadcast(reached.select(col("image_id"), col("registry_key"), col("tag_key"))),
            col("use_image_id").equalTo(col("image_id")))
        .groupBy(col("registry_key"), col("layer_id"))
        .agg(min(col("tag_key")).as("first_tag"), max(col("tag_key")).as("last_tag"), max(col("bytes")).as("bytes"));
    Dataset<Row> freed = layerTags.filter(col("first_tag").equalTo(col("last_tag")))
        .groupBy(col("first_tag").as("tag_key"))
        .agg(sum(col("bytes")).as("freed_bytes"));

    Dataset<Row> costs = withDigest
        .join(perTag, new String[] {"tag_key"}, "left")
        .join(freed, new String[] {"tag_key"}, "left")
        .select(col("registry"), col("repository"), col("component"), col("tag"), col("digest"),
            coalesce(col("images"), lit(0L)).as("images"),
            coalesce(col("logical_bytes"), lit(0L)).as("logical_bytes"),
            coalesce(col("freed_bytes"), lit(0L)).as("freed_bytes"));
    return LayerDedup.conform(costs, Table.TAG_COSTS.schema());
  }
}
