package io.imagecensus.compare;

/** A comparison that could not be made (registry answers, unusable manifests); exit code 1. */
final class CompareException extends RuntimeException {
  CompareException(String message) {
    super(message);
  }
}
