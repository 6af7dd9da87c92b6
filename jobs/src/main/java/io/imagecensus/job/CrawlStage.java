package io.imagecensus.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;

import io.imagecensus.config.CensusConfig;
import io.imagecensus.config.RegistrySettings;
import io.imagecensus.crawl.ConfigCrawl;
import io.imagecensus.crawl.CrawlCounters;
import io.imagecensus.crawl.CrawlRecord;
import io.imagecensus.crawl.Credentials;
import io.imagecensus.crawl.LayerSizeCrawl;
import io.imagecensus.crawl.ManifestCrawl;
import io.imagecensus.crawl.RepositoryTargets;
import io.imagecensus.crawl.TagCrawl;
import io.imagecensus.inventory.ImageDescriber;
import io.imagecensus.inventory.ImageResolver;
import io.imagecensus.inventory.ParsedConfigs;
import io.imagecensus.inventory.ParsedManifests;
import io.imagecensus.model.MediaTypes;
import io.imagecensus.model.Table;
import io.imagecensus.warehouse.Warehouse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * One night's crawl: repositories, then tags with a HEAD each, then only the manifests and
 * configs the content store does not hold yet. Every registry-facing step runs as Spark tasks
 * and is checkpointed to the run's staging folder at once, so no request is ever sent twice
 * because Spark recomputed a Dataset.
 */
final class CrawlStage {
  /** Repositories per crawl task: small enough to spread work, large enough to amortise a task. */
  private static final int REPOSITORIES_PER_TASK = 16;
  /** Manifests or configs per crawl task. */
  private static final int DIGESTS_PER_TASK = 500;

  /** The crawl's output: the snapshot tables, not yet written, and what it counted. */
  record Output(Dataset<Row> tags, Dataset<Row> images, Dataset<Row> imageLayers,
      Dataset<Row> attachments, Dataset<Row> errors, long repositories, long manifestsReused,
      long configsReused) {}

  private final SparkSession spark;
  private final CensusConfig config;
  private final Map<String, Credentials> credentials;
  private final Warehouse warehouse;
  private final CrawlCounters counters;
  private final String runId;
  private final Progress progress;

  CrawlStage(SparkSession spark, CensusConfig config, Map<String, Credentials> credentials,
      Warehouse warehouse, CrawlCounters counters, String runId, Progress progress) {
    this.spark = spark;
    this.config = config;
    this.credentials = credentials;
    this.warehouse = warehouse;
    this.counters = counters;
    this.runId = runId;
    this.progress = progress;
  }

