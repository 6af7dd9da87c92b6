package io.imagecensus.job;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;

import io.imagecensus.config.CensusConfig;
import io.imagecensus.config.RegistrySettings;
import io.imagecensus.crawl.BlobCrawl;
import io.imagecensus.crawl.CrawlCounters;
import io.imagecensus.crawl.CrawlRecord;
import io.imagecensus.crawl.Credentials;
import io.imagecensus.crawl.ManifestCrawl;
import io.imagecensus.crawl.RepositoryTargets;
import io.imagecensus.crawl.TagCrawl;
import io.imagecensus.inventory.ImageDescriber;
import io.imagecensus.inventory.ImageResolver;
import io.imagecensus.inventory.ParsedConfigs;
import io.imagecensus.inventory.ParsedManifests;
import io.imagecensus.model.ManifestDocument;
import io.imagecensus.model.MediaTypes;
import io.imagecensus.model.Table;
import io.imagecensus.warehouse.Warehouse;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * One night's crawl: repositories, then tags with a HEAD each. Tags whose digest the previous
 * snapshot already resolved take over its rows; for the others only the manifests, configs and
 * layer sizes the content stores do not hold yet are fetched. Every registry-facing step runs as
 * Spark tasks and is checkpointed to the run's staging folder at once, so no request is ever sent
 * twice because Spark recomputed a Dataset.
 */
final class CrawlStage {
  /**
   * Repositories per tag task. Every task pays for its set-up, thread pool and checkpoint file:
   * with 64 instead of 16 a warm rerun of 11,000 tags in 200 repositories spent 9.7-9.8 s instead
   * of 10.0-10.3 s on its tags (three alternating runs each).
   */
  private static final int REPOSITORIES_PER_TASK = 64;
  /**
   * Manifests, config blobs or layers per crawl task. Every task pays for its own set-up and
   * checkpoint file, and the registry sees the same requests in flight either way (the request
   * limit is shared by all tasks of a JVM): with 2,000 instead of 500 a cold crawl of 10,000 images
   * took 49.9-51.2 s instead of 52.5-55.5 s and 2.5 s less JVM CPU.
   */
  private static final int DIGESTS_PER_TASK = 2000;

  /** The crawl's output: the snapshot tables, not yet written, and what it counted. */
  record Output(Dataset<Row> tags, Dataset<Row> images, Dataset<Row> imageLayers,
      Dataset<Row> attachments, Dataset<Row> errors, long repositories, long rootsRequested,
      long configsRequested) {}

  private final SparkSession spark;
  private final CensusConfig config;
  private final Map<String, Credentials> credentials;
  private final Warehouse warehouse;
  private final CrawlCounters counters;
  private final String runId;
  private final LocalDate date;
  private final Progress progress;

  CrawlStage(SparkSession spark, CensusConfig config, Map<String, Credentials> credentials,
      Warehouse warehouse, CrawlCounters counters, String runId, LocalDate date, Progress progress) {
    this.spark = spark;
    this.config = config;
    this.credentials = credentials;
    this.warehouse = warehouse;
    this.counters = counters;
    this.runId = runId;
    this.date = date;
    this.progress = progress;
  }

