package io.imagecensus.demo;

/** A tag of the sample estate and the manifest it points to. */
public record EstateTag(String repository, String tag, String digest, String mediaType) {

  public EstateTag {
    Truths.requireText("repository", repository);
    Truths.requireText("tag", tag);
    Truths.requireDigest("tag digest", digest);
    Truths.requireText("media type", mediaType);
  }
}
