package io.imagecensus.compare;

import io.imagecensus.model.ImageConfigDocument;
import io.imagecensus.model.Platform;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One side of a comparison: the platform image a reference led to ({@code indexDigest} is the
 * index it was picked from, or null), its config facts and its layers in order.
 */
record ComparedImage(ImageReference reference, String digest, String indexDigest, Platform platform,
    Instant created, String user, Map<String, String> annotations, List<ImageLayer> layers) {

  ComparedImage {
    annotations = Map.copyOf(annotations);
    layers = List.copyOf(layers);
  }

  long compressedBytes() {
    return layers.stream().mapToLong(ImageLayer::compressedBytes).sum();
  }

  /** The sum of the layers' uncompressed sizes, or null when any of them is unknown. */
  Long uncompressedBytes() {
    return uncompressedBytes(layers);
  }

  boolean runsAsRoot() {
    return ImageConfigDocument.runsAsRoot(user);
  }

  List<String> diffIds() {
    return layers.stream().map(ImageLayer::contentId).toList();
  }

  static Long uncompressedBytes(List<ImageLayer> layers) {
    long sum = 0;
    for (ImageLayer layer : layers) {
      if (layer.uncompressedBytes() == null) {
        return null;
      }
      sum += layer.uncompressedBytes();
    }
    return sum;
  }
}
