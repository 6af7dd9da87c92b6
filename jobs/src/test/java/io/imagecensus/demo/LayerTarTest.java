package io.imagecensus.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class LayerTarTest {

  private static final List<LayerTar.Entry> ENTRIES =
      List.of(
          new LayerTar.Entry("usr/bin/apt-get", new byte[] {1, 2, 3}, 0755),
          LayerTar.Entry.text("etc/os-release", "ID=debian\n"));

  @Test
  void emptyLayerIsDockersThirtyTwoByteGzipOfAnEmptyTar() throws Exception {
    LayerTar empty = LayerTar.empty();

    assertThat(empty.compressedSize()).isEqualTo(32);
    assertThat(empty.digest())
        .isEqualTo("sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4")
        .isEqualTo(sha256(empty.compressed()))
        .isEqualTo(LayerTar.EMPTY_LAYER_DIGEST);
    assertThat(empty.diffId())
        .isEqualTo("sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef")
        .isEqualTo(LayerTar.EMPTY_LAYER_DIFF_ID);
    assertThat(gunzip(empty.compressed())).isEqualTo(new byte[1024]);
  }

  @Test
  void layerWithoutEntriesHasTheEmptyDiffIdButItsOwnGzip() {
    LayerTar layer = LayerTar.of(List.of());

    assertThat(layer.tar()).isEqualTo(new byte[1024]);
    assertThat(layer.diffId()).isEqualTo(LayerTar.EMPTY_LAYER_DIFF_ID);
    // Same content, different compression: the trap of layers that share a diff ID only.
    assertThat(layer.digest()).isNotEqualTo(LayerTar.EMPTY_LAYER_DIGEST);
  }

  @Test
  void digestAndDiffIdAreTheSha256OfTheCompressedAndUncompressedBytes() throws Exception {
    LayerTar layer = LayerTar.of(ENTRIES);

    assertThat(layer.digest()).isEqualTo(sha256(layer.compressed()));
    assertThat(layer.diffId()).isEqualTo(sha256(layer.tar()));
    assertThat(gunzip(layer.compressed())).isEqualTo(layer.tar());
    assertThat(layer.compressedSize()).isEqualTo(layer.compressed().length);
    assertThat(layer.uncompressedSize()).isEqualTo(layer.tar().length);
  }

  @Test
  void gzipTrailerHoldsTheUncompressedSize() {
    LayerTar layer = LayerTar.of(ENTRIES);
    byte[] gzip = layer.compressed();
    int n = gzip.length;

    long isize =
        (gzip[n - 4] & 0xffL)
            | (gzip[n - 3] & 0xffL) << 8
            | (gzip[n - 2] & 0xffL) << 16
            | (gzip[n - 1] & 0xffL) << 24;

    assertThat(isize).isEqualTo(layer.uncompressedSize());
    // Header: magic, deflate, no flags, mtime 0, no extra flags, OS "unknown".
    assertThat(HexFormat.of().formatHex(gzip, 0, 10)).isEqualTo("1f8b08000000000000ff");
  }

  @Test
  void sameEntriesInAnyOrderGiveTheSameBytes() {
    LayerTar first = LayerTar.of(ENTRIES);
    LayerTar second = LayerTar.of(List.of(ENTRIES.get(1), ENTRIES.get(0)));

    assertThat(second.compressed()).isEqualTo(first.compressed());
    assertThat(second.digest()).isEqualTo(first.digest());
  }

  @Test
  void tarListsParentDirectoriesBeforeTheirFilesWithFixedOwnerAndTime() {
    byte[] tar = LayerTar.of(ENTRIES).tar();

    List<String> headers = new ArrayList<>();
    int offset = 0;
    while (tar[offset] != 0) {
      String name = field(tar, offset, 100);
      String mode = field(tar, offset + 100, 8);
      String uid = field(tar, offset + 108, 8);
      long size = Long.parseLong(field(tar, offset + 124, 12), 8);
      String mtime = field(tar, offset + 136, 12);
      char type = (char) tar[offset + 156];
      assertThat(field(tar, offset + 257, 6)).isEqualTo("ustar");
      assertThat(checksumOf(tar, offset)).isEqualTo(Long.parseLong(field(tar, offset + 148, 6), 8));
      headers.add(type + " " + name + " " + mode + " " + uid + " " + size + " " + mtime);
      offset += 512 + (int) ((size + 511) / 512) * 512;
    }

    assertThat(headers)
        .containsExactly(
            "5 etc/ 0000755 0000000 0 15125334400",
            "0 etc/os-release 0000644 0000000 10 15125334400",
            "5 usr/ 0000755 0000000 0 15125334400",
            "5 usr/bin/ 0000755 0000000 0 15125334400",
            "0 usr/bin/apt-get 0000755 0000000 3 15125334400");
    // Two zero blocks end the archive.
    assertThat(tar.length - offset).isEqualTo(1024);
  }

  @Test
  void recompressingKeepsTheDiffIdAndChangesTheDigest() {
    LayerTar layer = LayerTar.of(ENTRIES);
    LayerTar recompressed = layer.recompressed(1);

    assertThat(recompressed.diffId()).isEqualTo(layer.diffId());
    assertThat(recompressed.digest()).isNotEqualTo(layer.digest());
  }

  @Test
  void entryRejectsPathsThatEscapeOrAreAbsolute() {
    assertThatThrownBy(() -> LayerTar.Entry.text("/etc/passwd", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/etc/passwd");
    assertThatThrownBy(() -> LayerTar.Entry.text("app/../../etc/passwd", "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                LayerTar.of(List.of(LayerTar.Entry.text("a", "1"), LayerTar.Entry.text("a", "2"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("two entries for a");
  }

  private static String field(byte[] header, int offset, int length) {
    int end = offset;
    while (end < offset + length && header[end] != 0) {
      end++;
    }
    return new String(header, offset, end - offset, StandardCharsets.US_ASCII).trim();
  }

  private static long checksumOf(byte[] tar, int offset) {
    long sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : tar[offset + i] & 0xff;
    }
    return sum;
  }

  static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static byte[] gunzip(byte[] gzip) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
      return in.readAllBytes();
    }
  }
}
