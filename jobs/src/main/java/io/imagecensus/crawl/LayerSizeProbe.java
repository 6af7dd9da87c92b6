package io.imagecensus.crawl;

import io.imagecensus.config.CrawlSettings;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Measures a layer's uncompressed size without pulling it: the last 4 bytes of a gzip member hold
 * the uncompressed size mod 2^32 (ISIZE, RFC 1952), and a zstd frame header may hold the content
 * size (RFC 8878), so one ranged GET is enough. Where that number could be wrong the probe streams
 * the layer and counts, or leaves the size unknown with the reason, as configured.
 */
public final class LayerSizeProbe {
  /** A measured size (null when unknown), how it was measured, and a note when it was not. */
  public record LayerSize(Long uncompressedBytes, String method, String note) {}

  /**
   * ISIZE wraps at 4 GiB. Container layers compress 2–5:1, so below 512 MiB compressed a layer
   * stays under 4 GiB uncompressed unless it is extremely compressible; above it, count.
   */
  static final long TRAILER_MAX_COMPRESSED = 512L << 20;
  private static final int ZSTD_MAGIC = 0xFD2FB528;

  private final RegistryClient client;
  private final CrawlSettings.LayerSizeFallback fallback;

  public LayerSizeProbe(RegistryClient client, CrawlSettings.LayerSizeFallback fallback) {
    this.client = client;
    this.fallback = fallback;
  }

  /** Measures one layer blob of {@code compressedSize} bytes. */
  public LayerSize measure(String repository, String digest, String mediaType, long compressedSize) {
    String type = mediaType == null ? "" : mediaType;
    if (type.endsWith(".tar") || type.endsWith("tar.v1") || type.equals("application/vnd.oci.image.layer.v1.tar")) {
      return new LayerSize(compressedSize, "uncompressed", null);
    }
    if (type.contains("zstd")) {
      return zstd(repository, digest, compressedSize);
    }
    if (!type.contains("gzip")) {
      return new LayerSize(null, "unknown", "media type '" + type + "' is not a gzip, zstd or plain tar layer");
    }
    if (compressedSize >= TRAILER_MAX_COMPRESSED) {
      return fallback(repository, digest, "compressed size " + compressedSize + " is too large to trust the 32-bit gzip trailer");
    }
    if (compressedSize < 18) {
      return fallback(repository, digest, "blob of " + compressedSize + " bytes is too small to be gzip");
    }
    byte[] tail = range(repository, digest, compressedSize - 4, compressedSize - 1);
    long isize = (tail[0] & 0xFFL) | (tail[1] & 0xFFL) << 8 | (tail[2] & 0xFFL) << 16 | (tail[3] & 0xFFL) << 24;
    // A tar archive is a whole number of 512-byte blocks and gzip barely grows incompressible data;
    // a trailer failing either check belongs to the last member of a multi-member gzip.
    if (isize % 512 != 0 || isize < compressedSize - compressedSize / 100 - 1024) {
      return fallback(repository, digest, "gzip trailer size " + isize + " is not that of a single-member tar.gz");
    }
    return new LayerSize(isize, "gzip-trailer", null);
  }

  private LayerSize zstd(String repository, String digest, long compressedSize) {
    byte[] head = range(repository, digest, 0, Math.min(compressedSize, 18) - 1);
    if (head.length < 6 || littleEndian(head, 0, 4) != (ZSTD_MAGIC & 0xFFFFFFFFL)) {
      return new LayerSize(null, "unknown", "layer does not start with a zstd frame");
    }
    int descriptor = head[4] & 0xFF;
    int sizeFlag = descriptor >> 6;
    boolean singleSegment = (descriptor & 0x20) != 0;
    int dictionaryBytes = new int[] {0, 1, 2, 4}[descriptor & 0x3];
    int sizeBytes = sizeFlag == 0 ? (singleSegment ? 1 : 0) : new int[] {0, 2, 4, 8}[sizeFlag];
    if (sizeBytes == 0) {
      return new LayerSize(null, "unknown", "zstd frame header carries no content size");
    }
    int offset = 5 + (singleSegment ? 0 : 1) + dictionaryBytes;
    if (head.length < offset + sizeBytes) {
      return new LayerSize(null, "unknown", "zstd frame header is truncated");
    }
    long size = littleEndian(head, offset, sizeBytes) + (sizeBytes == 2 ? 256 : 0);
    return new LayerSize(size, "zstd-frame-header", null);
  }

  private LayerSize fallback(String repository, String digest, String reason) {
    if (fallback == CrawlSettings.LayerSizeFallback.NONE) {
      return new LayerSize(null, "unknown", reason);
    }
    long counted = client.stream("/v2/" + repository + "/blobs/" + digest, ManifestFetcher.scope(repository),
        "count the uncompressed bytes of " + repository + "@" + digest, LayerSizeProbe::countGzip);
    return new LayerSize(counted, "streamed", reason);
  }

  /** Counts the uncompressed bytes of a gzip stream; concatenated members are all read. */
  static long countGzip(InputStream compressed) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(compressed, 1 << 16)) {
      byte[] buffer = new byte[1 << 16];
      long total = 0;
      for (int n; (n = in.read(buffer)) > 0; ) {
        total += n;
      }
      return total;
    }
  }

  private byte[] range(String repository, String digest, long first, long last) {
    String action = "read bytes " + first + "-" + last + " of " + repository + "@" + digest;
    RegistryClient.Response response = client.send("GET", "/v2/" + repository + "/blobs/" + digest,
        Map.of("Range", "bytes=" + first + "-" + last), ManifestFetcher.scope(repository), action);
    int length = (int) (last - first + 1);
    if (response.status() == 206 && response.body().length == length) {
      return response.body();
    }
    if (response.status() == 200 && response.body().length > last) {
      // The registry ignored the range and sent the whole blob: take the bytes asked for.
      byte[] part = new byte[length];
      System.arraycopy(response.body(), (int) first, part, 0, length);
      return part;
    }
    throw new RegistryException(action, response.status(), "the registry answered " + response.status()
        + " with " + response.body().length + " bytes to a range request");
  }

  private static long littleEndian(byte[] bytes, int offset, int length) {
    long value = 0;
    for (int i = length - 1; i >= 0; i--) {
      value = value << 8 | (bytes[offset + i] & 0xFFL);
    }
    return value;
  }
}
