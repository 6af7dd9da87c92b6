package io.imagecensus.demo;

/** One blob linked into a repository: a layer, a config, or an attestation/artifact payload. */
public record EstateBlob(String repository, String digest, long size, Kind kind) {

  /** What a blob holds. */
  public enum Kind {
    LAYER,
    CONFIG,
    ATTESTATION,
    ARTIFACT
  }

  public EstateBlob {
    Truths.requireText("repository", repository);
    Truths.requireDigest("blob digest", digest);
    if (size <= 0) {
      throw new IllegalArgumentException("Blob size must be positive but was " + size);
    }
    if (kind == null) {
      throw new IllegalArgumentException("Blob kind is null for " + digest);
    }
  }
}
