package io.imagecensus.compare;

/**
 * One layer in the comparison: kept (A and B have it), added (only B) or removed (only A); whether
 * it belongs to the base of the image it is in, and its position in A and in B (null where absent).
 */
record LayerChange(Change change, boolean base, Integer positionA, Integer positionB, ImageLayer layer) {

  /** What happened to the layer from A to B. */
  enum Change {
    KEPT, ADDED, REMOVED;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** "base" or "app". */
  String part() {
    return base ? "base" : "app";
  }
}
