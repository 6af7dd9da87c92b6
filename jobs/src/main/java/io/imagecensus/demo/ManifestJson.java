package io.imagecensus.demo;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Writes the estate's manifests byte by byte, so that their digests are known before a push. */
final class ManifestJson {

  static final String ATTESTATION_TYPE_KEY = "vnd.docker.reference.type";
  static final String ATTESTATION_DIGEST_KEY = "vnd.docker.reference.digest";
  static final String PROVENANCE_PREDICATE = "https://slsa.dev/provenance/v0.2";
  static final String BASE_NAME_KEY = "org.opencontainers.image.base.name";
  static final String BASE_DIGEST_KEY = "org.opencontainers.image.base.digest";

  private ManifestJson() {}

  /** An image manifest of the given format; annotations are only allowed on OCI manifests. */
  static ImageManifest image(
      BuiltImage image, ImageManifest.Format format, Map<String, String> annotations) {
    if (format == ImageManifest.Format.DOCKER_V2_2 && !annotations.isEmpty()) {
      throw new IllegalArgumentException("Docker v2 schema 2 manifests have no annotations");
    }
    List<RawBlob> blobs = new ArrayList<>();
    RawBlob config = RawBlob.of(image.config(), EstateBlob.Kind.CONFIG);
    blobs.add(config);

    ObjectNode root = Json.object();
    root.put("schemaVersion", 2);
    root.put("mediaType", format.manifestType);
    root.set("config", descriptor(format, format.configType, config.digest(), config.size()));
    ArrayNode layers = root.putArray("layers");
    for (HistoryStep step : image.layerSteps()) {
      LayerTar layer = step.layer();
      layers.add(descriptor(format, format.layerType, layer.digest(), layer.compressedSize()));
      blobs.add(RawBlob.layer(layer));
    }
    putAnnotations(root, annotations);
    byte[] bytes =
        format == ImageManifest.Format.DOCKER_V2_2 ? Json.dockerStyle(root) : Json.compact(root);
    return new ImageManifest(
        image, format, annotations, RawManifest.of(format.manifestType, bytes, blobs));
  }

  /** A Docker manifest list of Docker v2 schema 2 images. */
  static RawManifest dockerManifestList(List<ImageManifest> images) {
    ObjectNode root = Json.object();
    root.put("schemaVersion", 2);
    root.put("mediaType", MediaTypes.DOCKER_MANIFEST_LIST);
    ArrayNode manifests = root.putArray("manifests");
    for (ImageManifest image : images) {
      if (image.format() != ImageManifest.Format.DOCKER_V2_2) {
        throw new IllegalArgumentException("A Docker manifest list holds Docker manifests only");
      }
      ObjectNode entry = manifests.addObject();
      entry.put("mediaType", image.mediaType());
      entry.put("size", image.raw().size());
      entry.put("digest", image.digest());
      entry.set("platform", platform(image.image().platform()));
    }
    return RawManifest.of(MediaTypes.DOCKER_MANIFEST_LIST, Json.dockerStyle(root), List.of());
  }

  /** One entry of an OCI index. */
  record IndexEntry(RawManifest manifest, Platform platform, Map<String, String> annotations) {
    IndexEntry {
      annotations = Map.copyOf(annotations);
    }
  }

  /** An OCI image index, as BuildKit pushes a multi-platform build with attestations. */
  static RawManifest ociIndex(List<IndexEntry> entries) {
    ObjectNode root = Json.object();
    root.put("schemaVersion", 2);
    root.put("mediaType", MediaTypes.OCI_INDEX);
    ArrayNode manifests = root.putArray("manifests");
    for (IndexEntry entry : entries) {
      ObjectNode json = manifests.addObject();
      json.put("mediaType", entry.manifest().mediaType());
      json.put("digest", entry.manifest().digest());
      json.put("size", entry.manifest().size());
      putAnnotations(json, entry.annotations());
      json.set("platform", platform(entry.platform()));
    }
    return RawManifest.of(MediaTypes.OCI_INDEX, Json.compact(root), List.of());
  }

