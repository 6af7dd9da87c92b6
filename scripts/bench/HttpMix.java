import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ceiling of the crawl's HTTP client without Spark: replays make-estate.py's request mix once
 * (HEADs as HEADs) with the JDK HttpClient over HTTP/1.1, CONCURRENCY requests in flight on a
 * fixed pool of CONCURRENCY threads, as RegistryClient does, and prints requests per second.
 *
 *   java scripts/bench/HttpMix.java http://127.0.0.1:PORT PATHS_FILE [CONCURRENCY=8] [MAX_REQUESTS]
 *
 * Compare with wrk (the registry's capacity) and with the crawl (client plus Spark orchestration).
 */
public class HttpMix {
  static final String ACCEPT = "application/vnd.docker.distribution.manifest.v2+json, "
      + "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, "
      + "application/vnd.docker.distribution.manifest.list.v2+json";

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: java HttpMix.java URL PATHS_FILE [CONCURRENCY] [MAX_REQUESTS]");
      System.exit(2);
    }
    URI base = URI.create(args[0]);
    int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    long max = args.length > 3 ? Long.parseLong(args[3]) : Long.MAX_VALUE;
    List<String> lines = Files.readAllLines(Path.of(args[1])).stream().filter(l -> !l.isBlank()).limit(max).toList();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(20)).build();
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    Semaphore inFlight = new Semaphore(concurrency);
    AtomicInteger bad = new AtomicInteger();
    AtomicLong bytes = new AtomicLong();
    long start = System.nanoTime();
    for (String line : lines) {
      String[] f = line.trim().split("\\s+");
      String method = f.length > 1 ? f[0] : "GET";
      String path = f.length > 1 ? f[1] : f[0];
      HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20))
          .method(method, HttpRequest.BodyPublishers.noBody());
      if (path.contains("/manifests/")) {
        request.header("Accept", ACCEPT);
      }
      if (f.length > 2) {
        request.header("Range", f[2]);
      }
      inFlight.acquire();
      pool.submit(() -> {
        try {
          HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
          bytes.addAndGet(response.body() == null ? 0 : response.body().length);
          if (response.statusCode() >= 400) {
            bad.incrementAndGet();
          }
        } catch (Exception e) {
          bad.incrementAndGet();
        } finally {
          inFlight.release();
        }
      });
    }
    inFlight.acquire(concurrency);
    double seconds = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    System.out.printf(java.util.Locale.ROOT, "HttpMix: %d requests in %.1fs = %.0f req/s at concurrency %d, %d failed, %d body bytes%n",
        lines.size(), seconds, lines.size() / seconds, concurrency, bad.get(), bytes.get());
    System.exit(bad.get() == 0 ? 0 : 1);
  }
}
