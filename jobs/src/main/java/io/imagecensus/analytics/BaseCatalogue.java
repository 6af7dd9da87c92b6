package io.imagecensus.analytics;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.types.DataTypes.StringType;

import io.imagecensus.config.BaseImageSettings;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * The base-image catalogue as data: every image reached tonight from a tag that the config's
 * {@code base-images} entries name (repository plus tag glob), with its family.
 */
public final class BaseCatalogue {
  /** One catalogue image: the tag that names it, the platform image digest, the family. */
  public static final StructType SCHEMA = new StructType()
      .add("registry", StringType, false)
      .add("repository", StringType, false)
      .add("tag", StringType, false)
      .add("base_ref", StringType, false)
      .add("index_digest", StringType, true)
      .add("image_digest", StringType, false)
      .add("family", StringType, false);

  private BaseCatalogue() {}

  /**
   * Catalogue images from tonight's tags and images; {@code base_ref} is "repository:tag". When
   * several entries match a tag, the first in the configuration wins.
   */
  public static Dataset<Row> of(List<BaseImageSettings> entries, Dataset<Row> tags, Dataset<Row> images) {
    if (entries.isEmpty()) {
      return tags.sparkSession().createDataFrame(List.of(), SCHEMA);
    }
    Column family = lit(null).cast(StringType);
    for (int i = entries.size() - 1; i >= 0; i--) {
      BaseImageSettings entry = entries.get(i);
      Column matches = col("registry").equalTo(entry.registry()).and(col("repository").equalTo(entry.repository()))
          .and(col("tag").rlike("^" + entry.tagRegex() + "$"));
      family = org.apache.spark.sql.functions.when(matches, lit(entry.family())).otherwise(family);
    }
    Dataset<Row> catalogueTags = tags.filter(col("digest").isNotNull())
        .withColumn("family", family)
        .filter(col("family").isNotNull())
        .select(col("registry"), col("repository"), col("tag"), col("digest").as("tag_digest"), col("family"));
    Dataset<Row> catalogueImages = images.select(col("registry").as("i_registry"), col("repository").as("i_repository"),
        col("digest").as("image_digest"), col("index_digest"));
    return catalogueTags.join(catalogueImages,
            col("registry").equalTo(col("i_registry")).and(col("repository").equalTo(col("i_repository")))
                .and(coalesce(col("index_digest"), col("image_digest")).equalTo(col("tag_digest"))))
        .select(col("registry"), col("repository"), col("tag"),
            concat(col("repository"), lit(":"), col("tag")).as("base_ref"),
            col("index_digest"), col("image_digest"), col("family"))
        .distinct();
  }
}
