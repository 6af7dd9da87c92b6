package io.imagecensus.compare;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Image A next to image B: sizes, bases, users and the layers kept, added and removed, and whether
 * B grew past the limit. Pure: everything is computed from the two read images.
 */
record Comparison(ComparedImage a, ComparedImage b, Base baseA, Base baseB, List<LayerChange> layers,
    Measure measure, BigDecimal maxGrowth) {

  /** Which size the growth limit applies to. */
  enum Measure {
    COMPRESSED, UNCOMPRESSED;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  Comparison {
    layers = List.copyOf(layers);
  }

  /**
   * Compares two images; an image whose base no rule named counts the leading layers it shares
   * with the other image as base (shared-prefix). {@code maxGrowth} is a fraction: 0.05 is 5 %.
   */
  static Comparison of(ComparedImage a, ComparedImage b, Optional<Base> foundA, Optional<Base> foundB,
      Measure measure, BigDecimal maxGrowth) {
    int shared = BaseFinder.sharedPrefix(a.diffIds(), b.diffIds());
    Base fallback = shared > 0 ? new Base(Base.Rule.SHARED_PREFIX, null, null, null, shared) : new Base(Base.Rule.NONE, null, null, null, 0);
    Base baseA = foundA.orElse(fallback);
    Base baseB = foundB.orElse(fallback);
    if (measure == Measure.UNCOMPRESSED) {
      for (ComparedImage image : List.of(a, b)) {
        if (image.uncompressedBytes() == null) {
          throw new CompareException("Tried to measure the uncompressed size of " + image.reference().name()
              + " but failed because: a layer's uncompressed size is unknown; use --measure compressed");
        }
      }
    }
    return new Comparison(a, b, baseA, baseB, changes(a, b, baseA, baseB), measure, maxGrowth);
  }

  /**
   * B's layers in order, each kept when A has a layer with the same content (diff_id) not matched
   * yet, else added; then A's unmatched layers in order, removed.
   */
  private static List<LayerChange> changes(ComparedImage a, ComparedImage b, Base baseA, Base baseB) {
    List<ImageLayer> aLayers = a.layers();
    boolean[] matched = new boolean[aLayers.size()];
    List<LayerChange> changes = new ArrayList<>();
    for (int j = 0; j < b.layers().size(); j++) {
      ImageLayer layer = b.layers().get(j);
      Integer inA = null;
      for (int i = 0; i < aLayers.size() && inA == null; i++) {
        if (!matched[i] && aLayers.get(i).contentId().equals(layer.contentId())) {
          matched[i] = true;
          inA = i;
        }
      }
      changes.add(new LayerChange(inA == null ? LayerChange.Change.ADDED : LayerChange.Change.KEPT,
          j < baseB.layers(), inA, j, layer));
    }
    for (int i = 0; i < aLayers.size(); i++) {
      if (!matched[i]) {
        changes.add(new LayerChange(LayerChange.Change.REMOVED, i < baseA.layers(), i, null, aLayers.get(i)));
      }
    }
    return changes;
  }

  /** The size the limit applies to: compressed, or uncompressed (known for both, checked in of). */
  long measured(ComparedImage image) {
    return measure == Measure.COMPRESSED ? image.compressedBytes() : image.uncompressedBytes();
  }

  long deltaBytes() {
    return measured(b) - measured(a);
  }

  /** The change as a fraction of A's size; null when A has no bytes at all. */
  BigDecimal growth() {
    long before = measured(a);
    return before == 0 ? null : BigDecimal.valueOf(deltaBytes()).divide(BigDecimal.valueOf(before), 10, RoundingMode.HALF_EVEN);
  }

  /** True when B grew by at most the limit: exact integer arithmetic, no rounding at the edge. */
  boolean passed() {
    return BigDecimal.valueOf(deltaBytes()).compareTo(maxGrowth.multiply(BigDecimal.valueOf(measured(a)))) <= 0;
  }

  /** Compressed bytes of the image's base layers (its first base.layers layers). */
  static long baseBytes(ComparedImage image, Base base) {
    return image.layers().subList(0, base.layers()).stream().mapToLong(ImageLayer::compressedBytes).sum();
  }

  /** How the compressed size change splits into the base's part and the application's part. */
  long baseDeltaBytes() {
    return baseBytes(b, baseB) - baseBytes(a, baseA);
  }

  long appDeltaBytes() {
    return b.compressedBytes() - a.compressedBytes() - baseDeltaBytes();
  }

  /** True when both bases are named and differ, false when both are named and equal, else null. */
  Boolean baseChanged() {
    if (baseA.digest() == null || baseB.digest() == null) {
      return null;
    }
    return !baseA.digest().equals(baseB.digest());
  }

  /** "root_to_non_root", "non_root_to_root", or "none" when both run as root or both do not. */
  String userChange() {
    if (a.runsAsRoot() == b.runsAsRoot()) {
      return "none";
    }
    return a.runsAsRoot() ? "root_to_non_root" : "non_root_to_root";
  }
}
