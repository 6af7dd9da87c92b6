package io.imagecensus.demo;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** One image layer built byte-for-byte deterministically: a ustar archive and its gzip. */
public final class LayerTar {

  /** Digest of Docker's 32-byte gzipped empty tar, the layer shared by almost every registry. */
  public static final String EMPTY_LAYER_DIGEST =
      "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4";

  /** Diff ID of the empty tar: sha256 of 1024 zero bytes. */
  public static final String EMPTY_LAYER_DIFF_ID =
      "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";

  /** Compression level of {@link #of(List)}: the default of Go's compress/gzip and of Docker. */
  public static final int DEFAULT_COMPRESSION_LEVEL = 6;

  // The gzip that Docker and the old distribution library emitted for an empty tar. Its header
  // carries a non-zero mtime, so these bytes cannot be regenerated and are kept verbatim.
  private static final byte[] DOCKER_EMPTY_TAR_GZIP = {
    31,
    (byte) 139,
    8,
    0,
    0,
    9,
    110,
    (byte) 136,
    0,
    (byte) 255,
    98,
    24,
    5,
    (byte) 163,
    96,
    20,
    (byte) 140,
    88,
    0,
    8,
    0,
    0,
    (byte) 255,
    (byte) 255,
    46,
    (byte) 175,
    (byte) 181,
    (byte) 239,
    0,
    4,
    0,
    0
  };

  // 2026-01-01T00:00:00Z: every entry gets it, so equal content always gives an equal layer.
  private static final long FIXED_MTIME_SECONDS = 1_767_225_600L;
  private static final int BLOCK = 512;
  private static final int DIRECTORY_MODE = 0755;

  private final byte[] tar;
  private final byte[] compressed;
  private final String digest;
  private final String diffId;

  private LayerTar(byte[] tar, byte[] compressed) {
    this.tar = tar;
    this.compressed = compressed;
    this.digest = Sha256.digestOf(compressed);
    this.diffId = Sha256.digestOf(tar);
  }

  /** A regular file in a layer; parent directories are added by the layer itself. */
  public record Entry(String path, byte[] content, int mode) {
    public Entry {
      if (path == null
          || path.isEmpty()
          || path.startsWith("/")
          || path.endsWith("/")
          || path.contains("//")
          || Arrays.asList(path.split("/")).contains("..")) {
        throw new IllegalArgumentException(
            "Layer entry path must be relative, without '..' or empty parts, but was: " + path);
      }
      // A ustar name field holds 100 bytes; the sample estate never needs the prefix field.
      if (path.getBytes(StandardCharsets.UTF_8).length > 100) {
        throw new IllegalArgumentException("Layer entry path is longer than 100 bytes: " + path);
      }
      if (content == null) {
        throw new IllegalArgumentException("Layer entry content is null for " + path);
      }
      if (mode < 0 || mode > 07777) {
        throw new IllegalArgumentException(
            "Layer entry mode must be within 0..07777 but was " + Integer.toOctalString(mode));
      }
    }

    /** A text file with mode 0644. */
    public static Entry text(String path, String content) {
      return new Entry(path, content.getBytes(StandardCharsets.UTF_8), 0644);
    }
  }

  /** Builds a layer from the entries, compressed at {@link #DEFAULT_COMPRESSION_LEVEL}. */
  public static LayerTar of(List<Entry> entries) {
    return of(entries, DEFAULT_COMPRESSION_LEVEL);
  }

  /** Builds a layer from the entries, compressed at the given deflate level (1..9). */
  public static LayerTar of(List<Entry> entries, int compressionLevel) {
    byte[] tar = writeTar(entries);
    return new LayerTar(tar, gzip(tar, compressionLevel));
  }

  /** Docker's empty layer: an empty tar (1024 zero bytes) in its canonical 32-byte gzip. */
  public static LayerTar empty() {
    return new LayerTar(new byte[2 * BLOCK], DOCKER_EMPTY_TAR_GZIP.clone());
  }

  /**
   * The same tar compressed again at another level: the diff ID stays, the digest changes, as when
   * a registry tool re-compresses a layer it copies.
   */
  public LayerTar recompressed(int compressionLevel) {
    return new LayerTar(tar, gzip(tar, compressionLevel));
  }

  /** The uncompressed tar archive. */
  public byte[] tar() {
    return tar.clone();
  }

  /** The gzipped tar archive, as pushed to a registry. */
  public byte[] compressed() {
    return compressed.clone();
  }

