package io.imagecensus.model;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DigestTest {
  private static final String SHA256_EMPTY =
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  private static final String SHA256_ABC =
      "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  private static final String SHA512_ABC = "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea2"
      + "0a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";

  @Test
  void hashesWithSha256() {
    assertThat(Digest.sha256(new byte[0])).isEqualTo(SHA256_EMPTY);
    assertThat(Digest.sha256("abc".getBytes(UTF_8))).isEqualTo(SHA256_ABC);
  }

  @Test
  void hashesWithTheAlgorithmOfTheExpectedDigest() {
    byte[] abc = "abc".getBytes(UTF_8);

    assertThat(Digest.of(abc, SHA512_ABC)).isEqualTo(SHA512_ABC);
    assertThat(Digest.of(abc, "sha512:")).isEqualTo(SHA512_ABC);
    assertThat(Digest.of(abc, SHA256_EMPTY)).isEqualTo(SHA256_ABC);
    assertThat(Digest.of(abc, "sha256:")).isEqualTo(SHA256_ABC);
  }

  @Test
  void acceptsOnlyWellFormedSha256AndSha512() {
    assertThat(Digest.isValid(SHA256_EMPTY)).isTrue();
    assertThat(Digest.isValid(SHA512_ABC)).isTrue();
    assertThat(Digest.isValid(SHA256_EMPTY.toUpperCase())).isFalse();
    assertThat(Digest.isValid("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")).isFalse();
    assertThat(Digest.isValid(SHA256_EMPTY.substring(0, SHA256_EMPTY.length() - 1))).isFalse();
    assertThat(Digest.isValid(SHA256_EMPTY + "0")).isFalse();
    assertThat(Digest.isValid("sha512:" + SHA256_EMPTY.substring(7))).isFalse();
    assertThat(Digest.isValid("md5:d41d8cd98f00b204e9800998ecf8427e")).isFalse();
    assertThat(Digest.isValid(" " + SHA256_EMPTY)).isFalse();
    assertThat(Digest.isValid("")).isFalse();
    assertThat(Digest.isValid(null)).isFalse();
  }

  @Test
  void requireValidReturnsAGoodDigestAndNamesABadOne() {
    assertThat(Digest.requireValid(SHA256_ABC, "the digest")).isEqualTo(SHA256_ABC);
    assertThatThrownBy(() -> Digest.requireValid("sha256:abc", "the Docker-Content-Digest header of erp/api-server:1.0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the Docker-Content-Digest header of erp/api-server:1.0 is not a valid digest: 'sha256:abc'");
    assertThatThrownBy(() -> Digest.requireValid(null, "the digest"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the digest is not a valid digest: 'null'");
  }
}
