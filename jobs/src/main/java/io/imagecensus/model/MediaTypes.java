package io.imagecensus.model;

import java.util.Set;

/** The manifest and blob media types the crawl knows, and what each one is. */
public final class MediaTypes {
  public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_MANIFEST_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json";
  public static final String DOCKER_SCHEMA1_SIGNED =
      "application/vnd.docker.distribution.manifest.v1+prettyjws";
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";

  /** Every manifest type the crawl asks for; schema 1 is asked for too so it can be reported. */
  public static final String ACCEPT = String.join(", ",
      OCI_INDEX, DOCKER_MANIFEST_LIST, OCI_MANIFEST, DOCKER_MANIFEST, DOCKER_SCHEMA1_SIGNED,
      DOCKER_SCHEMA1);

  private static final Set<String> IMAGE_MANIFESTS = Set.of(DOCKER_MANIFEST, OCI_MANIFEST);
  private static final Set<String> INDEXES = Set.of(DOCKER_MANIFEST_LIST, OCI_INDEX);
  private static final Set<String> IMAGE_CONFIGS = Set.of(DOCKER_CONFIG, OCI_CONFIG);

  private MediaTypes() {}

  public static boolean isImageManifest(String mediaType) {
    return IMAGE_MANIFESTS.contains(mediaType);
  }

  public static boolean isIndex(String mediaType) {
    return INDEXES.contains(mediaType);
  }

  public static boolean isSupportedManifest(String mediaType) {
    return isImageManifest(mediaType) || isIndex(mediaType);
  }

  public static boolean isSchema1(String mediaType) {
    return DOCKER_SCHEMA1.equals(mediaType) || DOCKER_SCHEMA1_SIGNED.equals(mediaType);
  }

  public static boolean isImageConfig(String mediaType) {
    return IMAGE_CONFIGS.contains(mediaType);
  }

  /** Drops parameters such as {@code ; charset=utf-8} that some registries add. */
  public static String normalize(String contentType) {
    if (contentType == null) {
      return null;
    }
    int semicolon = contentType.indexOf(';');
    return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
  }
}
