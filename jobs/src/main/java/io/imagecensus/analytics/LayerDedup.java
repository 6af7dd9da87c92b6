package io.imagecensus.analytics;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import io.imagecensus.model.Table;
import java.util.Arrays;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Layer deduplication: which layers images share, and how many bytes the registry stores once
 * for many images, per registry, component and repository.
 *
 * <p>Every table but component_overlap has a {@code scope}: {@value #TAGGED} is tonight's images,
 * {@value #STORED} every image of every snapshot. An image is one distinct image digest: a
 * multi-platform index counts one image per platform, and the same digest in two repositories is
 * one image of the registry but one image of each repository.
 *
 * <p>How it stays fast: digests are 71-byte strings, and a night has millions of layer rows. The
 * aggregations run on the 64-bit {@code xxhash64} of each digest and name instead, about a ninth
 * of the bytes to hash, shuffle and compare; strings are only grouped on (never aggregated with
 * min or max, which would force Spark to sort) and are joined back to the small results at the
 * end. Layer uses are shuffled once, by layer, and every per-layer count is then computed where
 * the rows already are. Two different digests sharing a hash would be counted as one layer or
 * image: for a million distinct digests that chance is about n^2 / 2^65, 3e-8 per night.
 */
public final class LayerDedup {
  /** Scope of tonight's images. */
  public static final String TAGGED = "tagged";
  /** Scope of every image of every snapshot. */
  public static final String STORED = "stored";
  /** The component-level name of images whose component is null (base-catalogue repositories). */
  public static final String BASE_CATALOGUE = "(base catalogue)";

  /** Levels of dedup_summary, by their number in the {@code level} column of intermediate rows. */
  private static final String[] LEVELS = {"registry", "component", "repository"};

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
   * tonight's images share at least one layer digest; base-catalogue images have no component.
   */
  public static Dataset<Row> componentOverlap(AnalyticsInputs inputs) {
    Scope scope = tagged(inputs);
    Dataset<Row> images = scope.imageKeys().filter(col("has_component"))
        .select(col("image_id"), col("component_key")).distinct();
    Dataset<Row> layerComponents = usesByLayer(scope, images)
        .groupBy(col("layer_id"), col("component_key"))
        .agg(max(col("compressed_bytes")).as("bytes"));
    // Both sides of the self-join use the same columns, so Spark computes layerComponents once.
    Dataset<Row> a = layerComponents.select(col("layer_id"), col("component_key").as("a_key"), col("bytes").as("a_bytes"));
    Dataset<Row> b = layerComponents.select(col("layer_id").as("b_layer_id"), col("component_key").as("b_key"),
        col("bytes").as("b_bytes"));
    Dataset<Row> pairs = a.join(b, col("layer_id").equalTo(col("b_layer_id")).and(col("a_key").notEqual(col("b_key"))))
        .groupBy(col("a_key"), col("b_key"))
        .agg(count(lit(1)).as("shared_layers"), sum(greatest(col("a_bytes"), col("b_bytes"))).as("shared_bytes"));
    Dataset<Row> names = entityNames(scope).filter(col("level").equalTo(levelNumber("component")));
    Dataset<Row> named = pairs
        .join(broadcast(names.select(col("entity_key").as("a_key"), col("name").as("component_a"))), "a_key")
        .join(broadcast(names.select(col("entity_key").as("b_key"), col("name").as("component_b"))), "b_key")
        .filter(col("component_a").lt(col("component_b")));
    return conform(named, Table.COMPONENT_OVERLAP.schema());
  }

  /**
   * One scope: each image's keys (see {@link #imageKeys}), its images' names (rows of registry,
   * repository and component) and the image_layers rows of its images.
   */
  record Scope(String name, Dataset<Row> imageKeys, Dataset<Row> names, Dataset<Row> layers) {}

  static Scope tagged(AnalyticsInputs inputs) {
    return new Scope(TAGGED, imageKeys(inputs.images()), inputs.images(), inputs.imageLayers());
  }

  /**
   * Every image of every night. A repository's component can change with the configuration; each
   * repository keeps the component it had on the latest night it was crawled.
   */
  static Scope stored(AnalyticsInputs inputs) {
    Dataset<Row> rows = inputs.allImages();
    Dataset<Row> latest = imageKeysWithNight(rows)
        .groupBy(col("repository_key").as("latest_repository_key"))
        .agg(max_by(col("component_key"), col("night")).as("latest_component_key"),
            max_by(col("has_component"), col("night")).as("latest_has_component"));
    Dataset<Row> keys = imageKeysWithNight(rows)
        .join(broadcast(latest), col("repository_key").equalTo(col("latest_repository_key")))
        .select(col("image_id"), col("registry_key"), col("repository_key"),
            col("latest_component_key").as("component_key"), col("latest_has_component").as("has_component"),
            col("image_bytes"))
        .distinct();
    return new Scope(STORED, keys, inputs.allImages(), inputs.allImageLayers());
  }

  /** The 64-bit id of a digest or name. */
  static Column id(Column text) {
    return xxhash64(text);
  }

  /**
   * One row per image and repository, numbers only: image_id, registry_key, repository_key,
   * component_key (that of {@link #BASE_CATALOGUE} when the component is null), has_component,
   * image_bytes. An image reached through several indexes of a repository is one row.
   */
  static Dataset<Row> imageKeys(Dataset<Row> images) {
    return images.select(imageKeyColumns()).distinct();
  }

  private static Dataset<Row> imageKeysWithNight(Dataset<Row> images) {
    Column[] keys = imageKeyColumns();
    Column[] withNight = Arrays.copyOf(keys, keys.length + 1);
    withNight[keys.length] = col(Table.SNAPSHOT_DATE).as("night");
    return images.select(withNight);
  }

  private static Column[] imageKeyColumns() {
    return new Column[] {
        id(col("digest")).as("image_id"),
        id(col("registry")).as("registry_key"),
        xxhash64(col("registry"), col("repository")).as("repository_key"),
        id(coalesce(col("component"), lit(BASE_CATALOGUE))).as("component_key"),
        col("component").isNotNull().as("has_component"),
        col("compressed_bytes").as("image_bytes")};
  }

  /** The entity keys of a row with registry_key, component_key and repository_key, one per level. */
  private static Column levelKeys() {
    return array(
        struct(lit(levelNumber("registry")).as("level"), col("registry_key").as("entity_key")),
        struct(lit(levelNumber("component")).as("level"), col("component_key").as("entity_key")),
        struct(lit(levelNumber("repository")).as("level"), col("repository_key").as("entity_key")));
  }

  /** Each level's entities of the scope: level (number), entity_key, name. A few hundred rows. */
  static Dataset<Row> entityNames(Scope scope) {
    Column component = coalesce(col("component"), lit(BASE_CATALOGUE));
    Column levels = array(
        struct(lit(levelNumber("registry")).as("level"), id(col("registry")).as("entity_key"),
            col("registry").as("name")),
        struct(lit(levelNumber("component")).as("level"), id(component).as("entity_key"), component.as("name")),
        struct(lit(levelNumber("repository")).as("level"), xxhash64(col("registry"), col("repository")).as("entity_key"),
            concat(col("registry"), lit("/"), col("repository")).as("name")));
    return scope.names().select(explode(levels).as("e"))
        .select(col("e.level").as("level"), col("e.entity_key").as("entity_key"), col("e.name").as("name"))
        .distinct();
  }

  static int levelNumber(String level) {
    for (int i = 0; i < LEVELS.length; i++) {
      if (LEVELS[i].equals(level)) {
        return i;
      }
    }
    throw new IllegalArgumentException("Unknown dedup level '" + level + "'");
  }

  private static Column levelName(Column number) {
    Column name = lit(null).cast(DataTypes.StringType);
    for (int i = LEVELS.length - 1; i >= 0; i--) {
      name = when(number.equalTo(i), lit(LEVELS[i])).otherwise(name);
    }
    return name;
  }

  /**
   * Each use of a layer by an image of the scope, joined to {@code images} (one row per image_id
   * and repository) and shuffled by layer_id; with the layer row's layer_id, compressed_bytes,
   * uncompressed_bytes and diff_key (the hash of its diff_id, or null).
   */
  static Dataset<Row> usesByLayer(Scope scope, Dataset<Row> images) {
    Dataset<Row> uses = scope.layers().select(
        id(col("image_digest")).as("use_image_id"),
        id(col("layer_digest")).as("layer_id"),
        col("compressed_bytes"),
        col("uncompressed_bytes"),
        // xxhash64(null) is the seed, not null.
        when(col("diff_id").isNotNull(), id(col("diff_id"))).as("diff_key"));
    // One row per image and repository, a few numbers: small enough to send to every task, so the
    // layer rows are not shuffled for the join. They are shuffled once, by layer: every later step
    // groups by layer_id plus other keys, which Spark then does where the rows already are.
    // Each output must use these rows in ONE chain of steps: two branches that need different
    // columns would each recompute the scan, the join and the shuffle.
    return uses.join(broadcast(images), col("use_image_id").equalTo(col("image_id")))
        .drop("use_image_id")
        .repartition(col("layer_id"));
  }

  static Dataset<Row> layerSharing(Scope scope, Dataset<Row> catalogueImages) {
    // An image in several repositories is counted at its first repository only (smallest key),
    // so the distinct images of a layer add up along the chain below without a distinct count.
    Dataset<Row> images = scope.imageKeys()
        .select(col("image_id"), col("repository_key"), col("component_key"), col("has_component"))
        .withColumn("primary", col("repository_key").equalTo(
            min(col("repository_key")).over(Window.partitionBy(col("image_id")))))
        .join(broadcast(catalogueImages.withColumn("in_catalogue", lit(true))), new String[] {"image_id"}, "left")
        .withColumn("in_catalogue", coalesce(col("in_catalogue"), lit(false)));
    Dataset<Row> perLayer = usesByLayer(scope, images)
        // distinct uses: a layer twice in an image, or an image on several nights, is one use
        .groupBy(col("layer_id"), col("repository_key"), col("image_id"))
        .agg(max(col("component_key")).as("component_key"), max(col("has_component")).as("has_component"),
            max(col("primary")).as("primary"), max(col("in_catalogue")).as("in_catalogue"),
            max(col("compressed_bytes")).as("compressed_bytes"), max(col("uncompressed_bytes")).as("uncompressed_bytes"),
            min(col("diff_key")).as("diff_key"))
        .groupBy(col("layer_id"), col("repository_key"))
        .agg(max(col("component_key")).as("component_key"), max(col("has_component")).as("has_component"),
            sum(when(col("primary"), lit(1L)).otherwise(lit(0L))).as("images"),
            max(col("in_catalogue")).as("in_catalogue"),
            max(col("compressed_bytes")).as("compressed_bytes"), max(col("uncompressed_bytes")).as("uncompressed_bytes"),
            min(col("diff_key")).as("diff_key"))
        // a repository belongs to one component, so repositories add up per component
        .groupBy(col("layer_id"), col("component_key"))
        .agg(max(col("has_component")).as("has_component"), count(lit(1)).as("repositories"),
            sum(col("images")).as("images"), max(col("in_catalogue")).as("in_catalogue"),
            max(col("compressed_bytes")).as("compressed_bytes"), max(col("uncompressed_bytes")).as("uncompressed_bytes"),
            min(col("diff_key")).as("diff_key"))
        .groupBy(col("layer_id"))
        .agg(sum(when(col("has_component"), lit(1L)).otherwise(lit(0L))).as("components"),
            sum(col("repositories")).as("repositories"), sum(col("images")).as("images"),
            max(col("in_catalogue")).as("in_base_catalogue"),
            max(col("compressed_bytes")).as("compressed_bytes"), max(col("uncompressed_bytes")).as("uncompressed_bytes"),
            min(col("diff_key")).as("diff_key"));
    // The strings: one row per layer digest and diff_id seen with it. A digest always has the same
    // content, but an image whose config could not be read has no diff_id for it; the row whose
    // diff_id hashes to the layer's diff_key (the smallest hash of a known diff_id), or else the
    // null one, is kept.
    Dataset<Row> texts = scope.layers().groupBy(col("layer_digest"), col("diff_id")).agg(count(lit(1)).as("rows"))
        .select(id(col("layer_digest")).as("text_layer_id"), col("layer_digest"), col("diff_id"),
            when(col("diff_id").isNotNull(), id(col("diff_id"))).as("text_diff_key"));
    // Joined on layer_id alone, the key perLayer is already grouped by, so only the texts move.
    // (Written with <=>, the diff condition would become a second join key and move perLayer too.)
    Column sameDiff = col("diff_key").equalTo(col("text_diff_key"))
        .or(col("diff_key").isNull().and(col("text_diff_key").isNull()));
    Dataset<Row> joined = perLayer.join(texts, col("layer_id").equalTo(col("text_layer_id")).and(sameDiff))
        .withColumn("scope", lit(scope.name()));
    return conform(joined, Table.LAYER_SHARING.schema());
  }

  static Dataset<Row> dedupSummary(Scope scope) {
    Dataset<Row> images = scope.imageKeys()
        .select(col("image_id"), col("registry_key"), col("repository_key"), col("component_key"))
        .distinct();
    Dataset<Row> layerSums = usesByLayer(scope, images)
        .groupBy(col("layer_id"), col("repository_key"))
        .agg(max(col("registry_key")).as("registry_key"), max(col("component_key")).as("component_key"),
            max(col("compressed_bytes")).as("bytes"), min(col("diff_key")).as("diff_key"))
        .select(col("layer_id"), col("bytes"), col("diff_key"), explode(levelKeys()).as("e"))
        // one row per level, entity and distinct layer it uses
        .groupBy(col("e.level").as("level"), col("e.entity_key").as("entity_key"), col("layer_id"))
        .agg(max(col("bytes")).as("bytes"), min(col("diff_key")).as("diff_key"))
        // a layer is exclusive to an entity when no other entity of the level uses it
        .withColumn("owners", count(lit(1)).over(Window.partitionBy(col("level"), col("layer_id"))))
        // Recompression: the same uncompressed content (diff_id) stored under several layer
        // digests; all copies but the smallest are stored again. Layers without a diff_id stand alone.
        .groupBy(col("level"), col("entity_key"), coalesce(col("diff_key"), col("layer_id")).as("content_key"))
        .agg(count(lit(1)).as("digests"), sum(col("bytes")).as("bytes"), min(col("bytes")).as("smallest"),
            sum(when(col("owners").equalTo(1), col("bytes")).otherwise(lit(0L))).as("exclusive_bytes"))
        .groupBy(col("level"), col("entity_key"))
        .agg(sum(col("digests")).as("layers"), sum(col("bytes")).as("unique_bytes"),
            sum(col("exclusive_bytes")).as("exclusive_bytes"),
            sum(col("bytes").minus(col("smallest"))).as("recompressed_bytes"));

    Dataset<Row> joined = entityImages(scope)
        .join(layerSums, new String[] {"level", "entity_key"}, "left")
        .join(broadcast(entityNames(scope)), new String[] {"level", "entity_key"})
        .select(lit(scope.name()).as("scope"), levelName(col("level")).as("level"), col("name"), col("images"),
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

  /** Per level and entity: distinct images and their summed compressed bytes. */
  static Dataset<Row> entityImages(Scope scope) {
    return scope.imageKeys()
        .select(col("image_id"), col("image_bytes"), explode(levelKeys()).as("e"))
        .groupBy(col("e.level").as("level"), col("e.entity_key").as("entity_key"), col("image_id"))
        .agg(max(col("image_bytes")).as("image_bytes"))
        .groupBy(col("level"), col("entity_key"))
        .agg(count(lit(1)).as("images"), sum(col("image_bytes")).as("logical_bytes"));
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