  Output run() {
    Map<String, RegistrySettings> registries = config.registries().stream()
        .collect(Collectors.toMap(RegistrySettings::name, Function.identity()));

    progress.stage("repositories");
    RepositoryTargets.Result targets = RepositoryTargets.resolve(config, credentials, new DriverRequestCounter(counters));
    List<Row> driverErrors = new ArrayList<>(targets.errors());
    int tagTasks = Math.max(1, (targets.targets().size() + REPOSITORIES_PER_TASK - 1) / REPOSITORIES_PER_TASK);

    progress.stage("tags");
    Dataset<Row> tagRecords = warehouse.checkpoint("tag-records",
        spark.createDataFrame(targets.targets(), CrawlRecord.REPOSITORY_TARGET)
            .repartition(tagTasks)
            .mapPartitions(new TagCrawl(registries, credentials, config.crawl(), counters), CrawlRecord.ENCODER),
        runId);
    Dataset<Row> tags = tagRecords.filter(col("kind").equalTo(CrawlRecord.TAG))
        .select(col("registry"), col("repository"), col("component"), col("reference").as("tag"),
            col("digest"), col("media_type"));

    progress.stage("manifests");
    Dataset<Row> storedManifests = warehouse.read(Table.MANIFEST_STORE);
    Dataset<Row> roots = tags.filter(col("digest").isNotNull()
        .and(col("media_type").isin(MediaTypes.DOCKER_MANIFEST,
            MediaTypes.OCI_MANIFEST, MediaTypes.DOCKER_MANIFEST_LIST,
            MediaTypes.OCI_INDEX)))
        .select("registry", "repository", "digest");
    long rootCount = roots.select("digest").distinct().count();
    List<Dataset<Row>> manifestBatches = new ArrayList<>();
    Dataset<Row> known = storedManifests.select("digest");
    Dataset<Row> frontier = roots;
    long rootsFetched = 0;
    for (int depth = 0; depth <= config.crawl().maxIndexDepth(); depth++) {
      Dataset<Row> toFetch = oneSourcePerDigest(frontier).join(known, new String[] {"digest"}, "left_anti");
      long count = toFetch.count();
      if (depth == 0) {
        rootsFetched = count;
      }
      if (count == 0) {
        break;
      }
      Dataset<Row> fetched = warehouse.checkpoint("manifests-" + depth,
          toFetch.select(col("registry"), col("repository"), col("digest"), lit(null).cast(DataTypes.LongType).as("size"))
              .repartition(tasksFor(count), col("digest"))
              .mapPartitions(new ManifestCrawl(registries, credentials, config.crawl(), counters), CrawlRecord.ENCODER),
          runId);
      manifestBatches.add(fetched);
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
    Dataset<Row> newManifests = fetchedManifests.filter(col("kind").equalTo(CrawlRecord.MANIFEST))
        .select("digest", "media_type", "content").dropDuplicates("digest");
    // The accumulators are complete once the checkpoints are written: no extra Spark job needed.
    if (counters.manifestsFetched.value() > 0) {
      warehouse.appendContent(Table.MANIFEST_STORE, newManifests, runId);
    }

    progress.stage("configs");
    Dataset<Row> parsedManifests = ParsedManifests.parse(warehouse.read(Table.MANIFEST_STORE)).cache();
    Resolution resolution = resolve(tags, parsedManifests);
    Dataset<Row> resolved = resolution.images();
    Dataset<Row> configTargets = resolved.filter(col("config_digest").isNotNull())
        .groupBy("config_digest")
        .agg(min(struct(col("registry"), col("repository"), col("config_size"))).as("source"))
        .select(col("source.registry").as("registry"), col("source.repository").as("repository"),
            col("config_digest").as("digest"), col("source.config_size").as("size"));
    long configsNeeded = configTargets.count();
    Dataset<Row> configsToFetch = configTargets.join(warehouse.read(Table.CONFIG_STORE).select("digest"),
        new String[] {"digest"}, "left_anti").select("registry", "repository", "digest", "size");
    long configCount = configsToFetch.count();
    Dataset<Row> fetchedConfigs = spark.createDataFrame(List.of(), CrawlRecord.SCHEMA);
    if (configCount > 0) {
      fetchedConfigs = warehouse.checkpoint("configs",
          configsToFetch.repartition(tasksFor(configCount), col("digest"))
              .mapPartitions(new ConfigCrawl(registries, credentials, config.crawl(), counters), CrawlRecord.ENCODER),
          runId);
      Dataset<Row> newConfigs = fetchedConfigs.filter(col("kind").equalTo(CrawlRecord.CONFIG))
          .select("digest", "content").dropDuplicates("digest");
      if (counters.configsFetched.value() > 0) {
        warehouse.appendContent(Table.CONFIG_STORE, newConfigs, runId);
      }
    }

    progress.stage("layer sizes");
    Dataset<Row> configs = ParsedConfigs.parse(warehouse.read(Table.CONFIG_STORE));
    Dataset<Row> imageLayers = warehouse.checkpoint("image-layers", ImageDescriber.layers(resolved, configs), runId);
    Dataset<Row> layerTargets = warehouse.checkpoint("layer-targets",
        layerTargets(resolved, imageLayers).join(warehouse.read(Table.LAYERS).select("digest"),
            new String[] {"digest"}, "left_anti"),
        runId);
    long layerCount = layerTargets.count();
    Dataset<Row> measuredLayers = spark.createDataFrame(List.of(), CrawlRecord.SCHEMA);
    if (layerCount > 0) {
      measuredLayers = warehouse.checkpoint("layer-sizes",
          layerTargets.select("registry", "repository", "digest", "media_type", "size")
              .repartition(tasksFor(layerCount), col("digest"))
              .mapPartitions(new LayerSizeCrawl(registries, credentials, config.crawl(), counters), CrawlRecord.ENCODER),
          runId);
      Dataset<Row> newLayers = measuredLayers.filter(col("kind").equalTo(CrawlRecord.LAYER_SIZE))
          .join(layerTargets.select("digest", "diff_id"), "digest")
          .select(col("digest"), col("diff_id"), col("media_type"), col("size").as("compressed_bytes"),
              col("uncompressed_size").as("uncompressed_bytes"), col("method"), col("message").as("note"))
          .dropDuplicates("digest");
      if (counters.layersMeasured.value() > 0) {
        warehouse.appendContent(Table.LAYERS, newLayers, runId);
      }
    }

    progress.stage("model");
    Dataset<Row> layerSizes = warehouse.read(Table.LAYERS);
    Dataset<Row> images = ImageDescriber.withUncompressedSize(ImageDescriber.images(resolved, configs), imageLayers, layerSizes);
    Dataset<Row> layers = ImageDescriber.withUncompressedSize(imageLayers, layerSizes);
    Dataset<Row> errors = errorRows(unionAll(List.of(
            spark.createDataFrame(driverErrors, CrawlRecord.SCHEMA), tagRecords, fetchedManifests, fetchedConfigs,
            measuredLayers),
            CrawlRecord.SCHEMA))
        .unionByName(resolution.errors().select(col("registry"), col("repository"), col("reference"),
            col("stage"), col("http_status"), col("message")))
        .distinct();
    return new Output(tags, images, layers, resolution.attachments(), errors,
        targets.targets().size(), rootCount - rootsFetched, configsNeeded - configCount);
  }

  /** The images, attachments and resolution errors reached from tonight's tags. */
  private record Resolution(Dataset<Row> images, Dataset<Row> attachments, Dataset<Row> errors) {}

  /**
   * Walks from the tags through indexes level by level; each level is checkpointed and the walk
   * stops at the first level without index children, so typical estates take two levels.
   */
  private Resolution resolve(Dataset<Row> tags, Dataset<Row> parsedManifests) {
    List<Dataset<Row>> images = new ArrayList<>();
    List<Dataset<Row>> attachments = new ArrayList<>();
    List<Dataset<Row>> errors = new ArrayList<>();
    Dataset<Row> frontier = ImageResolver.roots(tags);
    int maxDepth = config.crawl().maxIndexDepth();
    for (int depth = 0; depth <= maxDepth; depth++) {
      Dataset<Row> reached = warehouse.checkpoint("reached-" + depth, ImageResolver.reach(frontier, parsedManifests), runId);
      ImageResolver.Level level = ImageResolver.level(reached, depth);
      images.add(level.images());
      attachments.add(level.attachments());
      errors.add(level.errors());
      frontier = level.next();
      if (frontier.isEmpty()) {
        break;
      }
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

  /** One row per distinct layer of today's images, with a repository to read it from. */
  private static Dataset<Row> layerTargets(Dataset<Row> resolved, Dataset<Row> imageLayers) {
    Dataset<Row> sources = resolved.groupBy(col("digest").as("image_digest"))
        .agg(min(struct(col("registry"), col("repository"))).as("source"));
    return imageLayers.join(sources, "image_digest")
        .groupBy(col("layer_digest").as("digest"))
        .agg(min(struct(col("source.registry").as("registry"), col("source.repository").as("repository"),
            col("media_type"), col("compressed_bytes"), col("diff_id"))).as("t"))
        .select(col("t.registry").as("registry"), col("t.repository").as("repository"), col("digest"),
            col("t.media_type").as("media_type"), col("t.compressed_bytes").as("size"), col("t.diff_id").as("diff_id"));
  }

  /** A digest reachable from several repositories is fetched once, from the first by name. */
  private static Dataset<Row> oneSourcePerDigest(Dataset<Row> frontier) {
    return frontier.groupBy("digest")
        .agg(min(struct(col("registry"), col("repository"))).as("source"))
        .select(col("source.registry").as("registry"), col("source.repository").as("repository"), col("digest"));
  }

  private int tasksFor(long items) {
    int byItems = (int) Math.min(1000, (items + DIGESTS_PER_TASK - 1) / DIGESTS_PER_TASK);
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
