import io.imagecensus.crawl.Http1Client;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ceiling of the crawl's HTTP client without Spark: replays make-estate.py's request mix once
 * (HEADs as HEADs) with the crawl's own client (io.imagecensus.crawl.Http1Client, reused HTTP/1.1
 * connections), CONCURRENCY requests in flight on a fixed pool of CONCURRENCY threads, as
 * RegistryClient does, and prints requests per second.
 *
 *   java -cp jobs/target/image-census.jar scripts/bench/HttpMix.java http://127.0.0.1:PORT PATHS_FILE [CONCURRENCY=8] [MAX_REQUESTS]
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
    Http1Client http = new Http1Client();
    URI base = URI.create(args[0]);
    int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    long max = args.length > 3 ? Long.parseLong(args[3]) : Long.MAX_VALUE;
    List<String> lines = Files.readAllLines(Path.of(args[1])).stream().filter(l -> !l.isBlank()).limit(max).toList();
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    Semaphore inFlight = new Semaphore(concurrency);
    AtomicInteger bad = new AtomicInteger();
    AtomicLong bytes = new AtomicLong();
    long start = System.nanoTime();
    for (String line : lines) {
      String[] f = line.trim().split("\\s+");
      String method = f.length > 1 ? f[0] : "GET";
      String path = f.length > 1 ? f[1] : f[0];
      String range = f.length > 2 ? f[2] : null;
      inFlight.acquire();
      pool.submit(() -> {
        try {
          Map<String, String> headers = new HashMap<>();
          headers.put("User-Agent", "image-census");
          headers.put("Accept", path.contains("/manifests/") ? ACCEPT : "*/*");
          if (range != null) {
            headers.put("Range", range);
          }
          try (Http1Client.Response response = http.send(method, base.resolve(path), headers, Duration.ofSeconds(20))) {
            bytes.addAndGet(response.body().readAllBytes().length);
            if (response.status() >= 400) {
              bad.incrementAndGet();
            }
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
