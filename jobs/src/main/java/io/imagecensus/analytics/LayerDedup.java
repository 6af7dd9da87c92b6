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
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Layer deduplication: which layers images share, and how many bytes the registry stores once
 * for many images, per registry, component and repository.
 *
 * <p>layer_sharing and dedup_summary have a {@code scope}: {@value #TAGGED} is tonight's images,
 * {@value #STORED} every image of every snapshot (each registry, repository and image digest
 * once). An image is one distinct image digest: a multi-platform index counts one image per
 * platform, and the same digest in two repositories is one image of the registry but one image of
 * each repository. component_overlap covers tonight's images only.
 *
 * <p>Every table is computed from {@link #layerUsage}: one row per scope, layer and repository,
 * a small fraction of the image_layers rows. Writing several tables, persist or checkpoint it once
 * and pass it to each; the one-argument methods compute it themselves.
 *
 * <p>How it stays fast: digests are 71-byte strings and a night has millions of layer rows. The
 * heavy steps run on the 64-bit {@code xxhash64} of each digest and name instead, about a ninth of
 * the bytes to hash, shuffle and compare; strings are only grouped on (never aggregated with min or
 * max, which would force Spark to sort) and are joined back to the small results at the end. Two
 * different digests sharing a hash would be counted as one layer or image: for a million distinct
 * digests that chance is about n^2 / 2^65, 3e-8 per night.
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
   * One row per scope, layer and repository whose images of the scope use the layer, numbers only:
   * scope_id (0 tagged, 1 stored), layer_id, repository_key, registry_key, component_key,
   * has_component; first_of_component and first_of_registry (this is the first repository of its
   * component, of its registry, using the layer); repositories, components and registries using
   * the layer; images (distinct images counted at their first repository, so that a layer's images
   * add up over its repositories), in_catalogue, compressed_bytes, uncompressed_bytes, diff_key
   * (the same for every row of a layer); first_of_layer (this is the first repository using the
   * layer) and the layer's totals: layer_images, layer_components (base-catalogue images, which
   * have no component, not counted), layer_in_catalogue, layer_compressed_bytes,
   * layer_uncompressed_bytes. A repository has one component per night, as the crawl assigns it,
   * so each layer has one first row.
   */
  public static Dataset<Row> layerUsage(AnalyticsInputs inputs) {
    Dataset<Row> catalogueImages = inputs.catalogue().select(id(col("image_digest")).as("image_id")).distinct();
    return layerUsage(tagged(inputs), catalogueImages).unionByName(layerUsage(stored(inputs), catalogueImages));
  }

  /**
   * One {@code layer_sharing} row per scope and layer digest: its sizes, how many images,
   * repositories and components use it, and whether a base-catalogue image has it.
   */
  public static Dataset<Row> layerSharing(AnalyticsInputs inputs) {
    return layerSharing(inputs, layerUsage(inputs));
  }

  /** {@link #layerSharing(AnalyticsInputs)} from an already computed {@link #layerUsage}. */
  public static Dataset<Row> layerSharing(AnalyticsInputs inputs, Dataset<Row> layerUsage) {
    // One row per scope and layer: the layer's totals are on each of its rows.
    Dataset<Row> perLayer = layerUsage.filter(col("first_of_layer"))
        .select(col("scope_id"), col("layer_id"), col("repositories"), col("layer_components").as("components"),
            col("layer_images").as("images"), col("layer_in_catalogue").as("in_base_catalogue"),
            col("layer_compressed_bytes").as("compressed_bytes"), col("layer_uncompressed_bytes").as("uncompressed_bytes"),
            col("diff_key"));
    // The strings: one row per layer digest and diff_id seen with it. A digest always has the same
    // content, but an image whose config could not be read has no diff_id for it: the row whose
    // diff_id hashes to the layer's diff_key (the smallest hash of a known diff_id) is kept, or
    // else the null one. Every night's rows hold tonight's too, so one pass over them names the
    // layers of both scopes.
    Dataset<Row> texts = inputs.allImageLayers()
        .select(col("layer_digest"), col("diff_id"))
        .distinct()
        .select(id(col("layer_digest")).as("text_layer_id"), col("layer_digest"), col("diff_id"),
            when(col("diff_id").isNotNull(), id(col("diff_id"))).as("text_diff_key"));
    Dataset<Row> joined = perLayer.join(texts, col("layer_id").equalTo(col("text_layer_id"))
            .and(col("diff_key").eqNullSafe(col("text_diff_key"))))
        .withColumn("scope", scopeName(col("scope_id")));
    return conform(joined, Table.LAYER_SHARING.schema());
  }

  /**
   * One {@code dedup_summary} row per scope, level (registry, component, repository) and name:
   * images, logical and unique bytes, exclusive and shared bytes, bytes stored twice by recompression.
   */
  public static Dataset<Row> dedupSummary(AnalyticsInputs inputs) {
    return dedupSummary(inputs, layerUsage(inputs));
  }

  /** {@link #dedupSummary(AnalyticsInputs)} from an already computed {@link #layerUsage}. */
  public static Dataset<Row> dedupSummary(AnalyticsInputs inputs, Dataset<Row> layerUsage) {
    Column contributions = array(
        struct(lit(levelNumber("registry")).as("level"), col("registry_key").as("entity_key"),
            col("first_of_registry").as("counts"), col("registries").equalTo(1).as("exclusive")),
        struct(lit(levelNumber("component")).as("level"), col("component_key").as("entity_key"),
            col("first_of_component").as("counts"), col("components").equalTo(1).as("exclusive")),
        struct(lit(levelNumber("repository")).as("level"), col("repository_key").as("entity_key"),
            lit(true).as("counts"), col("repositories").equalTo(1).as("exclusive")));
    // One row per scope, level, entity and distinct layer it uses; a layer is exclusive to an
    // entity when no other entity of the level uses it.
    Dataset<Row> entityLayers = layerUsage
        .select(col("scope_id"), col("layer_id"), col("diff_key"), col("compressed_bytes").as("bytes"),
            explode(contributions).as("c"))
        .filter(col("c.counts"))
        .select(col("scope_id"), col("c.level").as("level"), col("c.entity_key").as("entity_key"), col("layer_id"),
            col("diff_key"), col("bytes"), col("c.exclusive").as("exclusive"));
    Dataset<Row> layerSums = entityLayers
        .groupBy(col("scope_id"), col("level"), col("entity_key"))
        .agg(count(lit(1)).as("layers"), sum(col("bytes")).as("unique_bytes"),
            sum(when(col("exclusive"), col("bytes")).otherwise(lit(0L))).as("exclusive_bytes"));
    // Recompression: the same uncompressed content (diff_id) stored under several layer digests;
    // all copies but the smallest are stored again. Few diff_ids are, so they are sent to every
    // task and the entity layers are not shuffled for the join; the few rows that match are
    // shuffled once, by entity, for both sums. One row per layer is enough to find them.
    Dataset<Row> recompressedDiffs = layerUsage.filter(col("first_of_layer").and(col("diff_key").isNotNull()))
        .groupBy(col("scope_id").as("d_scope_id"), col("diff_key").as("d_diff_key"))
        .agg(min(col("layer_id")).as("first_layer"), max(col("layer_id")).as("last_layer"))
        .filter(col("first_layer").notEqual(col("last_layer")));
    Dataset<Row> recompressed = entityLayers
        .join(broadcast(recompressedDiffs),
            col("scope_id").equalTo(col("d_scope_id")).and(col("diff_key").equalTo(col("d_diff_key"))))
        .repartition(col("scope_id"), col("level"), col("entity_key"))
        .groupBy(col("scope_id"), col("level"), col("entity_key"), col("diff_key"))
        .agg(sum(col("bytes")).as("bytes"), min(col("bytes")).as("smallest"))
        .groupBy(col("scope_id"), col("level"), col("entity_key"))
        .agg(sum(col("bytes").minus(col("smallest"))).as("recompressed_bytes"));

    String[] entity = {"scope_id", "level", "entity_key"};
    Scope tagged = tagged(inputs);
    Scope stored = stored(inputs);
    Dataset<Row> joined = entityImages(tagged, stored)
        .join(layerSums, entity, "left")
        .join(recompressed, entity, "left")
        .join(broadcast(entityNames(tagged, stored)), entity)
        .select(scopeName(col("scope_id")).as("scope"), levelName(col("level")).as("level"), col("name"),
            col("images"),
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

  /**
   * One {@code component_overlap} row per pair of components (component_a before component_b) whose
   * tonight's images share at least one layer digest; base-catalogue images have no component.
   */
  public static Dataset<Row> componentOverlap(AnalyticsInputs inputs) {
    return componentOverlap(inputs, layerUsage(inputs));
  }

  /** {@link #componentOverlap(AnalyticsInputs)} from an already computed {@link #layerUsage}. */
  public static Dataset<Row> componentOverlap(AnalyticsInputs inputs, Dataset<Row> layerUsage) {
    Dataset<Row> layerComponents = layerUsage
        .filter(col("scope_id").equalTo(tagged(inputs).id()).and(col("has_component")))
        .groupBy(col("layer_id"), col("component_key"))
        .agg(max(col("compressed_bytes")).as("bytes"));
    // Both sides of the self-join use the same columns, so Spark computes layerComponents once.
    Dataset<Row> a = layerComponents.select(col("layer_id"), col("component_key").as("a_key"), col("bytes").as("a_bytes"));
    Dataset<Row> b = layerComponents.select(col("layer_id").as("b_layer_id"), col("component_key").as("b_key"),
        col("bytes").as("b_bytes"));
    Dataset<Row> pairs = a.join(b, col("layer_id").equalTo(col("b_layer_id")).and(col("a_key").notEqual(col("b_key"))))
        .groupBy(col("a_key"), col("b_key"))
        .agg(count(lit(1)).as("shared_layers"), sum(greatest(col("a_bytes"), col("b_bytes"))).as("shared_bytes"));
    Dataset<Row> names = entityNames(tagged(inputs)).filter(col("level").equalTo(levelNumber("component")));
    Dataset<Row> named = pairs
        .join(broadcast(names.select(col("entity_key").as("a_key"), col("name").as("component_a"))), "a_key")
        .join(broadcast(names.select(col("entity_key").as("b_key"), col("name").as("component_b"))), "b_key")
        .filter(col("component_a").lt(col("component_b")));
    return conform(named, Table.COMPONENT_OVERLAP.schema());
  }

  /**
   * One scope: its keys per image and per repository (numbers only), and the rows they come from.
   *
   * @param id the scope_id: 0 tagged, 1 stored
   * @param imageKeys one row per image and repository: image_id, registry_key, repository_key,
   *     component_key (that of {@link #BASE_CATALOGUE} when the component is null), has_component,
   *     image_bytes; an image reached through several indexes of a repository is one row. Hash
   *     partitioned by image_id, so steps per image need no further shuffle.
   * @param repositories one row per repository: repository_key, registry_key, component_key,
   *     has_component
   * @param images the scope's images rows (for names)
   * @param layers the image_layers rows of its images
   */
  record Scope(int id, Dataset<Row> imageKeys, Dataset<Row> repositories, Dataset<Row> images, Dataset<Row> layers) {}

  static Scope tagged(AnalyticsInputs inputs) {
    Dataset<Row> images = inputs.images();
    Dataset<Row> keys = images.select(imageKeyColumns()).repartition(col("image_id")).distinct();
    Dataset<Row> repositories = images
        .select(repositoryKey().as("repository_key"), registryKey().as("registry_key"), componentKey().as("component_key"),
            hasComponent().as("has_component"))
        .distinct();
    return new Scope(0, keys, repositories, images, inputs.imageLayers());
  }

  /**
   * Every image of every night. A repository's component can change with the configuration; each
   * repository keeps the component it had on the latest night it was crawled.
   */
  static Scope stored(AnalyticsInputs inputs) {
    Dataset<Row> images = inputs.allImages();
    Dataset<Row> repositories = images
        .groupBy(repositoryKey().as("repository_key"), registryKey().as("registry_key"))
        .agg(max_by(componentKey(), col(Table.SNAPSHOT_DATE)).as("component_key"),
            max_by(hasComponent(), col(Table.SNAPSHOT_DATE)).as("has_component"));
    // The component is joined after the distinct, so that the image rows need not wait for it.
    Dataset<Row> keys = images
        .select(id(col("digest")).as("image_id"), repositoryKey().as("k_repository_key"),
            col("compressed_bytes").as("image_bytes"))
        .repartition(col("image_id"))
        .distinct()
        .join(broadcast(repositories), col("k_repository_key").equalTo(col("repository_key")))
        .select(col("image_id"), col("registry_key"), col("repository_key"), col("component_key"), col("has_component"),
            col("image_bytes"));
    return new Scope(1, keys, repositories, images, inputs.allImageLayers());
  }

  /** The name of a scope_id: {@value #TAGGED} for 0, {@value #STORED} for 1. */
  private static Column scopeName(Column scopeId) {
    return when(scopeId.equalTo(0), lit(TAGGED)).otherwise(lit(STORED));
  }

  /** The 64-bit id of a digest or name. */
  static Column id(Column text) {
    return xxhash64(text);
  }

  /** The columns of {@link Scope#imageKeys} from one images row. */
  private static Column[] imageKeyColumns() {
    return new Column[] {
        id(col("digest")).as("image_id"),
        registryKey().as("registry_key"),
        repositoryKey().as("repository_key"),
        componentKey().as("component_key"),
        hasComponent().as("has_component"),
        col("compressed_bytes").as("image_bytes")};
  }

  private static Column registryKey() {
    return id(col("registry"));
  }

  private static Column repositoryKey() {
    return xxhash64(col("registry"), col("repository"));
  }

  private static Column componentKey() {
    return id(coalesce(col("component"), lit(BASE_CATALOGUE)));
  }

  private static Column hasComponent() {
    return col("component").isNotNull();
  }

  /** Each use of a layer by an image of the scope, per repository of the image; see {@link #layerUsage}. */
  static Dataset<Row> layerUsage(Scope scope, Dataset<Row> catalogueImages) {
    // An image in several repositories is counted at its first repository only (smallest key).
    // Straight from the image rows, not from imageKeys: the stored scope's components are not
    // needed here, and the layer rows wait for this step.
    Dataset<Row> images = scope.images()
        .select(id(col("digest")).as("image_id"), repositoryKey().as("repository_key"))
        .repartition(col("image_id"))
        .distinct()
        .withColumn("primary", col("repository_key").equalTo(
            min(col("repository_key")).over(Window.partitionBy(col("image_id")))))
        .join(broadcast(catalogueImages.withColumn("in_catalogue", lit(true))), new String[] {"image_id"}, "left")
        .withColumn("in_catalogue", coalesce(col("in_catalogue"), lit(false)));
    Dataset<Row> uses = scope.layers().select(
        id(col("image_digest")).as("use_image_id"),
        id(col("layer_digest")).as("layer_id"),
        col("compressed_bytes"),
        col("uncompressed_bytes"),
        // xxhash64(null) is the seed, not null.
        when(col("diff_id").isNotNull(), id(col("diff_id"))).as("diff_key"));
    Dataset<Row> repositories = scope.repositories().withColumnRenamed("repository_key", "r_repository_key");
    WindowSpec layer = Window.partitionBy(col("layer_id"));
    // The layer rows are shuffled once, by layer: every step below groups by layer_id plus other
    // keys, which Spark then does in place. The images are a few numbers per image and repository,
    // small enough to send to every task: joined after the shuffle, so that reading and shuffling
    // the layer rows does not wait for them, and after the distinct uses, the largest step, so
    // that it groups by two numbers rather than three.
    return uses.repartition(col("layer_id"))
        // distinct uses: a layer twice in an image, or an image on several nights, is one use
        .groupBy(col("layer_id"), col("use_image_id"))
        .agg(max(col("compressed_bytes")).as("compressed_bytes"), max(col("uncompressed_bytes")).as("uncompressed_bytes"),
            min(col("diff_key")).as("diff_key"))
        .join(broadcast(images), col("use_image_id").equalTo(col("image_id")))
        .groupBy(col("layer_id"), col("repository_key"))
        .agg(sum(when(col("primary"), lit(1L)).otherwise(lit(0L))).as("images"),
            max(col("in_catalogue")).as("in_catalogue"), max(col("compressed_bytes")).as("compressed_bytes"),
            max(col("uncompressed_bytes")).as("uncompressed_bytes"), min(col("diff_key")).as("diff_key"))
        // a few hundred repositories
        .join(broadcast(repositories), col("repository_key").equalTo(col("r_repository_key")))
        // a layer counts once per component and registry: at the first of their repositories using it
        .withColumn("first_of_component", col("repository_key").equalTo(min(col("repository_key"))
            .over(Window.partitionBy(col("layer_id"), col("component_key")))))
        .withColumn("first_of_registry", col("repository_key").equalTo(min(col("repository_key"))
            .over(Window.partitionBy(col("layer_id"), col("registry_key")))))
        .select(lit(scope.id()).as("scope_id"), col("layer_id"), col("repository_key"), col("registry_key"),
            col("component_key"), col("has_component"), col("first_of_component"), col("first_of_registry"),
            count(lit(1)).over(layer).as("repositories"),
            sum(when(col("first_of_component"), lit(1L)).otherwise(lit(0L))).over(layer).as("components"),
            sum(when(col("first_of_registry"), lit(1L)).otherwise(lit(0L))).over(layer).as("registries"),
            col("images"), col("in_catalogue"), col("compressed_bytes"), col("uncompressed_bytes"),
            // one diff_key per layer, even where some images' configs could not be read
            min(col("diff_key")).over(layer).as("diff_key"),
            // the layer's totals for layer_sharing, which reads them from the layer's first repository
            col("repository_key").equalTo(min(col("repository_key")).over(layer)).as("first_of_layer"),
            sum(col("images")).over(layer).as("layer_images"),
            sum(when(col("first_of_component").and(col("has_component")), lit(1L)).otherwise(lit(0L))).over(layer)
                .as("layer_components"),
            max(col("in_catalogue")).over(layer).as("layer_in_catalogue"),
            max(col("compressed_bytes")).over(layer).as("layer_compressed_bytes"),
            max(col("uncompressed_bytes")).over(layer).as("layer_uncompressed_bytes"));
  }

  /**
   * Per scope, level and entity: distinct images and their summed compressed bytes. The scopes'
   * rows are aggregated together, in one shuffle.
   */
  static Dataset<Row> entityImages(Scope... scopes) {
    return Arrays.stream(scopes).map(LayerDedup::countedImages).reduce(Dataset::unionByName).orElseThrow()
        .groupBy(col("scope_id"), col("level"), col("entity_key"))
        .agg(count(lit(1)).as("images"), sum(col("image_bytes")).as("logical_bytes"));
  }

  /** Per image and each entity of each level that counts it: scope_id, level, entity_key, image_bytes. */
  private static Dataset<Row> countedImages(Scope scope) {
    // An image counts once per component and registry: at the first of its repositories in them.
    Column contributions = array(
        struct(lit(levelNumber("registry")).as("level"), col("registry_key").as("entity_key"),
            col("first_of_registry").as("counts")),
        struct(lit(levelNumber("component")).as("level"), col("component_key").as("entity_key"),
            col("first_of_component").as("counts")),
        struct(lit(levelNumber("repository")).as("level"), col("repository_key").as("entity_key"),
            lit(true).as("counts")));
    return scope.imageKeys()
        .withColumn("first_of_component", col("repository_key").equalTo(min(col("repository_key"))
            .over(Window.partitionBy(col("image_id"), col("component_key")))))
        .withColumn("first_of_registry", col("repository_key").equalTo(min(col("repository_key"))
            .over(Window.partitionBy(col("image_id"), col("registry_key")))))
        .select(col("image_bytes"), explode(contributions).as("c"))
        .filter(col("c.counts"))
        .select(lit(scope.id()).as("scope_id"), col("c.level").as("level"), col("c.entity_key").as("entity_key"),
            col("image_bytes"));
  }

  /**
   * Each level's entities of the scopes: scope_id, level (number), entity_key, name. A few hundred
   * rows, made distinct together in one shuffle.
   */
  static Dataset<Row> entityNames(Scope... scopes) {
    return Arrays.stream(scopes).map(LayerDedup::nameRows).reduce(Dataset::unionByName).orElseThrow().distinct();
  }

  private static Dataset<Row> nameRows(Scope scope) {
    Column levels = array(
        struct(lit(levelNumber("registry")).as("level"), registryKey().as("entity_key"), col("registry").as("name")),
        struct(lit(levelNumber("component")).as("level"), componentKey().as("entity_key"),
            coalesce(col("component"), lit(BASE_CATALOGUE)).as("name")),
        struct(lit(levelNumber("repository")).as("level"), repositoryKey().as("entity_key"),
            concat(col("registry"), lit("/"), col("repository")).as("name")));
    return scope.images().select(explode(levels).as("e"))
        .select(lit(scope.id()).as("scope_id"), col("e.level").as("level"), col("e.entity_key").as("entity_key"),
            col("e.name").as("name"));
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

  static Dataset<Row> conform(Dataset<Row> rows, StructType schema) {
    Column[] columns = new Column[schema.fields().length];
    for (int i = 0; i < columns.length; i++) {
      StructField field = schema.fields()[i];
      columns[i] = col(field.name()).cast(field.dataType()).as(field.name());
    }
    return rows.select(columns);
  }
}
