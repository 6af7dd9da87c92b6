package io.imagecensus.crawl;

import io.imagecensus.config.CrawlSettings;
import io.imagecensus.config.RegistrySettings;
import io.imagecensus.model.ManifestDocument;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/**
 * Fetches manifests by digest (rows of {@link CrawlRecord#CONTENT_TARGET}) and verifies their bytes.
 * Indexes among them are counted, so the job knows without another pass whether the walk goes on.
 */
public final class ManifestCrawl extends CrawlTask {
  public ManifestCrawl(Map<String, RegistrySettings> registries, Map<String, Credentials> credentials,
      CrawlSettings settings, CrawlCounters counters) {
    super(registries, credentials, settings, counters);
  }

  @Override
  List<Row> crawl(List<Row> targets, Context context) {
    return context.forEach(targets, target -> {
      String registry = target.getString(0);
      String repository = target.getString(1);
      String digest = target.getString(2);
      try {
        ManifestFetcher.FetchedManifest fetched =
            new ManifestFetcher(context.client(registry)).fetch(repository, digest, digest);
        context.counts.manifestCount.increment();
        if (isIndex(fetched)) {
          context.counts.indexCount.increment();
        }
        return List.of(CrawlRecord.manifest(registry, repository, digest, fetched.mediaType(), fetched.content()));
      } catch (RegistryException e) {
        context.counts.errorCount.increment();
        return List.of(CrawlRecord.error(registry, repository, null, digest, "manifest", e.httpStatus(), e.getMessage()));
      }
    });
  }

  /** Whether the walk would read the manifest as an index, as {@code ParsedManifests} does. */
  private static boolean isIndex(ManifestFetcher.FetchedManifest fetched) {
    try {
      return ManifestDocument.parse(fetched.content(), fetched.mediaType()).kind() == ManifestDocument.Kind.INDEX;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
