package io.imagecensus.crawl;

import io.imagecensus.model.Digest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * What a night's tags add up to, whatever order they were read in: the SHA-256 of each tag's
 * registry, repository, name, digest and media type, summed lane by lane (four 64-bit lanes, each
 * modulo 2^64), with the number of tags in front. Two nights with the same fingerprint saw the
 * same tags pointing at the same manifests. Tasks add their tags in any order, the run adds the
 * tasks up, and the run summary records the result for the next night to compare with.
 */
public final class TagFingerprint {
  static final int LANES = 4;

  private TagFingerprint() {}

  /** The lanes one tag adds; a null field (a tag whose HEAD failed) counts apart from any text. */
  static long[] of(String registry, String repository, String tag, String digest, String mediaType) {
    MessageDigest sha256 = Digest.messageDigest("SHA-256");
    for (String field : new String[] {registry, repository, tag, digest, mediaType}) {
      // Length first: no two different lists of fields give the same bytes.
      byte[] bytes = field == null ? new byte[0] : field.getBytes(StandardCharsets.UTF_8);
      sha256.update(ByteBuffer.allocate(4).putInt(field == null ? -1 : bytes.length).array());
      sha256.update(bytes);
    }
    ByteBuffer hash = ByteBuffer.wrap(sha256.digest());
    long[] lanes = new long[LANES];
    for (int i = 0; i < LANES; i++) {
      lanes[i] = hash.getLong();
    }
    return lanes;
  }

  /** {@code count:lane0lane1lane2lane3}, the lanes as 16 hex digits each. */
  public static String format(long count, long[] lanes) {
    StringBuilder text = new StringBuilder().append(count).append(':');
    for (long lane : lanes) {
      text.append(HexFormat.of().toHexDigits(lane));
    }
    return text.toString();
  }
}
