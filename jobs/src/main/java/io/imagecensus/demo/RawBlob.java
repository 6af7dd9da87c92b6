package io.imagecensus.demo;

/** A blob's bytes, its digest and what it holds. */
record RawBlob(byte[] bytes, String digest, EstateBlob.Kind kind) {

  RawBlob {
    Truths.requireDigest("blob digest", digest);
    if (bytes == null || bytes.length == 0) {
      throw new IllegalArgumentException("Blob " + digest + " has no bytes");
    }
  }

  static RawBlob of(byte[] bytes, EstateBlob.Kind kind) {
    return new RawBlob(bytes, Sha256.digestOf(bytes), kind);
  }

  /** The compressed layer, with the digest the layer already computed. */
  static RawBlob layer(LayerTar layer) {
    return new RawBlob(layer.compressed(), layer.digest(), EstateBlob.Kind.LAYER);
  }

  long size() {
    return bytes.length;
  }
}
