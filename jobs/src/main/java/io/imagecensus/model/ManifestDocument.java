package io.imagecensus.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A manifest or index read leniently: unknown fields are ignored, and media types, annotations,
 * platform variants, {@code artifactType} and {@code subject} are kept (jib-core's manifest
 * classes drop them).
 */
public record ManifestDocument(
    String mediaType,
    Kind kind,
    Descriptor config,
    List<Descriptor> layers,
    List<Descriptor> manifests,
    Map<String, String> annotations,
    String artifactType,
    String subjectDigest) {
  /**
   * The OCI annotations that name the image a manifest was built on; the base-name key is also
   * used as an image label.
   */
  public static final String BASE_NAME_ANNOTATION = "org.opencontainers.image.base.name";
  public static final String BASE_DIGEST_ANNOTATION = "org.opencontainers.image.base.digest";

  /** What a manifest is, for counting purposes. */
  public enum Kind {
    /** A runnable image: image config plus filesystem layers. */
    IMAGE,
    /** A Docker manifest list or an OCI index. */
    INDEX,
    /** A signature, SBOM, attestation or other artifact stored as a manifest: never an image. */
    ARTIFACT,
    /** Docker image manifest schema 1, deprecated and not crawled. */
    SCHEMA1,
    /** A media type the crawl does not know. */
    UNKNOWN
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  public ManifestDocument {
    layers = List.copyOf(layers);
    manifests = List.copyOf(manifests);
    // Sorted by key, the same in every JVM (see ImageConfigDocument).
    annotations = Collections.unmodifiableSortedMap(new TreeMap<>(annotations));
  }

  /**
   * Parses manifest bytes; {@code headerMediaType} (the registry's Content-Type) is used when the
   * document itself carries no {@code mediaType} field, which OCI allows.
   */
  public static ManifestDocument parse(byte[] bytes, String headerMediaType) {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException("manifest is not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("manifest is not a JSON object");
    }
    String mediaType = text(root, "mediaType");
    if (mediaType == null) {
      mediaType = MediaTypes.normalize(headerMediaType);
    }
    if (mediaType == null && root.path("schemaVersion").asInt() == 1) {
      mediaType = MediaTypes.DOCKER_SCHEMA1;
    }
    if (mediaType == null && root.has("manifests")) {
      mediaType = MediaTypes.OCI_INDEX;
    }
    if (mediaType == null && root.has("config")) {
      mediaType = MediaTypes.OCI_MANIFEST;
    }
    Descriptor config = root.has("config") ? descriptor(root.get("config")) : null;
    List<Descriptor> layers = descriptors(root.path("layers"));
    List<Descriptor> manifests = descriptors(root.path("manifests"));
    String artifactType = text(root, "artifactType");
    String subject = root.has("subject") ? text(root.get("subject"), "digest") : null;
    Kind kind = classify(mediaType, config, layers, artifactType);
    return new ManifestDocument(
        mediaType, kind, config, layers, manifests, stringMap(root.path("annotations")),
        artifactType, subject);
  }

  private static Kind classify(
      String mediaType, Descriptor config, List<Descriptor> layers, String artifactType) {
    if (mediaType == null) {
      return Kind.UNKNOWN;
    }
    if (MediaTypes.isSchema1(mediaType)) {
      return Kind.SCHEMA1;
    }
    if (MediaTypes.isIndex(mediaType)) {
      return Kind.INDEX;
    }
    if (!MediaTypes.isImageManifest(mediaType)) {
      return Kind.UNKNOWN;
    }
    boolean imageConfig = config != null && MediaTypes.isImageConfig(config.mediaType());
    boolean filesystemLayers = layers.stream().allMatch(l -> isFilesystemLayer(l.mediaType()));
    return artifactType == null && imageConfig && filesystemLayers ? Kind.IMAGE : Kind.ARTIFACT;
  }

  /** Layer media types that hold a filesystem tarball (gzip, zstd, plain or foreign). */
  public static boolean isFilesystemLayer(String mediaType) {
    return mediaType != null
        && (mediaType.contains(".tar") || mediaType.contains("rootfs.diff.tar"));
  }

  private static Descriptor descriptor(JsonNode node) {
    Platform platform = null;
    JsonNode p = node.get("platform");
    if (p != null && p.isObject()) {
      platform = new Platform(text(p, "os"), text(p, "architecture"), text(p, "variant"));
    }
    return new Descriptor(
        text(node, "mediaType"),
        text(node, "digest"),
        node.path("size").asLong(-1),
        stringMap(node.path("annotations")),
        platform,
        text(node, "artifactType"));
  }

  private static List<Descriptor> descriptors(JsonNode array) {
    List<Descriptor> result = new ArrayList<>();
    if (array.isArray()) {
      array.forEach(node -> result.add(descriptor(node)));
    }
    return result;
  }

  static Map<String, String> stringMap(JsonNode object) {
    Map<String, String> result = new TreeMap<>();
    if (object != null && object.isObject()) {
      object.fields().forEachRemaining(e -> result.put(e.getKey(), e.getValue().asText()));
    }
    return result;
  }

  static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }
}
