package io.imagecensus.model;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Content digests as the OCI distribution spec writes them: {@code algorithm:hex}. */
public final class Digest {
  private static final Pattern SHA256 = Pattern.compile("sha256:[a-f0-9]{64}");
  private static final Pattern SHA512 = Pattern.compile("sha512:[a-f0-9]{128}");

  private Digest() {}

  /** Returns "sha256:" plus the lower-case hex SHA-256 of the bytes. */
  public static String sha256(byte[] bytes) {
    return "sha256:" + HexFormat.of().formatHex(messageDigest("SHA-256").digest(bytes));
  }

  /** Returns the digest of the bytes computed with the algorithm named by {@code expected}. */
  public static String of(byte[] bytes, String expected) {
    if (expected.startsWith("sha512:")) {
      return "sha512:" + HexFormat.of().formatHex(messageDigest("SHA-512").digest(bytes));
    }
    return sha256(bytes);
  }

  /** True for a well-formed sha256 or sha512 digest. */
  public static boolean isValid(String digest) {
    return digest != null && (SHA256.matcher(digest).matches() || SHA512.matcher(digest).matches());
  }

  /** Returns the digest unchanged, or throws naming the bad value. */
  public static String requireValid(String digest, String what) {
    if (!isValid(digest)) {
      throw new IllegalArgumentException(what + " is not a valid digest: '" + digest + "'");
    }
    return digest;
  }

  /** A fresh {@code MessageDigest} for {@code algorithm} (SHA-256, SHA-512), which every JVM has. */
  public static MessageDigest messageDigest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no " + algorithm, e);
    }
  }
}