  Output run() {
    Map<String, RegistrySettings> registries = config.registries().stream()
        .collect(Collectors.toMap(RegistrySettings::name, Function.identity()));

    progress.stage("repositories");
    RepositoryTargets.Result targets = RepositoryTargets.resolve(config, credentials, new DriverRequestCounter(counters));
    List<Row> driverErrors = new ArrayList<>(targets.errors());
    int repositoryCount = targets.targets().size();
    int tagTasks = Math.max(1, Math.min(repositoryCount, tasksFor(repositoryCount, REPOSITORIES_PER_TASK)));

    progress.stage("tags");
    // Spread over tagTasks partitions as the list is sliced: no shuffle before the first request.
    JavaRDD<Row> repositories = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(targets.targets(), tagTasks);
    Dataset<Row> tagRecords = warehouse.checkpoint("tag-records",
        spark.createDataFrame(repositories, CrawlRecord.REPOSITORY_TARGET)
            .mapPartitions(new TagCrawl(registries, credentials, config.crawl(), counters), CrawlRecord.ENCODER),
        runId);
    Dataset<Row> tags = tagRecords.filter(col("kind").equalTo(CrawlRecord.TAG))
        .select(col("registry"), col("repository"), col("component"), col("reference").as("tag"),
            col("digest"), col("media_type"));

    progress.stage("reuse");
    Optional<LocalDate> previous = previousSnapshot();
    boolean unchanged = previous.isPresent() && driverErrors.isEmpty() && tagsUnchangedSince(previous.get());
    if (unchanged) {
      progress.note("reuse: the same tags point at the same manifests as on " + previous.get()
          + " and neither night had a crawl error; every image is taken over");
    }
    Reuse reuse = previous.isPresent()
        ? reuse(tags, previous.get(), unchanged)
        : new Reuse(tags, true, emptyRows(Table.IMAGES), emptyRows(Table.IMAGE_LAYERS), emptyRows(Table.ATTACHMENTS));
    Content content = reuse.anyChanged()
        ? crawlContent(reuse.changedTags(), registries)
        : Content.none(spark);

    Dataset<Row> images = content.images().unionByName(reuse.images());
    Dataset<Row> errors = errorRows(unionAll(List.of(spark.createDataFrame(driverErrors, CrawlRecord.SCHEMA), tagRecords),
            CrawlRecord.SCHEMA))
        .unionByName(content.errors())
        .distinct();
    return new Output(tags, images,
        content.imageLayers().unionByName(reuse.imageLayers()).dropDuplicates("image_digest", "position"),
        content.attachments().unionByName(reuse.attachments()), errors,
        targets.targets().size(), content.rootsRequested(), content.configsRequested());
  }

  /**
   * What tonight can take over from the newest committed snapshot before tonight: the rows of every
   * tag root (a tag's manifest or index digest) that snapshot already resolved in the same
   * repository. Manifests are immutable, so the same root leads to the same images, layers and
   * attachments; only the component is taken from tonight's configuration. Repositories with crawl
   * errors in that snapshot are resolved again in full, and so is everything when that snapshot was
   * written by another image-census version, whose rows may be derived differently.
   */
  private record Reuse(Dataset<Row> changedTags, boolean anyChanged, Dataset<Row> images,
      Dataset<Row> imageLayers, Dataset<Row> attachments) {}

  /** The newest committed snapshot before tonight, if this version of image-census wrote it. */
  private Optional<LocalDate> previousSnapshot() {
    return warehouse.committedSnapshots().stream().filter(d -> d.isBefore(date))
        .max(Comparator.naturalOrder())
        .filter(d -> Optional.of(CensusRun.VERSION).equals(warehouse.writerVersion(Table.IMAGES, d)));
  }

  /**
   * Whether tonight's tags, all read without an error, are exactly those of the snapshot of
   * {@code previous}, which had no crawl error either: the same {@link
   * io.imagecensus.crawl.TagFingerprint} as its run summary records. Then every tag root is one that
   * snapshot resolved, and the query that looks for new roots is not needed: on an unchanged
   * registry of 11,000 tags it took 1.0-1.3 s of a 9-10 s warm crawl.
   */
  private boolean tagsUnchangedSince(LocalDate previous) {
    if (counters.errors.value() > 0) {
      return false;
    }
    return warehouse.writerSummary(Table.TAGS, previous)
        .filter(summary -> summary.path(RunSummary.CRAWL_ERRORS_FIELD).asLong(-1) == 0)
        .map(summary -> counters.tagFingerprint().equals(summary.path(RunSummary.TAG_FINGERPRINT_FIELD).textValue()))
        .orElse(false);
  }

  private Reuse reuse(Dataset<Row> tags, LocalDate previous, boolean unchanged) {
    // Both small sides are only ever joined against (anti and semi joins): duplicates do no harm,
    // so no shuffle is spent removing them.
    Dataset<Row> failedRepositories = warehouse.readSnapshot(Table.CRAWL_ERRORS, previous)
        .filter(col("repository").isNotNull())
        .select("registry", "repository");
    Dataset<Row> previousRoots = roots(warehouse.readSnapshot(Table.TAGS, previous))
        .join(failedRepositories, new String[] {"registry", "repository"}, "left_anti");
    String[] root = {"registry", "repository", "digest"};
    Dataset<Row> reusableRoots = previousRoots.join(roots(tags), root, "left_semi");
    Dataset<Row> changedTags = tags.join(previousRoots, root, "left_anti");
    Dataset<Row> components = tags.select("registry", "repository", "component").distinct();
    Dataset<Row> roots = reusableRoots.withColumnRenamed("digest", "root");
    Dataset<Row> images = reusedRows(Table.IMAGES, previous, roots, components);
    Dataset<Row> imageLayers = warehouse.readSnapshot(Table.IMAGE_LAYERS, previous)
        .join(images.select(col("digest").as("image_digest")).distinct(), "image_digest");
    // One counting pass; a limit(1) would scan the checkpoint's files in several rounds when nothing changed.
    boolean anyChanged = !unchanged && roots(changedTags).count() > 0;
    return new Reuse(changedTags, anyChanged, images, imageLayers, reusedRows(Table.ATTACHMENTS, previous, roots, components));
  }

