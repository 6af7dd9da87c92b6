package io.imagecensus.crawl;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagecensus.config.AuthSettings;
import io.imagecensus.config.CrawlSettings;
import io.imagecensus.config.CrawlSettings.LayerSizeFallback;
import io.imagecensus.config.RegistrySettings;
import io.imagecensus.demo.EstateImage;
import io.imagecensus.demo.EstateLayer;
import io.imagecensus.model.Digest;
import io.imagecensus.testing.RegistryAuth;
import io.imagecensus.testing.RegistryExtension;
import io.imagecensus.testing.RegistryProcess;
import io.imagecensus.testing.TestRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Uncompressed layer sizes from one ranged request, checked against full streaming counts. */
@ExtendWith(RegistryExtension.class)
class LayerSizeProbeTest {
  private static final CrawlSettings SETTINGS =
      new CrawlSettings(2, Duration.ofSeconds(10), 1, 100, 4, LayerSizeFallback.STREAM);

  private static RegistryClient client(String baseUrl, RequestCounter counter) {
    RegistrySettings registry = new RegistrySettings("erp", URI.create(baseUrl), true, AuthSettings.ANONYMOUS);
    return new RegistryClient(registry, SETTINGS, Optional.empty(), counter);
  }

  @Test
  void theGzipTrailerGivesTheSizeAStreamingCountGivesForEveryEstateLayer(TestRegistry registry) {
    AtomicLong requests = new AtomicLong();
    RegistryClient client = client(registry.baseUrl(), counting(requests));
    Map<String, EstateLayer> layers = new LinkedHashMap<>();
    Map<String, String> repositoryOf = new LinkedHashMap<>();
    for (EstateImage image : registry.truth().images()) {
      for (EstateLayer layer : image.layers()) {
        layers.putIfAbsent(layer.digest(), layer);
        repositoryOf.putIfAbsent(layer.digest(), image.repository());
      }
    }
    assertThat(layers).hasSizeGreaterThan(20);
    for (EstateLayer layer : layers.values()) {
      String repository = repositoryOf.get(layer.digest());
      long before = requests.get();
      LayerSizeProbe.LayerSize measured = new LayerSizeProbe(client, LayerSizeFallback.STREAM)
          .measure(repository, layer.digest(), layer.mediaType(), layer.compressedSize());
      assertThat(requests.get() - before).as("one ranged request for " + layer.digest()).isEqualTo(1);
      long streamed = client.stream("/v2/" + repository + "/blobs/" + layer.digest(), "repository:" + repository + ":pull",
          "count " + layer.digest(), LayerSizeProbe::countGzip);
      assertThat(measured).as(layer.digest())
          .isEqualTo(new LayerSizeProbe.LayerSize(layer.uncompressedSize(), "gzip-trailer", null));
      assertThat(streamed).as(layer.digest()).isEqualTo(layer.uncompressedSize());
    }
  }

  @Test
  void aMultiMemberGzipIsCountedByStreamingNotTrustedFromItsLastTrailer() throws Exception {
    byte[] first = new byte[200 * 1024];
    new Random(7).nextBytes(first);
    byte[] blob = concat(gzip(first), gzip(new byte[1024]));
    try (RegistryProcess own = RegistryProcess.start(RegistryAuth.ANONYMOUS)) {
      String digest = pushBlob(own.baseUrl(), "erp/odd", blob);
      LayerSizeProbe.LayerSize streamed = new LayerSizeProbe(client(own.baseUrl(), RequestCounter.NONE), LayerSizeFallback.STREAM)
          .measure("erp/odd", digest, "application/vnd.oci.image.layer.v1.tar+gzip", blob.length);
      assertThat(streamed).isEqualTo(new LayerSizeProbe.LayerSize(200L * 1024 + 1024, "streamed",
          "gzip trailer size 1024 is not that of a single-member tar.gz"));
      LayerSizeProbe.LayerSize unknown = new LayerSizeProbe(client(own.baseUrl(), RequestCounter.NONE), LayerSizeFallback.NONE)
          .measure("erp/odd", digest, "application/vnd.oci.image.layer.v1.tar+gzip", blob.length);
      assertThat(unknown).isEqualTo(new LayerSizeProbe.LayerSize(null, "unknown",
          "gzip trailer size 1024 is not that of a single-member tar.gz"));
    }
  }

  @Test
  void aLayerTooLargeForTheTrailerIsNeverGuessed() {
    LayerSizeProbe.LayerSize size = new LayerSizeProbe(client("http://127.0.0.1:9", RequestCounter.NONE), LayerSizeFallback.NONE)
        .measure("erp/huge", "sha256:" + "0".repeat(64), "application/vnd.docker.image.rootfs.diff.tar.gzip", 5L << 30);
    assertThat(size).isEqualTo(new LayerSizeProbe.LayerSize(null, "unknown",
        "compressed size 5368709120 is too large to trust the 32-bit gzip trailer"));
  }

  @Test
  void anUncompressedTarLayerIsItsOwnSize() {
    LayerSizeProbe.LayerSize size = new LayerSizeProbe(client("http://127.0.0.1:9", RequestCounter.NONE), LayerSizeFallback.NONE)
        .measure("erp/plain", "sha256:" + "0".repeat(64), "application/vnd.oci.image.layer.v1.tar", 10240);
    assertThat(size).isEqualTo(new LayerSizeProbe.LayerSize(10240L, "uncompressed", null));
  }

  private static RequestCounter counting(AtomicLong requests) {
    return new RequestCounter() {
      @Override
      public void onRequest(long bytesReceived) {
        requests.incrementAndGet();
      }

      @Override
      public void onRetry() {}
    };
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(data);
    }
    return out.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] result = new byte[a.length + b.length];
    System.arraycopy(a, 0, result, 0, a.length);
    System.arraycopy(b, 0, result, a.length, b.length);
    return result;
  }

  /** A monolithic blob upload: POST for an upload URL, then PUT the bytes with their digest. */
  private static String pushBlob(String baseUrl, String repository, byte[] blob) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<Void> started = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v2/" + repository + "/blobs/uploads/"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
    assertThat(started.statusCode()).isEqualTo(202);
    String location = started.headers().firstValue("Location").orElseThrow();
    String digest = Digest.sha256(blob);
    URI put = URI.create(baseUrl).resolve(location + (location.contains("?") ? "&" : "?") + "digest=" + digest);
    HttpResponse<Void> done = http.send(HttpRequest.newBuilder(put).header("Content-Type", "application/octet-stream")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(blob)).build(), HttpResponse.BodyHandlers.discarding());
    assertThat(done.statusCode()).isEqualTo(201);
    return digest;
  }
}
