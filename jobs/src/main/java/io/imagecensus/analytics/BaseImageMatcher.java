package io.imagecensus.analytics;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import io.imagecensus.model.ManifestDocument;
import io.imagecensus.model.Table;
import java.util.Arrays;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Decides the base image of every image, trying in order: the manifest's base annotations, the
 * longest catalogue base whose layers the image starts with, the image's own catalogue entry, the
 * base-name label, and the build history; the first method that answers wins.
 *
 * <p>Layers are compared by diff_id (the digest of the uncompressed tar), never by layer digest: a
 * copy tool that recompresses a base layer changes its digest but not its diff_id, and the base is
 * still the base.
 */
public final class BaseImageMatcher {
  static final String ANNOTATION = "annotation";
  static final String LAYERS = "layers";
  static final String CATALOGUE = "catalogue";
  static final String LABEL = "label";
  static final String HISTORY = "history";
  static final String NONE = "none";

  static final String FULL = "full";
  static final String SLIM = "slim";
  static final String ALPINE = "alpine";
  static final String DISTROLESS = "distroless";
  static final String SCRATCH = "scratch";
  static final String UNKNOWN = "unknown";

  private BaseImageMatcher() {}

  /**
   * One {@link Table#IMAGE_BASES} row per distinct image digest of {@code images}: its base image
   * (from the {@code catalogue}, rows of {@link BaseCatalogue#SCHEMA}), how it was decided, and the
   * bytes of the image's own layers that come from that base.
   */
  public static Dataset<Row> match(Dataset<Row> images, Dataset<Row> imageLayers, Dataset<Row> catalogue) {
    Dataset<Row> facts = imageFacts(images);
    Dataset<Row> layers = imageLayers.select(col("image_digest"), col("position"), col("diff_id"),
        col("compressed_bytes"), col("uncompressed_bytes"), col("created_by"));
    Dataset<Row> bases = catalogueBases(catalogue, facts);

    // Each method proposes at most one base per image; the lowest priority number wins.
    Dataset<Row> candidates = byAnnotationDigest(facts, bases)
        .unionByName(byName(facts, bases, "annotation_name", 2, ANNOTATION, 1.0))
        .unionByName(byUncataloguedName(facts, "annotation_name", col("annotation_digest"), 3, ANNOTATION, 0.8))
        .unionByName(byLayers(facts, layers, bases))
        .unionByName(byOwnCatalogueEntry(facts, bases))
        .unionByName(byName(facts, bases, "label_name", 6, LABEL, 0.7))
        .unionByName(byUncataloguedName(facts, "label_name", lit(null).cast(StringType), 7, LABEL, 0.7))
        .unionByName(byHistory(facts, layers))
        .unionByName(byNothing(facts));
    Dataset<Row> chosen = firstPerImage(candidates, col("priority"));

    Dataset<Row> withMatchedLayers = withSharedPrefix(chosen, layers);
    return withBaseBytes(withMatchedLayers, layers)
        .select(Arrays.stream(Table.IMAGE_BASES.schema().fields())
            .map(field -> col(field.name()).cast(field.dataType()))
            .toArray(Column[]::new));
  }

  /**
   * One row per image digest with what the methods need. Images are immutable content keyed by
   * digest, so the repeated rows of one digest (several repositories or indexes) agree; max only
   * picks one deterministically.
   */
  static Dataset<Row> imageFacts(Dataset<Row> images) {
    return images
        .groupBy(col("digest").as("image_digest"))
        .agg(max(col("base_name_annotation")).as("annotation_name"),
            max(col("base_digest_annotation")).as("annotation_digest"),
            max(col("labels").getItem(ManifestDocument.BASE_NAME_ANNOTATION)).as("label_name"),
            max(col("layer_count")).as("layer_count"),
            max(platformOf(col("os"), col("architecture"), col("variant"))).as("platform"));
  }

  /** "os/architecture/variant" with missing parts left out, e.g. linux/arm64/v8 or linux/amd64. */
  static Column platformOf(Column os, Column architecture, Column variant) {
    return concat_ws("/", os, architecture, variant);
  }

  /** Distinct catalogue images with their family and platform (from tonight's images). */
  static Dataset<Row> catalogueBases(Dataset<Row> catalogue, Dataset<Row> facts) {
    Dataset<Row> platforms = facts.select(col("image_digest").as("platform_digest"), col("platform").as("base_platform"));
    Dataset<Row> entries = catalogue
        .select(col("base_ref"), col("image_digest").as("base_digest"), col("index_digest").as("base_index_digest"),
            col("family").as("base_family"))
        .distinct();
    return entries.join(platforms, entries.col("base_digest").equalTo(platforms.col("platform_digest")), "left")
        .drop("platform_digest");
  }

