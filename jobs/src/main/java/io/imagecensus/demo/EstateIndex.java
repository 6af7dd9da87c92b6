package io.imagecensus.demo;

import java.util.List;

/** A multi-platform index (OCI index or Docker manifest list) and the manifests it lists. */
public record EstateIndex(
    String repository, String digest, String mediaType, List<String> manifestDigests) {

  public EstateIndex {
    Truths.requireText("repository", repository);
    Truths.requireDigest("index digest", digest);
    Truths.requireText("media type", mediaType);
    manifestDigests = List.copyOf(manifestDigests);
    manifestDigests.forEach(d -> Truths.requireDigest("index entry digest", d));
  }
}
