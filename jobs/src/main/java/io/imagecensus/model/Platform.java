package io.imagecensus.model;

/** The platform of an image: os, architecture and the optional CPU variant (arm64 v8, arm v7). */
public record Platform(String os, String architecture, String variant) {
  /** True for the {@code unknown/unknown} platform BuildKit gives attestation manifests. */
  public boolean isUnknown() {
    return "unknown".equals(os) && "unknown".equals(architecture);
  }
}