  /**
   * Method (a) by digest: the annotation names a catalogue image, or a catalogue index, in which
   * case the platform image of the same platform as this image is the base.
   */
  static Dataset<Row> byAnnotationDigest(Dataset<Row> facts, Dataset<Row> bases) {
    Dataset<Row> byImageDigest = bases.withColumn("lookup_digest", col("base_digest"));
    Dataset<Row> byIndexDigest = bases.filter(col("base_index_digest").isNotNull())
        .withColumn("lookup_digest", col("base_index_digest"));
    Dataset<Row> lookup = byImageDigest.unionByName(byIndexDigest);
    Dataset<Row> matches = facts.filter(col("annotation_digest").isNotNull())
        .join(lookup, col("annotation_digest").equalTo(col("lookup_digest")));
    Dataset<Row> best = firstPerImage(matches,
        col("base_digest").equalTo(col("annotation_digest")).desc(),
        samePlatform().desc(), col("base_ref"), col("base_digest"), col("base_family"));
    return candidate(best, 1, ANNOTATION, col("base_ref"), col("base_digest"), col("base_family"),
        lit(0), true, lit(1.0));
  }

  /**
   * Methods (a) by name and (c): the annotation or label names a catalogue tag once the registry
   * host and any digest are removed; among its platform images, the one of this image's platform.
   */
  static Dataset<Row> byName(Dataset<Row> facts, Dataset<Row> bases, String nameColumn, int priority,
      String method, double confidence) {
    Dataset<Row> matches = facts.filter(col(nameColumn).isNotNull())
        .join(bases, referenceWithoutRegistry(col(nameColumn)).equalTo(col("base_ref")));
    Dataset<Row> best = firstPerImage(matches, samePlatform().desc(), col("base_digest"), col("base_family"));
    return candidate(best, priority, method, col("base_ref"), col("base_digest"), col("base_family"),
        lit(0), true, lit(confidence));
  }

  /**
   * Methods (a) and (c) when the named base is not in the catalogue: the name as written, the
   * family guessed from it, and no layers known to come from it.
   */
  static Dataset<Row> byUncataloguedName(Dataset<Row> facts, String nameColumn, Column baseDigest, int priority,
      String method, double confidence) {
    Dataset<Row> named = facts.filter(col(nameColumn).isNotNull());
    return candidate(named, priority, method, col(nameColumn), baseDigest,
        familyFromName(referenceWithoutRegistry(col(nameColumn))), lit(0), false, lit(confidence));
  }

  /**
   * Method (b): the catalogue image whose complete diff_id list is the start of this image's
   * diff_id list. Every base layer must meet the image layer at the same position with the same
   * diff_id, so a base of n layers matches when n (position, diff_id) pairs join. The longest base
   * wins: python:3.11-slim (2 layers) beats the debian:bookworm-slim (1 layer) it is built on.
   */
  static Dataset<Row> byLayers(Dataset<Row> facts, Dataset<Row> layers, Dataset<Row> bases) {
    Dataset<Row> baseDigests = bases.select(col("base_digest").as("catalogue_digest")).distinct();
    Dataset<Row> baseLayers = layers.join(baseDigests, col("image_digest").equalTo(col("catalogue_digest")))
        .select(col("catalogue_digest").as("base_digest"), col("position").as("base_position"),
            col("diff_id").as("base_diff_id"));
    // A base with an unknown diff_id (config unreadable) cannot be proven to be anyone's prefix.
    Dataset<Row> baseLengths = baseLayers.groupBy(col("base_digest"))
        .agg(count(lit(1)).as("base_layers"), count(col("base_diff_id")).as("known_diff_ids"))
        .filter(col("base_layers").equalTo(col("known_diff_ids")))
        .drop("known_diff_ids");
    Dataset<Row> imageSide = layers.filter(col("diff_id").isNotNull())
        .select(col("image_digest"), col("position"), col("diff_id"));
    Dataset<Row> fullMatches = imageSide
        .join(baseLayers, col("position").equalTo(col("base_position")).and(col("diff_id").equalTo(col("base_diff_id"))))
        .filter(col("image_digest").notEqual(col("base_digest")))
        .groupBy(col("image_digest"), col("base_digest"))
        .agg(count(lit(1)).as("matched"))
        .join(baseLengths, "base_digest")
        .filter(col("matched").equalTo(col("base_layers")));

    Dataset<Row> catalogueImages = bases.select(col("base_digest").as("own_digest")).distinct()
        .withColumn("is_catalogue_image", lit(true));
    Dataset<Row> withFacts = fullMatches
        .join(facts, "image_digest")
        .join(catalogueImages, col("image_digest").equalTo(col("own_digest")), "left")
        .join(bases.drop("base_index_digest").distinct(), "base_digest");
    // A catalogue image with exactly the layers of another catalogue image is the same base under
    // another name, not built on it: for catalogue images only strictly shorter bases count.
    Dataset<Row> eligible = withFacts.filter(col("is_catalogue_image").isNull()
        .or(col("base_layers").lt(col("layer_count"))));
    Dataset<Row> best = firstPerImage(eligible, col("base_layers").desc(), samePlatform().desc(),
        col("base_ref"), col("base_digest"), col("base_family"));
    return candidate(best, 4, LAYERS, col("base_ref"), col("base_digest"), col("base_family"),
        col("base_layers"), false, lit(0.95));
  }