  /** The previous snapshot's rows of {@code table} under the reusable roots, with tonight's component. */
  private Dataset<Row> reusedRows(Table table, LocalDate previous, Dataset<Row> roots, Dataset<Row> components) {
    Dataset<Row> rows = warehouse.readSnapshot(table, previous).drop("component")
        .withColumn("root", coalesce(col("index_digest"), col("digest")));
    return rows.join(roots, new String[] {"registry", "repository", "root"}, "left_semi")
        .join(components, new String[] {"registry", "repository"})
        .select(Arrays.stream(table.schema().fieldNames()).map(functions::col).toArray(Column[]::new));
  }

  /** What tonight fetched and resolved for the tags whose roots could not be reused. */
  private record Content(Dataset<Row> images, Dataset<Row> imageLayers, Dataset<Row> attachments,
      Dataset<Row> errors, long rootsRequested, long configsRequested) {
    static Content none(SparkSession spark) {
      return new Content(emptyRows(spark, Table.IMAGES), emptyRows(spark, Table.IMAGE_LAYERS),
          emptyRows(spark, Table.ATTACHMENTS), emptyRows(spark, Table.CRAWL_ERRORS), 0, 0);
    }
  }

  /**
   * Fetches what the content stores lack for {@code tags}, level by level through indexes, then
   * their configs and the uncompressed sizes of new layers, and describes the images.
   */
  private Content crawlContent(Dataset<Row> tags, Map<String, RegistrySettings> registries) {
    progress.stage("manifests");
    Dataset<Row> storedManifests = warehouse.read(Table.MANIFEST_STORE);
    List<Dataset<Row>> manifestBatches = new ArrayList<>();
    Dataset<Row> known = storedManifests.select("digest");
    Dataset<Row> frontier = roots(tags);
    long rootsRequested = 0;
    for (int depth = 0; depth <= config.crawl().maxIndexDepth(); depth++) {
      // Partitioned by digest below: the manifest tasks fetch each digest once, from one repository.
      Dataset<Row> toFetch = frontier.join(known, new String[] {"digest"}, "left_anti");
      // The roots are at most one per tag, so the tag count sizes the first level without a pass
      // over it; deeper levels exist only below fetched indexes and are counted.
      long bound = depth == 0 ? counters.tags.value() : toFetch.count();
      if (bound == 0) {
        break;
      }
      long requestedBefore = manifestRequests();
      long indexesBefore = counters.indexesFetched.value();
      Dataset<Row> fetched = warehouse.checkpoint("manifests-" + depth,
          toFetch.select(col("registry"), col("repository"), col("digest"), lit(null).cast(DataTypes.LongType).as("size"))
              .repartition(tasksFor(bound, DIGESTS_PER_TASK), col("digest"))
              .mapPartitions(new ManifestCrawl(registries, credentials, config.crawl(), counters), CrawlRecord.ENCODER),
          runId);
      manifestBatches.add(fetched);
      if (depth == 0) {
        rootsRequested = manifestRequests() - requestedBefore;
      }
      if (counters.indexesFetched.value() == indexesBefore) {
        break;  // no index fetched at this level: nothing below it to visit
      }
      Dataset<Row> content = fetched.filter(col("kind").equalTo(CrawlRecord.MANIFEST));
      known = known.unionByName(content.select("digest"));
      frontier = ParsedManifests.parse(content.select("digest", "media_type", "content"))
          .filter(col("kind").equalTo("INDEX"))
          .join(content.select("digest", "registry", "repository"), "digest")
          .selectExpr("registry", "repository", "explode(children) as child")
          .filter("child.attestation = false")
          .select(col("registry"), col("repository"), col("child.digest").as("digest"));
    }
    Dataset<Row> fetchedManifests = unionAll(manifestBatches, CrawlRecord.SCHEMA);
    // Each digest was fetched once (one source per digest, nothing already known), so the batches
    // added to the content stores below hold every digest once without a pass to remove duplicates.
    Dataset<Row> newManifests = fetchedManifests.filter(col("kind").equalTo(CrawlRecord.MANIFEST))
        .select("digest", "media_type", "content");
    // The accumulators are complete once the checkpoints are written: no extra Spark job needed.
    if (counters.manifestsFetched.value() > 0) {
      warehouse.appendContent(Table.MANIFEST_STORE, newManifests, runId);
    }

    progress.stage("resolve");
    Resolution resolution = resolve(tags, warehouse.read(Table.MANIFEST_STORE));
    Dataset<Row> resolved = resolution.images();
    Dataset<Row> blobTargets = warehouse.checkpoint("blob-targets",
        configTargets(resolved).unionByName(layerTargets(resolved)), runId);
    Map<String, Long> blobCounts = new HashMap<>();
    blobTargets.groupBy("kind").count().collectAsList().forEach(r -> blobCounts.put(r.getString(0), r.getLong(1)));
    long configCount = blobCounts.getOrDefault(CrawlRecord.CONFIG, 0L);
    long blobCount = configCount + blobCounts.getOrDefault(CrawlRecord.LAYER_SIZE, 0L);
    Dataset<Row> fetchedBlobs = spark.createDataFrame(List.of(), CrawlRecord.SCHEMA);
    if (blobCount > 0) {
      progress.stage("blobs");
      fetchedBlobs = warehouse.checkpoint("blobs",
          blobTargets.repartition(tasksFor(blobCount, DIGESTS_PER_TASK), col("digest"))
              .mapPartitions(new BlobCrawl(registries, credentials, config.crawl(), counters), CrawlRecord.ENCODER),
          runId);
      if (counters.configsFetched.value() > 0) {
        warehouse.appendContent(Table.CONFIG_STORE, fetchedBlobs.filter(col("kind").equalTo(CrawlRecord.CONFIG))
            .select("digest", "content"), runId);
      }
    }
    // Only the configs of tonight's images are parsed, not the whole store of every night before.
    Dataset<Row> configs = ParsedConfigs.parse(warehouse.read(Table.CONFIG_STORE)
        .join(resolved.select(col("config_digest").as("digest")), new String[] {"digest"}, "left_semi"));
    Dataset<Row> imageLayers = warehouse.checkpoint("image-layers", ImageDescriber.layers(resolved, configs), runId);
    if (counters.layersMeasured.value() > 0) {
      // A layer's diff_id is in the configs, read in the same wave: joined now.
      Dataset<Row> diffIds = imageLayers.groupBy(col("layer_digest").as("digest")).agg(min("diff_id").as("diff_id"));
      warehouse.appendContent(Table.LAYERS, fetchedBlobs.filter(col("kind").equalTo(CrawlRecord.LAYER_SIZE))
          .join(diffIds, new String[] {"digest"}, "left")
          .select(col("digest"), col("diff_id"), col("media_type"), col("size").as("compressed_bytes"),
              col("uncompressed_size").as("uncompressed_bytes"), col("method"), col("message").as("note")),
          runId);
    }

    Dataset<Row> layerSizes = warehouse.read(Table.LAYERS);
    Dataset<Row> errors = errorRows(unionAll(List.of(fetchedManifests, fetchedBlobs), CrawlRecord.SCHEMA))
        .unionByName(resolution.errors().select(col("registry"), col("repository"), col("reference"),
            col("stage"), col("http_status"), col("message")));
    return new Content(
        ImageDescriber.withUncompressedSize(ImageDescriber.images(resolved, configs), imageLayers, layerSizes),
        ImageDescriber.withUncompressedSize(imageLayers, layerSizes),
        resolution.attachments(), errors, rootsRequested, configCount);
  }

