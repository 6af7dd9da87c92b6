package io.imagecensus.config;

import java.io.Serializable;
import java.time.Duration;

/**
 * How hard the crawl may push a registry: parallel requests per registry and JVM, the timeout of
 * one request, retries of temporary failures, the page size asked of {@code _catalog} and
 * {@code tags/list}, how deep nested indexes are followed, and what to do with a layer whose
 * gzip trailer cannot be trusted, and the share of crawl errors above which a run is only partial.
 */
public record CrawlSettings(
    int concurrency, Duration timeout, int retries, int pageSize, int maxIndexDepth,
    LayerSizeFallback layerSizeFallback, double maxErrorRate)
    implements Serializable {

  /** Settings with the default {@code max-error-rate} of 0: any crawl error makes the run partial. */
  public CrawlSettings(int concurrency, Duration timeout, int retries, int pageSize, int maxIndexDepth,
      LayerSizeFallback layerSizeFallback) {
    this(concurrency, timeout, retries, pageSize, maxIndexDepth, layerSizeFallback, 0.0);
  }

  /** What to do when one ranged request cannot tell a layer's uncompressed size for sure. */
  public enum LayerSizeFallback {
    /** Download the layer once and count its uncompressed bytes. */
    STREAM,
    /** Leave the size null and record why. */
    NONE
  }

  /**
   * Defaults: 8 requests in flight got the local registry close to its best rate (PRODUCT.md);
   * page size 1000 because ECR rejects larger {@code n}; indexes nest at most twice in practice.
   */
  public static final CrawlSettings DEFAULTS = new CrawlSettings(8, Duration.ofSeconds(20), 4, 1000, 4, LayerSizeFallback.STREAM);
}
