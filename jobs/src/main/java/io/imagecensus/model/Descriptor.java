package io.imagecensus.model;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** A content descriptor inside a manifest or index, with every field the crawl keeps. */
public record Descriptor(
    String mediaType,
    String digest,
    long size,
    Map<String, String> annotations,
    Platform platform,
    String artifactType) {

  public Descriptor {
    // Sorted by key, the same in every JVM (see ImageConfigDocument).
    annotations = annotations == null ? Map.of() : Collections.unmodifiableSortedMap(new TreeMap<>(annotations));
  }

  /** True for the attestation manifests BuildKit puts into an index (not images). */
  public boolean isAttestation() {
    return (platform != null && platform.isUnknown())
        || annotations.containsKey("vnd.docker.reference.type");
  }
}