  /** Manifests requested so far: a manifest task counts each target as fetched or as an error. */
  private long manifestRequests() {
    return counters.manifestsFetched.value() + counters.errors.value();
  }

  /** The tags' manifest and index digests, one row per repository. */
  static Dataset<Row> roots(Dataset<Row> tags) {
    return tags.filter(col("digest").isNotNull()
            .and(col("media_type").isin(MediaTypes.DOCKER_MANIFEST, MediaTypes.OCI_MANIFEST,
                MediaTypes.DOCKER_MANIFEST_LIST, MediaTypes.OCI_INDEX)))
        .select("registry", "repository", "digest");
  }

  private Dataset<Row> emptyRows(Table table) {
    return emptyRows(spark, table);
  }

  private static Dataset<Row> emptyRows(SparkSession spark, Table table) {
    return spark.createDataFrame(List.of(), table.schema());
  }

  /** The images, attachments and resolution errors reached from tonight's tags. */
  private record Resolution(Dataset<Row> images, Dataset<Row> attachments, Dataset<Row> errors) {}

  /**
   * Walks from the tags through indexes level by level; each level is checkpointed and the walk
   * stops at the first level without index children, so typical estates take two levels. Each
   * level parses only the stored manifests it reaches, not the whole store of every night before.
   */
  private Resolution resolve(Dataset<Row> tags, Dataset<Row> manifestStore) {
    List<Dataset<Row>> images = new ArrayList<>();
    List<Dataset<Row>> attachments = new ArrayList<>();
    List<Dataset<Row>> errors = new ArrayList<>();
    Dataset<Row> frontier = ImageResolver.roots(tags);
    int maxDepth = config.crawl().maxIndexDepth();
    for (int depth = 0; depth <= maxDepth; depth++) {
      Dataset<Row> manifests = ParsedManifests.parse(
          manifestStore.join(frontier.select("digest"), new String[] {"digest"}, "left_semi"));
      Dataset<Row> reached = warehouse.checkpoint("reached-" + depth, ImageResolver.reach(frontier, manifests), runId);
      ImageResolver.Level level = ImageResolver.level(reached, depth);
      images.add(level.images());
      attachments.add(level.attachments());
      errors.add(level.errors());
      // Checked on the checkpoint, before next()'s shuffle: a level without indexes has no next level.
      if (reached.filter(col("kind").equalTo(ManifestDocument.Kind.INDEX.name())).isEmpty()) {
        break;
      }
      frontier = level.next();
      if (depth == maxDepth) {
        errors.add(ImageResolver.tooDeep(frontier, maxDepth));
      }
    }
    Dataset<Row> allImages = images.stream().reduce(Dataset::unionByName).orElseThrow();
    return new Resolution(
        warehouse.checkpoint("resolved-images", ImageResolver.distinctImages(allImages), runId),
        attachments.stream().reduce(Dataset::unionByName).orElseThrow().distinct(),
        errors.stream().reduce(Dataset::unionByName).orElseThrow().distinct());
  }

