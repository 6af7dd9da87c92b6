package io.imagecensus.demo;

/** The platform an image runs on, as an index entry and an image config spell it. */
record Platform(String os, String architecture, String variant) {

  static final Platform LINUX_AMD64 = new Platform("linux", "amd64", null);
  static final Platform LINUX_ARM64_V8 = new Platform("linux", "arm64", "v8");

  /** What BuildKit writes for attestation manifests, which are not runnable images. */
  static final Platform UNKNOWN = new Platform("unknown", "unknown", null);

  Platform {
    Truths.requireText("os", os);
    Truths.requireText("architecture", architecture);
    if (variant != null && variant.isBlank()) {
      throw new IllegalArgumentException(
          "Platform variant must be null or non-blank: '" + variant + "'");
    }
  }
}