  /** The layer digest: sha256 of the compressed bytes. */
  public String digest() {
    return digest;
  }

  /** The diff ID: sha256 of the uncompressed tar. */
  public String diffId() {
    return diffId;
  }

  public long compressedSize() {
    return compressed.length;
  }

  public long uncompressedSize() {
    return tar.length;
  }

  private static byte[] writeTar(List<Entry> entries) {
    // Sorted by name, a directory ("usr/") always precedes what it contains ("usr/bin/...").
    TreeMap<String, Entry> files = new TreeMap<>();
    TreeMap<String, Boolean> isDirectoryByName = new TreeMap<>();
    for (Entry entry : entries) {
      if (files.put(entry.path(), entry) != null) {
        throw new IllegalArgumentException("Layer has two entries for " + entry.path());
      }
      isDirectoryByName.put(entry.path(), Boolean.FALSE);
      int slash = entry.path().indexOf('/');
      while (slash >= 0) {
        isDirectoryByName.put(entry.path().substring(0, slash + 1), Boolean.TRUE);
        slash = entry.path().indexOf('/', slash + 1);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (var name : isDirectoryByName.entrySet()) {
      if (name.getValue()) {
        out.writeBytes(header(name.getKey(), 0, DIRECTORY_MODE, '5'));
      } else {
        Entry file = files.get(name.getKey());
        out.writeBytes(header(file.path(), file.content().length, file.mode(), '0'));
        out.writeBytes(file.content());
        int padding = (BLOCK - file.content().length % BLOCK) % BLOCK;
        out.writeBytes(new byte[padding]);
      }
    }
    // End of archive: two zero blocks, without padding to a 10 KiB record (as Go's archive/tar).
    out.writeBytes(new byte[2 * BLOCK]);
    return out.toByteArray();
  }

  private static byte[] header(String name, long size, int mode, char type) {
    byte[] header = new byte[BLOCK];
    putString(header, 0, 100, name);
    putOctal(header, 100, 8, mode);
    putOctal(header, 108, 8, 0);
    putOctal(header, 116, 8, 0);
    putOctal(header, 124, 12, size);
    putOctal(header, 136, 12, FIXED_MTIME_SECONDS);
    header[156] = (byte) type;
    putString(header, 257, 6, "ustar");
    putString(header, 263, 2, "00");
    putString(header, 265, 32, "root");
    putString(header, 297, 32, "root");
    putOctal(header, 329, 8, 0);
    putOctal(header, 337, 8, 0);
    // The checksum is computed with its own field read as eight spaces.
    Arrays.fill(header, 148, 156, (byte) ' ');
    long checksum = 0;
    for (byte b : header) {
      checksum += b & 0xff;
    }
    byte[] digits = String.format("%06o", checksum).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(digits, 0, header, 148, 6);
    header[154] = 0;
    header[155] = ' ';
    return header;
  }

  private static void putString(byte[] header, int offset, int length, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(bytes, 0, header, offset, Math.min(bytes.length, length));
  }

  private static void putOctal(byte[] header, int offset, int length, long value) {
    String digits = String.format("%0" + (length - 1) + "o", value);
    putString(header, offset, length - 1, digits);
  }

  private static byte[] gzip(byte[] data, int level) {
    if (level < 1 || level > 9) {
      throw new IllegalArgumentException("Compression level must be 1..9 but was " + level);
    }
    // The 10-byte header is written here rather than by GZIPOutputStream so that no JDK version
    // detail (mtime, OS byte) reaches the bytes: mtime 0, no file name, OS 255 "unknown" as Go.
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff});
    Deflater deflater = new Deflater(level, true);
    try {
      deflater.setInput(data);
      deflater.finish();
      byte[] buffer = new byte[64 * 1024];
      while (!deflater.finished()) {
        int n = deflater.deflate(buffer);
        out.write(buffer, 0, n);
      }
    } finally {
      deflater.end();
    }
    CRC32 crc = new CRC32();
    crc.update(data);
    writeIntLittleEndian(out, crc.getValue());
    // ISIZE: the uncompressed size mod 2^32, which crawlers read with a ranged GET.
    writeIntLittleEndian(out, data.length & 0xffffffffL);
    return out.toByteArray();
  }

  private static void writeIntLittleEndian(ByteArrayOutputStream out, long value) {
    for (int i = 0; i < 4; i++) {
      out.write((int) (value >>> (8 * i)) & 0xff);
    }
  }
}
