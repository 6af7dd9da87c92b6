package io.imagecensus.crawl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Expected hashes computed apart with Python's hashlib over the same length-prefixed fields. */
class TagFingerprintTest {
  private static final String DIGEST = "sha256:" + "a".repeat(64);
  private static final String INDEX = "application/vnd.oci.image.index.v1+json";

  @Test
  void oneTagIsTheSha256OfItsLengthPrefixedFields() {
    long[] lanes = TagFingerprint.of("erp", "erp/api-server", "1.4.0", DIGEST, INDEX);
    assertThat(TagFingerprint.format(1, lanes))
        .isEqualTo("1:c1ede86e15647ffca06c73e16b7f0c5c246dcae9011c301da2d5407329dd0693");
  }

  @Test
  void tagsAddUpLaneByLaneInAnyOrderAndTheLanesWrapAround() {
    long[] apiServer = TagFingerprint.of("erp", "erp/api-server", "1.4.0", DIGEST, INDEX);
    long[] failedHead = TagFingerprint.of("erp", "erp/redis", "7.2", null, null);
    assertThat(TagFingerprint.format(1, failedHead))
        .isEqualTo("1:21f8eb3091bcaf0442c3486040a01017dec5de10cf46ff97abd3ec9153109230");
    // The third lanes overflow: 246dcae9011c301d + dec5de10cf46ff97 leaves 0333a8f9d0632fb4.
    String expected = "2:e3e6d39ea7212f00e32fbc41ac1f1c730333a8f9d0632fb44ea92d047ced98c3";
    assertThat(TagFingerprint.format(2, sum(apiServer, failedHead))).isEqualTo(expected);
    assertThat(TagFingerprint.format(2, sum(failedHead, apiServer))).isEqualTo(expected);
  }

  @Test
  void aMovedTagARenamedTagAndAMissingDigestEachChangeIt() {
    String tag = TagFingerprint.format(1, TagFingerprint.of("erp", "erp/flower", "2.0.1", DIGEST, INDEX));
    assertThat(TagFingerprint.format(1, TagFingerprint.of("erp", "erp/flower", "2.0.1", "sha256:" + "b".repeat(64), INDEX)))
        .isNotEqualTo(tag);
    assertThat(TagFingerprint.format(1, TagFingerprint.of("erp", "erp/flower", "2.0.2", DIGEST, INDEX))).isNotEqualTo(tag);
    assertThat(TagFingerprint.format(1, TagFingerprint.of("erp", "erp/flower", "2.0.1", null, INDEX))).isNotEqualTo(tag);
    // Field boundaries count: "erp/flower" + "2.0.1" is not "erp/flower2" + ".0.1".
    assertThat(TagFingerprint.format(1, TagFingerprint.of("erp", "erp/flower2", ".0.1", DIGEST, INDEX))).isNotEqualTo(tag);
    assertThat(TagFingerprint.of("erp", "erp/redis", "7.2", null, null))
        .isNotEqualTo(TagFingerprint.of("erp", "erp/redis", "7.2", "", ""));
  }

  private static long[] sum(long[] a, long[] b) {
    long[] lanes = new long[a.length];
    for (int i = 0; i < lanes.length; i++) {
      lanes[i] = a[i] + b[i];
    }
    return lanes;
  }
}
