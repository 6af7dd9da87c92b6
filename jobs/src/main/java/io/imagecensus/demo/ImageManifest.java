package io.imagecensus.demo;

import java.util.Map;

/** A built image serialized as a Docker v2 schema 2 or an OCI image manifest. */
record ImageManifest(
    BuiltImage image, Format format, Map<String, String> annotations, RawManifest raw) {

  /** The two image manifest formats. */
  enum Format {
    DOCKER_V2_2(MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_CONFIG, MediaTypes.DOCKER_LAYER),
    OCI(MediaTypes.OCI_MANIFEST, MediaTypes.OCI_CONFIG, MediaTypes.OCI_LAYER);

    final String manifestType;
    final String configType;
    final String layerType;

    Format(String manifestType, String configType, String layerType) {
      this.manifestType = manifestType;
      this.configType = configType;
      this.layerType = layerType;
    }
  }

  ImageManifest {
    annotations = Map.copyOf(annotations);
  }

  String digest() {
    return raw.digest();
  }

  String mediaType() {
    return raw.mediaType();
  }
}
