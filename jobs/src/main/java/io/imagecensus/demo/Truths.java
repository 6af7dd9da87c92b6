package io.imagecensus.demo;

/** Checks shared by the truth records' compact constructors. */
final class Truths {

  private Truths() {}

  static void requireText(String what, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank but was: " + value);
    }
  }

  static void requireDigest(String what, String value) {
    if (!Sha256.isDigest(value)) {
      throw new IllegalArgumentException(what + " must be sha256:<64 hex> but was: " + value);
    }
  }

  static void requireDigestOrNull(String what, String value) {
    if (value != null) {
      requireDigest(what, value);
    }
  }
}
