package io.imagecensus.compare;

/**
 * One layer of a compared image: {@code uncompressedBytes} is null when the registry's bytes could
 * not tell it; {@code diffId} and {@code createdBy} are null when the config does not say.
 */
record ImageLayer(String digest, String diffId, long compressedBytes, Long uncompressedBytes,
    String mediaType, String createdBy) {

  /** What identifies the layer's content: the diff_id (kept by recompression), else the digest. */
  String contentId() {
    return diffId != null ? diffId : digest;
  }
}
