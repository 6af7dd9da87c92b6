package io.imagecensus.inventory;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.apache.spark.sql.types.DataTypes.createMapType;

import io.imagecensus.model.Descriptor;
import io.imagecensus.model.ManifestDocument;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/** Turns stored manifest bytes into columns: kind, config, layers and index children. */
public final class ParsedManifests {
  static final StructType LAYER = new StructType()
      .add("digest", StringType, true)
      .add("media_type", StringType, true)
      .add("size", LongType, false);

  static final StructType CHILD = new StructType()
      .add("digest", StringType, true)
      .add("media_type", StringType, true)
      .add("size", LongType, false)
      .add("os", StringType, true)
      .add("architecture", StringType, true)
      .add("variant", StringType, true)
      .add("attestation", BooleanType, false)
      .add("artifact_type", StringType, true)
      .add("annotations", createMapType(StringType, StringType, false), true);

  public static final StructType SCHEMA = new StructType()
      .add("digest", StringType, false)
      .add("media_type", StringType, true)
      .add("kind", StringType, false)
      .add("manifest_bytes", LongType, false)
      .add("config_digest", StringType, true)
      .add("config_media_type", StringType, true)
      .add("config_size", LongType, true)
      .add("artifact_type", StringType, true)
      .add("subject_digest", StringType, true)
      .add("annotations", createMapType(StringType, StringType, false), true)
      .add("layers", createArrayType(LAYER, false), true)
      .add("children", createArrayType(CHILD, false), true)
      .add("parse_error", StringType, true);

  private ParsedManifests() {}

  /**
   * Parses a manifest's bytes: a row of {@link #SCHEMA}. Bytes that do not parse give kind
   * UNKNOWN and the reason in {@code parse_error}.
   */
  public static Row parse(String digest, String headerType, byte[] content) {
    ManifestDocument doc;
    try {
      doc = ManifestDocument.parse(content, headerType);
    } catch (IllegalArgumentException e) {
      return RowFactory.create(digest, headerType, ManifestDocument.Kind.UNKNOWN.name(), (long) content.length,
          null, null, null, null, null, null, null, null, e.getMessage());
    }
    List<Row> layers = new ArrayList<>();
    for (Descriptor layer : doc.layers()) {
      layers.add(RowFactory.create(layer.digest(), layer.mediaType(), layer.size()));
    }
    List<Row> children = new ArrayList<>();
    for (Descriptor child : doc.manifests()) {
      children.add(RowFactory.create(child.digest(), child.mediaType(), child.size(),
          child.platform() == null ? null : child.platform().os(),
          child.platform() == null ? null : child.platform().architecture(),
          child.platform() == null ? null : child.platform().variant(),
          child.isAttestation(), child.artifactType(), scalaMap(child.annotations())));
    }
    return RowFactory.create(digest, doc.mediaType(), doc.kind().name(), (long) content.length,
        doc.config() == null ? null : doc.config().digest(),
        doc.config() == null ? null : doc.config().mediaType(),
        doc.config() == null ? null : doc.config().size(),
        doc.artifactType(), doc.subjectDigest(), scalaMap(doc.annotations()),
        CollectionConverters.asScala(layers).toSeq(),
        CollectionConverters.asScala(children).toSeq(), null);
  }

  static scala.collection.Map<String, String> scalaMap(Map<String, String> map) {
    return CollectionConverters.asScala(map);
  }
}
