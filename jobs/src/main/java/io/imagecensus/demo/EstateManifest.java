package io.imagecensus.demo;

/** One manifest stored in a repository, whatever it describes. */
public record EstateManifest(
    String repository, String digest, String mediaType, long size, Kind kind) {

  /** What a manifest describes. */
  public enum Kind {
    IMAGE,
    INDEX,
    ATTESTATION,
    ARTIFACT
  }

  public EstateManifest {
    Truths.requireText("repository", repository);
    Truths.requireDigest("manifest digest", digest);
    Truths.requireText("media type", mediaType);
    if (size <= 0) {
      throw new IllegalArgumentException("Manifest size must be positive but was " + size);
    }
    if (kind == null) {
      throw new IllegalArgumentException("Manifest kind is null for " + digest);
    }
  }
}
