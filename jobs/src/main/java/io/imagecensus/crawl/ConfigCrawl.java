package io.imagecensus.crawl;

import io.imagecensus.config.CrawlSettings;
import io.imagecensus.config.RegistrySettings;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/** Fetches image config blobs by digest (rows of {@link CrawlRecord#CONTENT_TARGET}) and verifies them. */
public final class ConfigCrawl extends CrawlTask {
  public ConfigCrawl(Map<String, RegistrySettings> registries, Map<String, Credentials> credentials,
      CrawlSettings settings, CrawlCounters counters) {
    super(registries, credentials, settings, counters);
  }

  @Override
  List<Row> crawl(List<Row> targets, Context context) {
    return context.forEach(targets, target -> {
      String registry = target.getString(0);
      String repository = target.getString(1);
      String digest = target.getString(2);
      long size = target.isNullAt(3) ? -1 : target.getLong(3);
      try {
        byte[] content = new BlobFetcher(context.client(registry)).fetch(repository, digest, size);
        context.counts.configCount.increment();
        return List.of(CrawlRecord.config(registry, repository, digest, content));
      } catch (RegistryException e) {
        context.counts.errorCount.increment();
        return List.of(CrawlRecord.error(registry, repository, null, digest, "config", e.httpStatus(), e.getMessage()));
      }
    });
  }
}
