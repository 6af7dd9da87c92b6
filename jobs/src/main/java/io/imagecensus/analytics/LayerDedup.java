package io.imagecensus.analytics;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_distinct;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import io.imagecensus.model.Table;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Layer deduplication: which layers images share, and how many bytes the registry stores once
 * for many images, per registry, component and repository.
 *
 * <p>Every table has a {@code scope}: {@value #TAGGED} is tonight's images, {@value #STORED} every
 * image of every snapshot (each registry, repository and image digest once). An image is one
 * distinct image digest, so a multi-platform index counts one image per platform and the same
 * digest in two repositories is one image of the registry but one image of each repository.
 *
 * <p>Digests are 71-byte strings; the aggregations here run on their 64-bit {@code xxhash64}
 * instead, which shuffles about a ninth of the bytes. Two different digests sharing a hash would be
 * counted as one: for a million distinct digests that chance is about n^2 / 2^65, 3e-8.
 */
public final class LayerDedup {
  /** Scope of tonight's images. */
  public static final String TAGGED = "tagged";
  /** Scope of every image of every snapshot. */
  public static final String STORED = "stored";
  /** The component-level name of images whose component is null (base-catalogue repositories). */
  public static final String BASE_CATALOGUE = "(base catalogue)";

  static final String REGISTRY_LEVEL = "registry";
  static final String COMPONENT_LEVEL = "component";
  static final String REPOSITORY_LEVEL = "repository";

  private LayerDedup() {}

  /**
   * One {@code layer_sharing} row per scope and layer digest: its sizes, how many images,
   * repositories and components use it, and whether a base-catalogue image has it.
   */
  public static Dataset<Row> layerSharing(AnalyticsInputs inputs) {
    Dataset<Row> catalogueImages = inputs.catalogue().select(id(col("image_digest")).as("image_id")).distinct();
    return layerSharing(tagged(inputs), catalogueImages)
        .unionByName(layerSharing(stored(inputs), catalogueImages));
  }

  /**
   * One {@code dedup_summary} row per scope, level (registry, component, repository) and name:
   * images, logical and unique bytes, exclusive and shared bytes, bytes stored twice by recompression.
   */
  public static Dataset<Row> dedupSummary(AnalyticsInputs inputs) {
    return dedupSummary(tagged(inputs)).unionByName(dedupSummary(stored(inputs)));
  }

  /**
   * One {@code component_overlap} row per pair of components (component_a before component_b) whose
   * tonight's images share at least one layer digest.
   */
  public static Dataset<Row> componentOverlap(AnalyticsInputs inputs) {
    Scope scope = tagged(inputs);
    Dataset<Row> layerComponents = layerUses(scope).filter(col("no_component").equalTo(false))
        .groupBy(col("layer_id"), col("component_key"))
        .agg(max(col("bytes")).as("bytes"));
    Dataset<Row> a = layerComponents.select(col("layer_id"), col("component_key").as("a_key"), col("bytes"));
    Dataset<Row> b = layerComponents.select(col("layer_id").as("b_layer_id"), col("component_key").as("b_key"));
    Dataset<Row> pairs = a.join(b, col("layer_id").equalTo(col("b_layer_id")).and(col("a_key").notEqual(col("b_key"))))
        .groupBy(col("a_key"), col("b_key"))
        .agg(count(lit(1)).as("shared_layers"), sum(col("bytes")).as("shared_bytes"));
    Dataset<Row> names = scope.images().filter(col("component").isNotNull())
        .groupBy(col("component_key")).agg(min(col("component")).as("name"));
    Dataset<Row> named = pairs
        .join(names.select(col("component_key").as("a_key"), col("name").as("component_a")), "a_key")
        .join(names.select(col("component_key").as("b_key"), col("name").as("component_b")), "b_key")
        .filter(col("component_a").lt(col("component_b")));
    return conform(named, Table.COMPONENT_OVERLAP.schema());
  }

  /** One scope: its images (one row per registry, repository and digest) and their layer rows. */
  record Scope(String name, Dataset<Row> images, Dataset<Row> layers) {}

  /** Tonight's images; a digest reached through several indexes of a repository is one row. */
  static Scope tagged(AnalyticsInputs inputs) {
    Dataset<Row> images = inputs.images().groupBy(col("registry"), col("repository"), col("digest"))
        .agg(min(col("component")).as("component"), max(col("compressed_bytes")).as("compressed_bytes"));
    return new Scope(TAGGED, withKeys(images), inputs.imageLayers());
  }

  /** Every image of every night, with the component its repository had on the latest night. */
  static Scope stored(AnalyticsInputs inputs) {
    Dataset<Row> images = inputs.allImages().groupBy(col("registry"), col("repository"), col("digest"))
        .agg(max_by(col("component"), col(Table.SNAPSHOT_DATE)).as("component"),
            max(col("compressed_bytes")).as("compressed_bytes"));
    return new Scope(STORED, withKeys(images), inputs.allImageLayers());
  }

  /** Numeric keys of an image row: its digest, registry, repository and component entity. */
  private static Dataset<Row> withKeys(Dataset<Row> images) {
    return images
        .withColumn("image_id", id(col("digest")))
        .withColumn("registry_key", id(col("registry")))
        .withColumn("repository_key", xxhash64(col("registry"), col("repository")))
        .withColumn("component_key", id(coalesce(col("component"), lit(BASE_CATALOGUE))));
  }

  /** The 64-bit id of a digest or name. */
  static Column id(Column text) {
    return xxhash64(text);
  }

  /** Each use of a layer by an image of the scope, with the image's entity keys (numbers only). */
  static Dataset<Row> layerUses(Scope scope) {
    Dataset<Row> uses = scope.layers().select(
        id(col("image_digest")).as("use_image_id"),
        id(col("layer_digest")).as("layer_id"),
        col("compressed_bytes").as("bytes"),
        when(col("diff_id").isNotNull(), id(col("diff_id"))).as("diff_key"));
    Dataset<Row> images = scope.images().select(col("image_id"), col("registry_key"), col("repository_key"),
        col("component_key"), col("component").isNull().as("no_component"));
    return uses.join(images, col("use_image_id").equalTo(col("image_id"))).drop("use_image_id");
  }

  /**
   * One row per level, entity and distinct layer it uses: level, entity_key, layer_id, bytes,
   * diff_key.
   */
  static Dataset<Row> entityLayers(Scope scope) {
    Column levels = array(
        struct(lit(REGISTRY_LEVEL).as("level"), col("registry_key").as("entity_key")),
        struct(lit(COMPONENT_LEVEL).as("level"), col("component_key").as("entity_key")),
        struct(lit(REPOSITORY_LEVEL).as("level"), col("repository_key").as("entity_key")));
    return layerUses(scope)
        .select(col("layer_id"), col("bytes"), col("diff_key"), explode(levels).as("e"))
        .groupBy(col("e.level").as("level"), col("e.entity_key").as("entity_key"), col("layer_id"))
        .agg(max(col("bytes")).as("bytes"), min(col("diff_key")).as("diff_key"));
  }

  static Dataset<Row> dedupSummary(Scope scope) {
    Dataset<Row> entityLayers = entityLayers(scope);
    // A layer is exclusive to an entity when no other entity of the level uses it: the smallest and
    // the largest key of the entities using it are then the same.
    Dataset<Row> layerEntities = entityLayers.groupBy(col("level"), col("layer_id"))
        .agg(min(col("entity_key")).as("first_key"), max(col("entity_key")).as("last_key"),
            max(col("bytes")).as("bytes"));
    Dataset<Row> exclusive = layerEntities.filter(col("first_key").equalTo(col("last_key")))
        .groupBy(col("level"), col("first_key").as("entity_key"))
        .agg(sum(col("bytes")).as("exclusive_bytes"));
    Dataset<Row> unique = entityLayers.groupBy(col("level"), col("entity_key"))
        .agg(count(lit(1)).as("layers"), sum(col("bytes")).as("unique_bytes"));
    // Recompression: the same uncompressed content (diff_id) stored under several layer digests.
    Dataset<Row> recompressed = entityLayers.filter(col("diff_key").isNotNull())
        .groupBy(col("level"), col("entity_key"), col("diff_key"))
        .agg(count(lit(1)).as("digests"), sum(col("bytes")).as("all_bytes"), min(col("bytes")).as("smallest"))
        .filter(col("digests").geq(2))
        .groupBy(col("level"), col("entity_key"))
        .agg(sum(col("all_bytes").minus(col("smallest"))).as("recompressed_bytes"));

    Dataset<Row> images = entityImages(scope);
    Dataset<Row> joined = images
        .join(unique, new String[] {"level", "entity_key"}, "left")
        .join(exclusive, new String[] {"level", "entity_key"}, "left")
        .join(recompressed, new String[] {"level", "entity_key"}, "left")
        .select(lit(scope.name()).as("scope"), col("level"), col("name"), col("images"),
            coalesce(col("layers"), lit(0L)).as("layers"),
            col("logical_bytes"),
            coalesce(col("unique_bytes"), lit(0L)).as("unique_bytes"),
            coalesce(col("exclusive_bytes"), lit(0L)).as("exclusive_bytes"),
            coalesce(col("recompressed_bytes"), lit(0L)).as("recompressed_bytes"))
        .withColumn("dedup_ratio", when(col("unique_bytes").gt(0),
            col("logical_bytes").cast(DataTypes.DoubleType).divide(col("unique_bytes"))))
        .withColumn("shared_bytes", col("unique_bytes").minus(col("exclusive_bytes")));
    return conform(joined, Table.DEDUP_SUMMARY.schema());
  }

  /** Per level and entity: its name, distinct images and their summed compressed bytes. */
  static Dataset<Row> entityImages(Scope scope) {
    Column levels = array(
        struct(lit(REGISTRY_LEVEL).as("level"), col("registry_key").as("entity_key"), col("registry").as("name")),
        struct(lit(COMPONENT_LEVEL).as("level"), col("component_key").as("entity_key"),
            coalesce(col("component"), lit(BASE_CATALOGUE)).as("name")),
        struct(lit(REPOSITORY_LEVEL).as("level"), col("repository_key").as("entity_key"),
            concat(col("registry"), lit("/"), col("repository")).as("name")));
    return scope.images()
        .select(col("image_id"), col("compressed_bytes"), explode(levels).as("e"))
        .groupBy(col("e.level").as("level"), col("e.entity_key").as("entity_key"), col("image_id"))
        .agg(min(col("e.name")).as("name"), max(col("compressed_bytes")).as("compressed_bytes"))
        .groupBy(col("level"), col("entity_key"))
        .agg(min(col("name")).as("name"), count(lit(1)).as("images"), sum(col("compressed_bytes")).as("logical_bytes"));
  }

  static Dataset<Row> layerSharing(Scope scope, Dataset<Row> catalogueImages) {
    Dataset<Row> uses = layerUses(scope)
        .join(catalogueImages.withColumn("in_catalogue", lit(true)), new String[] {"image_id"}, "left");
    Dataset<Row> counts = uses.groupBy(col("layer_id"))
        .agg(count_distinct(col("image_id")).as("images"),
            count_distinct(col("repository_key")).as("repositories"),
            count_distinct(when(col("no_component").equalTo(false), col("component_key"))).as("components"),
            coalesce(max(col("in_catalogue")), lit(false)).as("in_base_catalogue"));
    Dataset<Row> texts = scope.layers().groupBy(id(col("layer_digest")).as("layer_id"))
        .agg(min(col("layer_digest")).as("layer_digest"), min(col("diff_id")).as("diff_id"),
            max(col("compressed_bytes")).as("compressed_bytes"), max(col("uncompressed_bytes")).as("uncompressed_bytes"));
    Dataset<Row> joined = texts.join(counts, "layer_id").withColumn("scope", lit(scope.name()));
    return conform(joined, Table.LAYER_SHARING.schema());
  }

  static Dataset<Row> conform(Dataset<Row> rows, StructType schema) {
    Column[] columns = new Column[schema.fields().length];
    for (int i = 0; i < columns.length; i++) {
      StructField field = schema.fields()[i];
      columns[i] = col(field.name()).cast(field.dataType()).as(field.name());
    }
    return rows.select(columns);
  }
}