  /** Config blobs of the images that the config store lacks, each with a repository to read it from. */
  private Dataset<Row> configTargets(Dataset<Row> resolved) {
    return resolved.filter(col("config_digest").isNotNull())
        .groupBy(col("config_digest").as("digest"))
        .agg(min(struct(col("registry"), col("repository"), col("config_size"))).as("source"))
        .join(warehouse.read(Table.CONFIG_STORE).select("digest"), new String[] {"digest"}, "left_anti")
        .select(lit(CrawlRecord.CONFIG).as("kind"), col("source.registry").as("registry"),
            col("source.repository").as("repository"), col("digest"),
            lit(null).cast(DataTypes.StringType).as("media_type"), col("source.config_size").as("size"));
  }

  /**
   * Distinct layers of the images (from their manifests) that the layers table has not measured,
   * each with a repository to read it from.
   */
  private Dataset<Row> layerTargets(Dataset<Row> resolved) {
    return resolved.select(col("registry"), col("repository"), explode(col("layers")).as("layer"))
        .groupBy(col("layer.digest").as("digest"))
        .agg(min(struct(col("registry"), col("repository"), col("layer.media_type").as("media_type"),
            col("layer.size").as("size"))).as("source"))
        .join(warehouse.read(Table.LAYERS).select("digest"), new String[] {"digest"}, "left_anti")
        .select(lit(CrawlRecord.LAYER_SIZE).as("kind"), col("source.registry").as("registry"),
            col("source.repository").as("repository"), col("digest"), col("source.media_type").as("media_type"),
            col("source.size").as("size"));
  }

  /** At least one task per task slot, so that executors share a wave; at most 1,000. */
  private int tasksFor(long items, int perTask) {
    int byItems = (int) Math.min(1000, (items + perTask - 1) / perTask);
    return Math.max(spark.sparkContext().defaultParallelism(), byItems);
  }

  private static Dataset<Row> errorRows(Dataset<Row> records) {
    return records.filter(col("kind").equalTo(CrawlRecord.ERROR))
        .select(col("registry"), col("repository"), col("reference"), col("stage"), col("http_status"), col("message"));
  }

  private Dataset<Row> unionAll(List<Dataset<Row>> parts, StructType schema) {
    Dataset<Row> result = spark.createDataFrame(List.of(), schema);
    for (Dataset<Row> part : parts) {
      result = result.unionByName(part);
    }
    return result;
  }
}
