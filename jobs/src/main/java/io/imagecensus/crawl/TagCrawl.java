package io.imagecensus.crawl;

import io.imagecensus.config.CrawlSettings;
import io.imagecensus.config.RegistrySettings;
import io.imagecensus.model.MediaTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/**
 * For each repository: lists its tags, then asks each tag's digest with one HEAD. This is all a
 * nightly rerun of an unchanged registry costs: content already stored is never fetched again.
 */
public final class TagCrawl extends CrawlTask {
  public TagCrawl(Map<String, RegistrySettings> registries, Map<String, Credentials> credentials,
      CrawlSettings settings, CrawlCounters counters) {
    super(registries, credentials, settings, counters);
  }

  private record TagTarget(String registry, String repository, String component, String tag) {}

  @Override
  List<Row> crawl(List<Row> repositories, Context context) {
    List<Row> errors = new ArrayList<>();
    List<TagTarget> tags = new ArrayList<>();
    List<Row> listed = context.forEach(repositories, target -> listTags(target, context));
    for (Row row : listed) {
      if (row.getString(0).equals(CrawlRecord.ERROR)) {
        errors.add(row);
      } else {
        tags.add(new TagTarget(row.getString(1), row.getString(2), row.getString(3), row.getString(4)));
      }
    }
    List<Row> result = new ArrayList<>(errors);
    result.addAll(context.forEach(tags, tag -> headTag(tag, context)));
    return result;
  }

  /** Rows of kind TAG with only the tag filled in, or one ERROR row. */
  private List<Row> listTags(Row target, Context context) {
    String registry = target.getString(0);
    String repository = target.getString(1);
    String component = target.getString(2);
    try {
      List<String> names = new TagPager(context.client(registry), context.pageSize()).list(repository);
      context.counts.repositoryCount.increment();
      return names.stream().distinct().sorted()
          .map(tag -> CrawlRecord.tag(registry, repository, component, tag, null, null, -1))
          .toList();
    } catch (RegistryException e) {
      context.counts.errorCount.increment();
      return List.of(CrawlRecord.error(registry, repository, component, null, "tags", e.httpStatus(), e.getMessage()));
    }
  }

  private List<Row> headTag(TagTarget t, Context context) {
    try {
      ManifestFetcher.ManifestHead head = new ManifestFetcher(context.client(t.registry())).head(t.repository(), t.tag());
      Row tag = tagRow(t, head.digest(), head.mediaType(), head.size(), context);
      if (MediaTypes.isSupportedManifest(head.mediaType())) {
        return List.of(tag);
      }
      context.counts.errorCount.increment();
      String reason = MediaTypes.isSchema1(head.mediaType())
          ? "it is a Docker schema 1 manifest, which is deprecated and not crawled; rebuild and push the image with a current builder"
          : "its media type '" + head.mediaType() + "' is not an image manifest or index";
      return List.of(tag, CrawlRecord.error(t.registry(), t.repository(), t.component(), t.tag(), "manifest", null,
          "Tried to read the manifest of " + t.repository() + ":" + t.tag() + " but failed because: " + reason));
    } catch (RegistryException e) {
      context.counts.errorCount.increment();
      return List.of(tagRow(t, null, null, -1, context),
          CrawlRecord.error(t.registry(), t.repository(), t.component(), t.tag(), "manifest", e.httpStatus(), e.getMessage()));
    }
  }

  /** The tag's row, counted and added to the night's tag fingerprint. */
  private static Row tagRow(TagTarget t, String digest, String mediaType, long size, Context context) {
    context.counts.tagRead(t.registry(), t.repository(), t.tag(), digest, mediaType);
    return CrawlRecord.tag(t.registry(), t.repository(), t.component(), t.tag(), digest, mediaType, size);
  }
}
