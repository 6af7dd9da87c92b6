package io.imagecensus.crawl;

import io.imagecensus.config.CrawlSettings;
import io.imagecensus.config.RegistrySettings;
import io.imagecensus.model.ManifestDocument;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;

/**
 * Fetches manifests by digest (rows of {@link CrawlRecord#CONTENT_TARGET}) and verifies their bytes.
 * The targets come partitioned by digest, so every row of a digest is in the same task: each digest
 * is fetched once, from the first repository by name that holds it. Indexes among the manifests
 * are counted, so the job knows without another pass whether the walk goes on.
 */
public final class ManifestCrawl extends CrawlTask {
  public ManifestCrawl(Map<String, RegistrySettings> registries, Map<String, Credentials> credentials,
      CrawlSettings settings, CrawlCounters counters) {
    super(registries, credentials, settings, counters);
  }

  @Override
  List<Row> crawl(List<Row> targets, Context context) {
    return context.forEach(onePerDigest(targets), target -> {
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

  /** The first target by registry and repository of each digest, in digest order. */
  static List<Row> onePerDigest(List<Row> targets) {
    Comparator<Row> bySource = Comparator.<Row, String>comparing(r -> r.getString(0)).thenComparing(r -> r.getString(1));
    Map<String, Row> first = new TreeMap<>();
    for (Row target : targets) {
      first.merge(target.getString(2), target, (a, b) -> bySource.compare(a, b) <= 0 ? a : b);
    }
    return new ArrayList<>(first.values());
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