  /**
   * For catalogue images that method (b) found no base for: the image is itself a base, so it is
   * reported as its own catalogue entry with its catalogue family and all its layers.
   */
  static Dataset<Row> byOwnCatalogueEntry(Dataset<Row> facts, Dataset<Row> bases) {
    Dataset<Row> own = facts.join(bases, col("image_digest").equalTo(col("base_digest")));
    Dataset<Row> best = firstPerImage(own, col("base_ref"), col("base_family"));
    return candidate(best, 5, CATALOGUE, col("base_ref"), col("image_digest"), col("base_family"),
        col("layer_count"), false, lit(1.0));
  }

  /**
   * Method (d), a low-confidence guess from the steps that made the image's layers: apk means
   * Alpine; no step that ran a shell means distroless (or scratch with copied files); apt-get or
   * dpkg means a full Debian-like base.
   */
  static Dataset<Row> byHistory(Dataset<Row> facts, Dataset<Row> layers) {
    Column step = coalesce(col("created_by"), lit(""));
    Column usesApk = step.contains("apk add").or(step.contains("apk --no-cache"));
    // Classic builders write "/bin/sh -c #(nop) COPY ..." for steps that ran no shell at all.
    Column ranShell = step.startsWith("RUN ")
        .or(step.contains("/bin/sh").and(not(step.contains("#(nop)"))));
    Column usesApt = step.contains("apt-get").or(step.contains("dpkg"));
    Dataset<Row> steps = layers.join(facts.select(col("image_digest")), "image_digest")
        .groupBy(col("image_digest"))
        .agg(max(usesApk.cast(IntegerType)).as("uses_apk"),
            max(ranShell.cast(IntegerType)).as("ran_shell"),
            max(usesApt.cast(IntegerType)).as("uses_apt"),
            count(lit(1)).as("layers"),
            count(col("created_by")).as("known_steps"));
    // "No shell" is only evidence when every layer's step is known.
    Column family = when(col("uses_apk").equalTo(1), lit(ALPINE))
        .when(col("ran_shell").equalTo(0).and(col("layers").gt(0)).and(col("known_steps").equalTo(col("layers"))),
            lit(DISTROLESS))
        .when(col("uses_apt").equalTo(1), lit(FULL));
    Dataset<Row> guessed = steps.withColumn("guessed_family", family).filter(col("guessed_family").isNotNull());
    return candidate(guessed, 8, HISTORY, lit(null).cast(StringType), lit(null).cast(StringType),
        col("guessed_family"), lit(0), false, lit(0.3));
  }

  /** The last resort for every image: scratch when it has no layers (certain), else unknown. */
  static Dataset<Row> byNothing(Dataset<Row> facts) {
    Column noLayers = col("layer_count").equalTo(0);
    return candidate(facts, 9, NONE, lit(null).cast(StringType), lit(null).cast(StringType),
        when(noLayers, lit(SCRATCH)).otherwise(lit(UNKNOWN)), lit(0), false,
        when(noLayers, lit(1.0)).otherwise(lit(0.0)));
  }

  /** The common shape of every method's proposal. */
  static Dataset<Row> candidate(Dataset<Row> rows, int priority, String method, Column baseRef, Column baseDigest,
      Column baseFamily, Column matchedLayers, boolean matchedLayersFromBase, Column confidence) {
    return rows.select(col("image_digest"),
        lit(priority).as("priority"),
        lit(method).as("method"),
        baseRef.cast(StringType).as("base_ref"),
        baseDigest.cast(StringType).as("base_digest"),
        baseFamily.cast(StringType).as("base_family"),
        matchedLayers.cast(IntegerType).as("matched_layers"),
        lit(matchedLayersFromBase).as("matched_layers_from_base"),
        confidence.cast(DoubleType).as("confidence"));
  }