  /** A BuildKit provenance attestation manifest for {@code subject}, which an index lists. */
  static RawManifest attestation(ImageManifest subject, String purl, Instant buildStarted) {
    ObjectNode statement = Json.object();
    statement.put("_type", "https://in-toto.io/Statement/v0.1");
    statement.put("predicateType", PROVENANCE_PREDICATE);
    ObjectNode subjectJson = statement.putArray("subject").addObject();
    subjectJson.put("name", purl);
    subjectJson.putObject("digest").put("sha256", subject.digest().substring("sha256:".length()));
    ObjectNode predicate = statement.putObject("predicate");
    predicate.putObject("builder").put("id", "");
    predicate.put("buildType", "https://mobyproject.org/buildkit@v1");
    ObjectNode metadata = predicate.putObject("metadata");
    metadata.put("buildStartedOn", buildStarted.toString());
    metadata.put("buildFinishedOn", subject.image().created().toString());
    RawBlob layer = RawBlob.of(Json.compact(statement), EstateBlob.Kind.ATTESTATION);

    // BuildKit's attestation config: platform unknown/unknown and the statement as the only layer.
    ObjectNode config = Json.object();
    config.put("architecture", "unknown");
    config.put("os", "unknown");
    config.putObject("config");
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    rootfs.putArray("diff_ids").add(layer.digest());
    RawBlob configBlob = RawBlob.of(Json.compact(config), EstateBlob.Kind.CONFIG);

    ObjectNode root = Json.object();
    root.put("schemaVersion", 2);
    root.put("mediaType", MediaTypes.OCI_MANIFEST);
    root.set(
        "config", ociDescriptor(MediaTypes.OCI_CONFIG, configBlob.digest(), configBlob.size()));
    ObjectNode layerJson = ociDescriptor(MediaTypes.IN_TOTO, layer.digest(), layer.size());
    layerJson.putObject("annotations").put("in-toto.io/predicate-type", PROVENANCE_PREDICATE);
    root.putArray("layers").add(layerJson);
    return RawManifest.of(MediaTypes.OCI_MANIFEST, Json.compact(root), List.of(configBlob, layer));
  }

  /** An SPDX SBOM attached to {@code subject} as an OCI 1.1 artifact with a subject field. */
  static RawManifest sbom(ImageManifest subject, String imageName, Instant created) {
    ObjectNode document = Json.object();
    document.put("spdxVersion", "SPDX-2.3");
    document.put("dataLicense", "CC0-1.0");
    document.put("SPDXID", "SPDXRef-DOCUMENT");
    document.put("name", imageName);
    document.put("documentNamespace", "https://sbom.erp.example/" + subject.digest());
    ObjectNode creationInfo = document.putObject("creationInfo");
    creationInfo.put("created", created.toString());
    creationInfo.putArray("creators").add("Tool: syft-1.18.1");
    ArrayNode packages = document.putArray("packages");
    for (String[] nameAndVersion :
        new String[][] {{"django", "5.1.4"}, {"gunicorn", "23.0.0"}, {"psycopg", "3.2.3"}}) {
      ObjectNode pkg = packages.addObject();
      pkg.put("name", nameAndVersion[0]);
      pkg.put("SPDXID", "SPDXRef-Package-python-" + nameAndVersion[0]);
      pkg.put("versionInfo", nameAndVersion[1]);
    }
    RawBlob sbom = RawBlob.of(Json.compact(document), EstateBlob.Kind.ARTIFACT);
    // The OCI 1.1 empty descriptor: a two-byte "{}" config for artifacts without one.
    RawBlob empty = RawBlob.of("{}".getBytes(StandardCharsets.UTF_8), EstateBlob.Kind.CONFIG);

    ObjectNode root = Json.object();
    root.put("schemaVersion", 2);
    root.put("mediaType", MediaTypes.OCI_MANIFEST);
    root.put("artifactType", MediaTypes.SPDX);
    root.set("config", ociDescriptor(MediaTypes.OCI_EMPTY, empty.digest(), empty.size()));
    ObjectNode layer = ociDescriptor(MediaTypes.SPDX, sbom.digest(), sbom.size());
    layer.putObject("annotations").put("org.opencontainers.image.title", "sbom.spdx.json");
    root.putArray("layers").add(layer);
    root.set("subject", ociDescriptor(subject.mediaType(), subject.digest(), subject.raw().size()));
    root.putObject("annotations").put("org.opencontainers.image.created", created.toString());
    return RawManifest.of(MediaTypes.OCI_MANIFEST, Json.compact(root), List.of(empty, sbom));
  }

  private static ObjectNode descriptor(
      ImageManifest.Format format, String mediaType, String digest, long size) {
    if (format == ImageManifest.Format.OCI) {
      return ociDescriptor(mediaType, digest, size);
    }
    ObjectNode json = Json.object();
    json.put("mediaType", mediaType);
    json.put("size", size);
    json.put("digest", digest);
    return json;
  }

  private static ObjectNode ociDescriptor(String mediaType, String digest, long size) {
    ObjectNode json = Json.object();
    json.put("mediaType", mediaType);
    json.put("digest", digest);
    json.put("size", size);
    return json;
  }

  private static ObjectNode platform(Platform platform) {
    ObjectNode json = Json.object();
    json.put("architecture", platform.architecture());
    json.put("os", platform.os());
    if (platform.variant() != null) {
      json.put("variant", platform.variant());
    }
    return json;
  }

  private static void putAnnotations(ObjectNode json, Map<String, String> annotations) {
    if (!annotations.isEmpty()) {
      ObjectNode object = json.putObject("annotations");
      new TreeMap<>(annotations).forEach(object::put);
    }
  }
}
