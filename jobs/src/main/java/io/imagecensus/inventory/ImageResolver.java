package io.imagecensus.inventory;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.when;

import io.imagecensus.model.ManifestDocument.Kind;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * Follows each tag to its images: an image manifest is one image; an index contributes one image
 * per platform child, nested indexes followed to a bounded depth. Attestations, signatures and
 * SBOMs become attachments and are never counted as images. Pure: Datasets in, Datasets out.
 */
public final class ImageResolver {
  /** The images reached from the tags, with their manifest columns. */
  public record Resolution(Dataset<Row> images, Dataset<Row> attachments, Dataset<Row> errors) {}

  private ImageResolver() {}

  /**
   * @param tags rows of the tags table (registry, repository, component, tag, digest, …)
   * @param manifests rows of {@link ParsedManifests#SCHEMA}
   */
  public static Resolution resolve(Dataset<Row> tags, Dataset<Row> manifests, int maxDepth) {
    Column nullText = lit(null).cast(DataTypes.StringType);
    Dataset<Row> frontier = tags.filter(col("digest").isNotNull())
        .select(col("registry"), col("repository"), col("component"), col("digest"),
            nullText.as("index_digest"), nullText.as("platform_os"),
            nullText.as("platform_architecture"), nullText.as("platform_variant"))
        .distinct();
    Dataset<Row> images = null;
    Dataset<Row> attachments = null;
    Dataset<Row> errors = null;
    for (int depth = 0; depth <= maxDepth; depth++) {
      Dataset<Row> reached = frontier.join(manifests, "digest");
      images = union(images, imageColumns(reached.filter(col("kind").equalTo(Kind.IMAGE.name()))));
      attachments = union(attachments, artifactAttachments(reached.filter(col("kind").equalTo(Kind.ARTIFACT.name()))));
      errors = union(errors, unsupported(reached, depth));
      Dataset<Row> children = reached.filter(col("kind").equalTo(Kind.INDEX.name()))
          .select(col("registry"), col("repository"), col("component"),
              coalesce(col("index_digest"), col("digest")).as("index_digest"),
              explode(col("children")).as("child"));
      attachments = union(attachments, attestationAttachments(children.filter(col("child.attestation"))));
      frontier = children.filter(col("child.attestation").equalTo(false))
          .select(col("registry"), col("repository"), col("component"), col("child.digest").as("digest"),
              col("index_digest"), col("child.os").as("platform_os"),
              col("child.architecture").as("platform_architecture"),
              col("child.variant").as("platform_variant"))
          .distinct();
      if (depth == maxDepth) {
        errors = union(errors, frontier.select(col("registry"), col("repository"), col("digest").as("reference"),
            lit("manifest").as("stage"), lit(null).cast(DataTypes.IntegerType).as("http_status"),
                concat(lit("Tried to follow index "), col("digest"),
                    lit(" but failed because: indexes nest deeper than crawl.max-index-depth (" + maxDepth + "); raise it")).as("message")));
      }
    }
    return new Resolution(
        images.dropDuplicates("registry", "repository", "digest", "index_digest"),
        attachments.distinct(), errors.distinct());
  }

  private static Dataset<Row> imageColumns(Dataset<Row> reached) {
    return reached.select(col("registry"), col("repository"), col("component"), col("digest"),
        col("index_digest"), col("media_type"), col("platform_os"), col("platform_architecture"),
        col("platform_variant"), col("config_digest"), col("config_size"), col("layers"),
        col("annotations"), col("manifest_bytes"));
  }

  private static Dataset<Row> artifactAttachments(Dataset<Row> reached) {
    Column type = lower(coalesce(col("artifact_type"), col("config_media_type"), lit("")));
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

  private static Dataset<Row> union(Dataset<Row> a, Dataset<Row> b) {
    return a == null ? b : a.unionByName(b);
  }
}
