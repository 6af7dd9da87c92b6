package io.imagecensus.demo;

import java.util.List;

/** A manifest's exact bytes, its media type and the blobs it references. */
record RawManifest(String mediaType, byte[] bytes, String digest, List<RawBlob> blobs) {

  RawManifest {
    Truths.requireText("media type", mediaType);
    if (!Sha256.digestOf(bytes).equals(digest)) {
      throw new IllegalArgumentException("Manifest bytes do not hash to " + digest);
    }
    blobs = List.copyOf(blobs);
  }

  static RawManifest of(String mediaType, byte[] bytes, List<RawBlob> blobs) {
    return new RawManifest(mediaType, bytes, Sha256.digestOf(bytes), blobs);
  }

  long size() {
    return bytes.length;
  }
}
