package io.imagecensus.inventory;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.get;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.types.DataTypes.StringType;

import io.imagecensus.model.ManifestDocument.Kind;
import io.imagecensus.model.MediaTypes;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Follows each tag to its images: an image manifest is one image; an index contributes one image
 * per platform child, nested indexes followed to a bounded depth. Attestations, signatures and
 * SBOMs become attachments and are never counted as images. Pure: rows and Datasets in, rows and
 * Datasets out; the manifest wave of the crawl joins each digest it reads with its frontier rows.
 */
public final class ImageResolver {
  /**
   * What one level of the walk found: images, attachments and errors, and the index children to
   * visit at the next level.
   */
  public record Level(Dataset<Row> images, Dataset<Row> attachments, Dataset<Row> errors, Dataset<Row> next) {}

  /**
   * A digest the walk visits: where it was reached from (repository, and for an index child the
   * tagged index and the child's platform).
   */
  public static final StructType FRONTIER = new StructType()
      .add("registry", StringType, false)
      .add("repository", StringType, false)
      .add("component", StringType, true)
      .add("digest", StringType, false)
      .add("index_digest", StringType, true)
      .add("platform_os", StringType, true)
      .add("platform_architecture", StringType, true)
      .add("platform_variant", StringType, true);

  /**
   * A frontier row with the parsed manifest of its digest ({@link ParsedManifests#SCHEMA} without
   * the digest). Every parsed column is nullable: a row of the manifest wave whose fetch failed
   * carries only the frontier.
   */
  public static final StructType REACHED = reachedSchema();

  private static StructType reachedSchema() {
    StructType schema = FRONTIER;
    for (StructField field : ParsedManifests.SCHEMA.fields()) {
      if (!field.name().equals("digest")) {
        schema = schema.add(field.name(), field.dataType(), true);
      }
    }
    return schema;
  }

  private ImageResolver() {}

  /** The walk's first level: the manifest or index each tag points to, once per repository. */
  public static Dataset<Row> roots(Dataset<Row> tags) {
    Column nullText = lit(null).cast(DataTypes.StringType);
    return walkable(tags)
        .select(col("registry"), col("repository"), col("component"), col("digest"),
            nullText.as("index_digest"), nullText.as("platform_os"),
            nullText.as("platform_architecture"), nullText.as("platform_variant"))
        .distinct();
  }

  /**
   * The tags whose digest names an image manifest or an index; schema 1 and unknown media types
   * were recorded as errors when the tag was read.
   */
  public static Dataset<Row> walkable(Dataset<Row> tags) {
    return tags.filter(col("digest").isNotNull()
        .and(col("media_type").isin(MediaTypes.DOCKER_MANIFEST, MediaTypes.OCI_MANIFEST,
            MediaTypes.DOCKER_MANIFEST_LIST, MediaTypes.OCI_INDEX)));
  }

  /**
   * A frontier row (the first {@link #FRONTIER} columns of {@code frontier}) joined with the
   * parsed manifest of its digest (a row of {@link ParsedManifests#SCHEMA}): a row of
   * {@link #REACHED}.
   */
  public static Row reach(Row frontier, Row parsed) {
    int frontierColumns = FRONTIER.size();
    Object[] values = new Object[REACHED.size()];
    for (int i = 0; i < frontierColumns; i++) {
      values[i] = frontier.get(i);
    }
    for (int i = 1; i < parsed.size(); i++) {
      values[frontierColumns + i - 1] = parsed.get(i);
    }
    return RowFactory.create(values);
  }

  /** Splits what a level reached into images, attachments, errors and the next level's frontier. */
  public static Level level(Dataset<Row> reached, int depth) {
    Dataset<Row> images = imageColumns(reached.filter(col("kind").equalTo(Kind.IMAGE.name())));
    Dataset<Row> children = reached.filter(col("kind").equalTo(Kind.INDEX.name()))
        .select(col("registry"), col("repository"), col("component"),
            coalesce(col("index_digest"), col("digest")).as("index_digest"),
            explode(col("children")).as("child"));
    Dataset<Row> attachments = artifactAttachments(reached.filter(col("kind").equalTo(Kind.ARTIFACT.name())))
        .unionByName(attestationAttachments(children.filter(col("child.attestation"))));
    Dataset<Row> next = children.filter(col("child.attestation").equalTo(false))
        .select(col("registry"), col("repository"), col("component"), col("child.digest").as("digest"),
            col("index_digest"), col("child.os").as("platform_os"),
            col("child.architecture").as("platform_architecture"),
            col("child.variant").as("platform_variant"))
        .distinct();
    return new Level(images, attachments, unsupported(reached, depth), next);
  }

