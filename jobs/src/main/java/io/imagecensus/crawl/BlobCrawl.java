package io.imagecensus.crawl;

import io.imagecensus.config.CrawlSettings;
import io.imagecensus.config.RegistrySettings;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/**
 * Reads the blobs a night needs (rows of {@link CrawlRecord#BLOB_TARGET}) in one wave: image config
 * blobs, fetched whole and verified, and layers, measured with one ranged request each. Both kinds
 * share a task, so the registry serves one steady stream instead of two waves with a pause between.
 */
public final class BlobCrawl extends CrawlTask {
  private final CrawlSettings.LayerSizeFallback fallback;

  public BlobCrawl(Map<String, RegistrySettings> registries, Map<String, Credentials> credentials,
      CrawlSettings settings, CrawlCounters counters) {
    super(registries, credentials, settings, counters);
    this.fallback = settings.layerSizeFallback();
  }

  @Override
  List<Row> crawl(List<Row> targets, Context context) {
    return context.forEach(targets, target -> {
      String kind = target.getString(0);
      String registry = target.getString(1);
      String repository = target.getString(2);
      String digest = target.getString(3);
      String mediaType = target.getString(4);
      long size = target.isNullAt(5) ? -1 : target.getLong(5);
      return CrawlRecord.CONFIG.equals(kind)
          ? config(registry, repository, digest, size, context)
          : layerSize(registry, repository, digest, mediaType, size, context);
    });
  }

  private static List<Row> config(String registry, String repository, String digest, long size, Context context) {
    context.counts.configRequestCount.increment();
    try {
      byte[] content = new BlobFetcher(context.client(registry)).fetch(repository, digest, size);
      context.counts.configCount.increment();
      return List.of(CrawlRecord.config(registry, repository, digest, content));
    } catch (RegistryException e) {
      context.counts.errorCount.increment();
      return List.of(CrawlRecord.error(registry, repository, null, digest, "config", e.httpStatus(), e.getMessage()));
    }
  }

  private List<Row> layerSize(String registry, String repository, String digest, String mediaType, long size,
      Context context) {
    try {
      LayerSizeProbe.LayerSize measured =
          new LayerSizeProbe(context.client(registry), fallback).measure(repository, digest, mediaType, size);
      context.counts.layerCount.increment();
      return List.of(CrawlRecord.layerSize(registry, repository, digest, mediaType, size, measured));
    } catch (RegistryException e) {
      context.counts.errorCount.increment();
      return List.of(CrawlRecord.error(registry, repository, null, digest, "layer-size", e.httpStatus(), e.getMessage()));
    }
  }
}
