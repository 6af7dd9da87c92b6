package io.imagecensus.demo;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Content digests in the registry's "sha256:&lt;hex&gt;" notation. */
final class Sha256 {

  private Sha256() {}

  static String digestOf(byte[] bytes) {
    return "sha256:" + hexOf(bytes);
  }

  static String hexOf(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      // Every Java platform is required to provide SHA-256.
      throw new IllegalStateException(e);
    }
  }

  static boolean isDigest(String value) {
    return value != null && value.matches("sha256:[0-9a-f]{64}");
  }
}
