package io.imagecensus.crawl;

import static org.apache.spark.sql.types.DataTypes.BinaryType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import io.imagecensus.config.CrawlSettings;
import io.imagecensus.config.RegistrySettings;
import io.imagecensus.inventory.ImageResolver;
import io.imagecensus.inventory.ParsedManifests;
import io.imagecensus.model.ManifestDocument;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.sql.Encoder;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/**
 * One level of the walk from the tags to the images, reading what it visits: each input row is a
 * frontier row of the walk ({@link ImageResolver#FRONTIER}) with the stored manifest of its digest
 * when an earlier night or level read it. The rows come partitioned by digest, so every row of a
 * digest is in the same task: a digest not stored yet is fetched once, from the first repository by
 * name that holds it, verified and parsed once, and joined with each of its frontier rows. The
 * images, indexes and artifacts this gives are the walk's level, without reading the manifests back
 * or parsing them again between the waves.
 */
public final class ManifestCrawl extends CrawlTask {
  /** Input: a frontier row and the stored manifest of its digest (both null when not stored). */
  public static final StructType TARGET = ImageResolver.FRONTIER
      .add("stored_media_type", StringType, true)
      .add("stored_content", BinaryType, true);

  /**
   * Output: a reached row ({@link ImageResolver#REACHED}) per input row whose manifest was read.
   * The first row of a digest fetched tonight carries its bytes for the manifest store; a digest
   * whose fetch failed gives one row with the frontier of its first source and the error.
   */
  public static final StructType SCHEMA = ImageResolver.REACHED
      .add("fetched_media_type", StringType, true)
      .add("fetched_content", BinaryType, true)
      .add("fetch_status", IntegerType, true)
      .add("fetch_error", StringType, true);

  public static final Encoder<Row> ENCODER = Encoders.row(SCHEMA);

  private static final int REGISTRY = TARGET.fieldIndex("registry");
  private static final int REPOSITORY = TARGET.fieldIndex("repository");
  private static final int DIGEST = TARGET.fieldIndex("digest");
  private static final int STORED_MEDIA_TYPE = TARGET.fieldIndex("stored_media_type");
  private static final int STORED_CONTENT = TARGET.fieldIndex("stored_content");
  private static final int KIND = ParsedManifests.SCHEMA.fieldIndex("kind");
  private static final int CONFIG_DIGEST = ParsedManifests.SCHEMA.fieldIndex("config_digest");
  private static final int LAYERS = ParsedManifests.SCHEMA.fieldIndex("layers");

  public ManifestCrawl(Map<String, RegistrySettings> registries, Map<String, Credentials> credentials,
      CrawlSettings settings, CrawlCounters counters) {
    super(registries, credentials, settings, counters);
  }

  @Override
  List<Row> crawl(List<Row> targets, Context context) {
    Set<String> newBlobs = ConcurrentHashMap.newKeySet();
    List<Row> rows = context.forEach(byDigest(targets), sources -> visit(sources, context, newBlobs));
    context.counts.blobReferenceCount.add(newBlobs.size());
    return rows;
  }

  /** Reads one digest (from the store or the registry) and joins it with each of its frontier rows. */
  private static List<Row> visit(List<Row> sources, Context context, Set<String> newBlobs) {
    Row first = sources.get(0);
    String registry = first.getString(REGISTRY);
    String repository = first.getString(REPOSITORY);
    String digest = first.getString(DIGEST);
    boolean stored = !first.isNullAt(STORED_CONTENT);
    String mediaType;
    byte[] content;
    if (stored) {
      mediaType = first.getString(STORED_MEDIA_TYPE);
      content = (byte[]) first.get(STORED_CONTENT);
    } else {
      try {
        ManifestFetcher.FetchedManifest fetched =
            new ManifestFetcher(context.client(registry)).fetch(repository, digest, digest);
        context.counts.manifestCount.increment();
        mediaType = fetched.mediaType();
        content = fetched.content();
      } catch (RegistryException e) {
        context.counts.errorCount.increment();
        return List.of(output(ImageResolver.reach(first, RowFactory.create(new Object[ParsedManifests.SCHEMA.size()])),
            null, null, e.httpStatus(), e.getMessage()));
      }
    }
    Row parsed = ParsedManifests.parse(digest, mediaType, content);
    String kind = parsed.getString(KIND);
    if (ManifestDocument.Kind.INDEX.name().equals(kind)) {
      context.counts.indexCount.increment();
    } else if (!stored && ManifestDocument.Kind.IMAGE.name().equals(kind)) {
      addBlobs(parsed, newBlobs);
    }
    List<Row> reached = new ArrayList<>(sources.size());
    for (Row source : sources) {
      boolean carriesContent = !stored && source == first;
      reached.add(output(ImageResolver.reach(source, parsed),
          carriesContent ? mediaType : null, carriesContent ? content : null, null, null));
    }
    return reached;
  }

  /** The config and layer digests of a parsed image manifest: what the blob wave may read. */
  private static void addBlobs(Row parsed, Set<String> blobs) {
    if (!parsed.isNullAt(CONFIG_DIGEST)) {
      blobs.add(parsed.getString(CONFIG_DIGEST));
    }
    if (!parsed.isNullAt(LAYERS)) {
      for (Row layer : CollectionConverters.asJava(parsed.<Row>getSeq(LAYERS))) {
        if (!layer.isNullAt(0)) {
          blobs.add(layer.getString(0));
        }
      }
    }
  }

  private static Row output(Row reached, String mediaType, byte[] content, Integer status, String error) {
    Object[] values = new Object[SCHEMA.size()];
    for (int i = 0; i < reached.size(); i++) {
      values[i] = reached.get(i);
    }
    int next = reached.size();
    values[next] = mediaType;
    values[next + 1] = content;
    values[next + 2] = status;
    values[next + 3] = error;
    return RowFactory.create(values);
  }

  /**
   * The targets grouped by digest, in digest order; within a digest the first by registry and
   * repository comes first, so that is where a manifest not stored yet is fetched from.
   */
  static List<List<Row>> byDigest(List<Row> targets) {
    Comparator<Row> bySource = Comparator.<Row, String>comparing(r -> r.getString(REGISTRY))
        .thenComparing(r -> r.getString(REPOSITORY));
    Map<String, List<Row>> groups = new TreeMap<>();
    for (Row target : targets) {
      groups.computeIfAbsent(target.getString(DIGEST), d -> new ArrayList<>()).add(target);
    }
    List<List<Row>> result = new ArrayList<>(groups.size());
    for (List<Row> group : groups.values()) {
      group.sort(bySource);
      result.add(group);
    }
    return result;
  }
}