  /** Errors for index children left unvisited because indexes nest deeper than {@code maxDepth}. */
  public static Dataset<Row> tooDeep(Dataset<Row> frontier, int maxDepth) {
    return frontier.select(col("registry"), col("repository"), col("digest").as("reference"),
        lit("manifest").as("stage"), lit(null).cast(DataTypes.IntegerType).as("http_status"),
        concat(lit("Tried to follow index "), col("index_digest"), lit(" to "), col("digest"),
            lit(" but failed because: indexes nest deeper than crawl.max-index-depth (" + maxDepth + "); raise it"))
            .as("message"));
  }

  /** Every image a tag leads to appears once per (registry, repository, digest, index_digest). */
  public static Dataset<Row> distinctImages(Dataset<Row> images) {
    return images.dropDuplicates("registry", "repository", "digest", "index_digest");
  }

  private static Dataset<Row> imageColumns(Dataset<Row> reached) {
    return reached.select(col("registry"), col("repository"), col("component"), col("digest"),
        col("index_digest"), col("media_type"), col("platform_os"), col("platform_architecture"),
        col("platform_variant"), col("config_digest"), col("config_size"), col("layers"),
        col("annotations"), col("manifest_bytes"));
  }

  private static Dataset<Row> artifactAttachments(Dataset<Row> reached) {
    // cosign signatures carry a plain image config; their layer's media type says what they are.
    Column type = lower(concat_ws(" ", col("artifact_type"), col("config_media_type"),
        get(col("layers"), lit(0)).getField("media_type")));
    Column kind = when(type.contains("sbom").or(type.contains("spdx")).or(type.contains("cyclonedx")), "sbom")
        .when(type.contains("signature").or(type.contains("cosign")).or(type.contains("notary")), "signature")
        .when(type.contains("in-toto").or(type.contains("attestation")), "attestation")
        .otherwise("artifact");
    return reached.select(col("registry"), col("repository"), col("component"), col("index_digest"),
        col("digest"), col("media_type"), kind.as("kind"),
        coalesce(col("artifact_type"), col("config_media_type")).as("artifact_type"),
        col("subject_digest"), col("manifest_bytes").as("bytes"));
  }

  private static Dataset<Row> attestationAttachments(Dataset<Row> children) {
    return children.select(col("registry"), col("repository"), col("component"), col("index_digest"),
        col("child.digest").as("digest"), col("child.media_type").as("media_type"),
        lit("attestation").as("kind"), col("child.artifact_type").as("artifact_type"),
        col("child.annotations").getItem("vnd.docker.reference.digest").as("subject_digest"),
        col("child.size").as("bytes"));
  }

  /** Schema 1 and unknown manifests met inside an index, and manifests that did not parse. */
  private static Dataset<Row> unsupported(Dataset<Row> reached, int depth) {
    Column bad = col("parse_error").isNotNull();
    if (depth > 0) {
      bad = bad.or(col("kind").isin(Kind.SCHEMA1.name(), Kind.UNKNOWN.name()));
    }
    Column reason = when(col("parse_error").isNotNull(), col("parse_error"))
        .when(col("kind").equalTo(Kind.SCHEMA1.name()), lit("it is a Docker schema 1 manifest, which is not crawled; rebuild the image"))
        .otherwise(concat(lit("its media type '"), coalesce(col("media_type"), lit("")), lit("' is not an image manifest or index")));
    return reached.filter(bad).select(col("registry"), col("repository"), col("digest").as("reference"),
        lit("manifest").as("stage"), lit(null).cast(DataTypes.IntegerType).as("http_status"),
        concat(lit("Tried to read the manifest "), col("repository"), lit("@"), col("digest"),
            lit(" but failed because: "), reason).as("message"));
  }

}
