package io.imagecensus.demo;

/** One layer of an image, with the history step that created it. */
public record EstateLayer(
    String digest,
    String diffId,
    long compressedSize,
    long uncompressedSize,
    String mediaType,
    String createdBy) {

  public EstateLayer {
    Truths.requireDigest("layer digest", digest);
    Truths.requireDigest("layer diff ID", diffId);
    if (compressedSize <= 0 || uncompressedSize <= 0) {
      throw new IllegalArgumentException(
          "Layer sizes must be positive but were "
              + compressedSize
              + "/"
              + uncompressedSize
              + " for "
              + digest);
    }
    Truths.requireText("layer media type", mediaType);
    Truths.requireText("layer created_by", createdBy);
  }
}
