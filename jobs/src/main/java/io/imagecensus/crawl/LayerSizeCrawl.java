package io.imagecensus.crawl;

import io.imagecensus.config.CrawlSettings;
import io.imagecensus.config.RegistrySettings;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/** Measures layers (rows of {@link CrawlRecord#LAYER_TARGET}) with one ranged request each. */
public final class LayerSizeCrawl extends CrawlTask {
  private final CrawlSettings.LayerSizeFallback fallback;

  public LayerSizeCrawl(Map<String, RegistrySettings> registries, Map<String, Credentials> credentials,
      CrawlSettings settings, CrawlCounters counters) {
    super(registries, credentials, settings, counters);
    this.fallback = settings.layerSizeFallback();
  }

  @Override
  List<Row> crawl(List<Row> targets, Context context) {
    return context.forEach(targets, target -> {
      String registry = target.getString(0);
      String repository = target.getString(1);
      String digest = target.getString(2);
      String mediaType = target.getString(3);
      long size = target.getLong(4);
      try {
        LayerSizeProbe.LayerSize measured =
            new LayerSizeProbe(context.client(registry), fallback).measure(repository, digest, mediaType, size);
        context.counts.layerCount.increment();
        return List.of(CrawlRecord.layerSize(registry, repository, digest, mediaType, size, measured));
      } catch (RegistryException e) {
        context.counts.errorCount.increment();
        return List.of(CrawlRecord.error(registry, repository, null, digest, "layer-size", e.httpStatus(), e.getMessage()));
      }
    });
  }
}