  /**
   * For bases named by annotation or label: matched_layers is how many leading layers the image
   * shares with that catalogue image by diff_id (0 when the first already differs).
   */
  static Dataset<Row> withSharedPrefix(Dataset<Row> chosen, Dataset<Row> layers) {
    Dataset<Row> pairs = chosen.filter(col("matched_layers_from_base"))
        .select(col("image_digest").as("pair_image"), col("base_digest").as("pair_base"));
    Dataset<Row> own = layers.select(col("image_digest").as("own_image"), col("position").as("own_position"),
        col("diff_id").as("own_diff_id"));
    Dataset<Row> theirs = layers.select(col("image_digest").as("their_image"), col("position").as("their_position"),
        col("diff_id").as("their_diff_id"));
    Column differs = not(coalesce(col("own_diff_id").equalTo(col("their_diff_id")), lit(false)));
    Dataset<Row> prefixes = pairs
        .join(own, col("pair_image").equalTo(col("own_image")))
        .join(theirs, col("pair_base").equalTo(col("their_image")).and(col("own_position").equalTo(col("their_position"))))
        .groupBy(col("pair_image"))
        .agg(min(when(differs, col("own_position"))).as("first_difference"), count(lit(1)).as("compared"))
        .select(col("pair_image"),
            coalesce(col("first_difference").cast(LongType), col("compared")).cast(IntegerType).as("shared_prefix"));
    return chosen.join(prefixes, col("image_digest").equalTo(col("pair_image")), "left")
        .withColumn("matched_layers",
            when(col("matched_layers_from_base"), coalesce(col("shared_prefix"), lit(0)))
                .otherwise(col("matched_layers")))
        .drop("pair_image", "shared_prefix");
  }

  /**
   * The sizes of the image's own first matched_layers layers: the part of the image that comes from
   * its base. Uncompressed is null when any of those layers' uncompressed size is unknown.
   */
  static Dataset<Row> withBaseBytes(Dataset<Row> chosen, Dataset<Row> layers) {
    Dataset<Row> wanted = chosen.select(col("image_digest").as("sized_image"), col("matched_layers").as("sized_layers"));
    Dataset<Row> sizes = wanted
        .join(layers, col("sized_image").equalTo(col("image_digest")).and(col("position").lt(col("sized_layers"))))
        .groupBy(col("sized_image"))
        .agg(sum(col("compressed_bytes")).as("compressed_sum"),
            sum(col("uncompressed_bytes")).as("uncompressed_sum"),
            count(lit(1)).as("summed_layers"),
            count(col("uncompressed_bytes")).as("known_uncompressed"));
    return chosen.join(sizes, col("image_digest").equalTo(col("sized_image")), "left")
        .withColumn("base_compressed_bytes", coalesce(col("compressed_sum"), lit(0L)))
        .withColumn("base_uncompressed_bytes",
            when(col("summed_layers").isNull(), lit(0L))
                .when(col("known_uncompressed").equalTo(col("summed_layers")), col("uncompressed_sum")))
        .drop("sized_image", "compressed_sum", "uncompressed_sum", "summed_layers", "known_uncompressed");
  }

  /**
   * A reference as the catalogue spells it ("repository:tag"): without a "@sha256:..." digest and
   * without a leading registry host. As in Docker, the first path component is a host when it
   * holds a dot or a colon or is localhost: "127.0.0.1:5000/mirror/python:3.11-slim" and
   * "registry.erp.example/mirror/python:3.11-slim" both become "mirror/python:3.11-slim".
   */
  static Column referenceWithoutRegistry(Column name) {
    Column withoutDigest = regexp_replace(name, "@.*$", "");
    return regexp_replace(withoutDigest, "^(localhost|[^/]*[.:][^/]*)/", "");
  }

  /** The family a base's name suggests, for bases outside the catalogue. */
  static Column familyFromName(Column name) {
    Column lowerName = lower(name);
    return when(lowerName.contains(DISTROLESS), lit(DISTROLESS))
        .when(lowerName.contains(ALPINE), lit(ALPINE))
        .when(lowerName.contains(SLIM), lit(SLIM))
        .when(lowerName.contains(SCRATCH), lit(SCRATCH))
        .otherwise(lit(FULL));
  }

  /** Whether the candidate base runs on the image's platform (both columns present in a join). */
  static Column samePlatform() {
    return col("platform").eqNullSafe(col("base_platform"));
  }

  /** Keeps the first row per image_digest in the given order; the order must break every tie. */
  static Dataset<Row> firstPerImage(Dataset<Row> rows, Column... order) {
    return rows.withColumn("rank_in_image", row_number().over(Window.partitionBy(col("image_digest")).orderBy(order)))
        .filter(col("rank_in_image").equalTo(1))
        .drop("rank_in_image");
  }
}
