package io.imagecensus.inventory;

import static org.apache.spark.sql.functions.aggregate;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.get;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.when;

import io.imagecensus.model.ManifestDocument;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/** Joins resolved images with their parsed configs into the images and image_layers tables. Pure. */
public final class ImageDescriber {
  private ImageDescriber() {}

  /** Rows of the images table (without snapshot_date). */
  public static Dataset<Row> images(Dataset<Row> resolved, Dataset<Row> configs) {
    return resolved.join(configs, resolved.col("config_digest").equalTo(configs.col("config_digest")), "left")
        .select(col("registry"), col("repository"), col("component"), col("digest"), col("index_digest"),
            col("media_type"),
            coalesce(col("config_os"), col("platform_os")).as("os"),
            coalesce(col("config_architecture"), col("platform_architecture")).as("architecture"),
            coalesce(col("config_variant"), col("platform_variant")).as("variant"),
            resolved.col("config_digest"), col("created"),
            size(col("layers")).as("layer_count"),
            aggregate(col("layers"), lit(0L), (sum, layer) -> sum.plus(layer.getField("size"))).as("compressed_bytes"),
            lit(null).cast(DataTypes.LongType).as("uncompressed_bytes"),
            col("user"), col("runs_as_root"), col("has_healthcheck"), col("exposed_ports"),
            col("history_length"), col("labels"), col("annotations"),
            col("annotations").getItem(ManifestDocument.BASE_NAME_ANNOTATION).as("base_name_annotation"),
            col("annotations").getItem(ManifestDocument.BASE_DIGEST_ANNOTATION).as("base_digest_annotation"),
            col("manifest_bytes"), col("config_bytes"));
  }

  /** Rows of the image_layers table: one per layer of each distinct image, in manifest order. */
  public static Dataset<Row> layers(Dataset<Row> resolved, Dataset<Row> configs) {
    Dataset<Row> exploded = resolved.select(col("digest").as("image_digest"), col("config_digest"),
            posexplode(col("layers")).as(new String[] {"position", "layer"}))
        .distinct();
    return exploded.join(configs, exploded.col("config_digest").equalTo(configs.col("config_digest")), "left")
        .select(col("image_digest"), col("position"),
            col("layer.digest").as("layer_digest"),
            get(col("diff_ids"), col("position")).as("diff_id"),
            col("layer.size").as("compressed_bytes"),
            lit(null).cast(DataTypes.LongType).as("uncompressed_bytes"),
            col("layer.media_type").as("media_type"),
            get(col("created_by"), col("position")).as("created_by"));
  }

  /** Fills image_layers.uncompressed_bytes from the layers table (null where unknown). */
  public static Dataset<Row> withUncompressedSize(Dataset<Row> imageLayers, Dataset<Row> layerSizes) {
    Dataset<Row> sizes = layerSizes.select(col("digest").as("size_digest"), col("uncompressed_bytes").as("measured"));
    return imageLayers.join(sizes, imageLayers.col("layer_digest").equalTo(sizes.col("size_digest")), "left")
        .withColumn("uncompressed_bytes", col("measured"))
        .drop("size_digest", "measured");
  }

  /** Fills images.uncompressed_bytes: the sum over the image's layers, null if any is unknown. */
  public static Dataset<Row> withUncompressedSize(Dataset<Row> images, Dataset<Row> imageLayers, Dataset<Row> layerSizes) {
    Dataset<Row> perImage = withUncompressedSize(imageLayers, layerSizes)
        .groupBy(col("image_digest"))
        .agg(sum(col("uncompressed_bytes")).as("known_sum"), count(col("uncompressed_bytes")).as("known"),
            count(lit(1)).as("total"));
    Dataset<Row> joined = images.join(perImage, images.col("digest").equalTo(perImage.col("image_digest")), "left");
    return joined
        .withColumn("uncompressed_bytes",
            when(col("known").equalTo(col("total")), col("known_sum").cast(DataTypes.LongType))
                .when(col("layer_count").equalTo(0), lit(0L)))
        .drop("image_digest", "known_sum", "known", "total");
  }
}
