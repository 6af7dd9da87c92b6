package io.imagecensus.demo;

/**
 * A BuildKit attestation manifest inside an index: platform unknown/unknown, not an image; {@code
 * referencedDigest} is the image it attests ({@code vnd.docker.reference.digest}).
 */
public record EstateAttestation(
    String repository,
    String digest,
    String indexDigest,
    String referencedDigest,
    String predicateType) {

  public EstateAttestation {
    Truths.requireText("repository", repository);
    Truths.requireDigest("attestation digest", digest);
    Truths.requireDigest("index digest", indexDigest);
    Truths.requireDigest("referenced digest", referencedDigest);
    Truths.requireText("predicate type", predicateType);
  }
}
