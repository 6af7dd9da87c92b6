package io.imagecensus.demo;

/**
 * An OCI artifact attached to an image through its {@code subject} field, found through the
 * referrers tag schema tag "sha256-&lt;hex of subject&gt;" (distribution 2.8.2 has no referrers
 * API).
 */
public record EstateAttachment(
    String repository, String digest, String artifactType, String subjectDigest, String tag) {

  public EstateAttachment {
    Truths.requireText("repository", repository);
    Truths.requireDigest("attachment digest", digest);
    Truths.requireText("artifact type", artifactType);
    Truths.requireDigest("subject digest", subjectDigest);
    Truths.requireText("tag", tag);
  }
}
