package io.imagecensus.compare;

/**
 * The base of one compared image and the rule that found it: its first {@code layers} layers come
 * from the base. {@code name}, {@code digest} and {@code family} are null when the rule names no
 * image (shared-prefix, none).
 */
record Base(Rule rule, String name, String digest, String family, int layers) {

  /** How the base was decided, tried in this order. */
  enum Rule {
    /** The manifest's org.opencontainers.image.base.digest, read from the same registry. */
    ANNOTATION,
    /** The longest image of the configuration's base-images whose diff_ids start this image's. */
    CATALOGUE,
    /** Neither: the leading layers both images share are counted as base. */
    SHARED_PREFIX,
    /** Neither, and the images share no leading layer. */
    NONE;

    /** The rule's name in reports: lower case with hyphens. */
    String label() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /** "mirror/python:3.11-slim (slim, 5 layers, catalogue)" or what the rule says instead. */
  String describe() {
    return switch (rule) {
      case ANNOTATION, CATALOGUE -> name + " (" + (family == null ? "" : family + ", ") + layers(layers) + ", "
          + rule.label() + ")";
      case SHARED_PREFIX -> "not named (first " + layers(layers) + " shared with the other image, shared-prefix)";
      case NONE -> "not named (no leading layer shared with the other image)";
    };
  }

  private static String layers(int count) {
    return count + (count == 1 ? " layer" : " layers");
  }
}
