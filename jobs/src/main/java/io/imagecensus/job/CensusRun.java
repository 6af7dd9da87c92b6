package io.imagecensus.job;

import io.imagecensus.config.CensusConfig;
import io.imagecensus.config.RegistrySettings;
import io.imagecensus.crawl.CrawlCounters;
import io.imagecensus.crawl.CredentialResolver;
import io.imagecensus.crawl.Credentials;
import io.imagecensus.model.Table;
import io.imagecensus.warehouse.Warehouse;
import java.io.PrintStream;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import scala.jdk.javaapi.CollectionConverters;

/** One run of the job for one snapshot date: crawl, build the tables, write them, record the run. */
public final class CensusRun {
  static final String VERSION = Optional.ofNullable(CensusRun.class.getPackage().getImplementationVersion()).orElse("dev");

  private final SparkSession spark;
  private final CensusConfig config;
  private final Map<String, String> environment;
  private final PrintStream out;

  public CensusRun(SparkSession spark, CensusConfig config, Map<String, String> environment, PrintStream out) {
    this.spark = spark;
    this.config = config;
    this.environment = environment;
    this.out = out;
  }

  /** Crawls every configured registry and replaces the snapshot of {@code date}. */
  public RunSummary crawl(LocalDate date) {
    return execute(date, "crawl", true, false);
  }

  /** Computes the analytics tables of {@code date} from its crawled snapshot. */
  public RunSummary analyze(LocalDate date) {
    return execute(date, "analyze", false, true);
  }

  /** Crawls, then computes the analytics: the nightly job. */
  public RunSummary run(LocalDate date) {
    return execute(date, "run", true, true);
  }

  private RunSummary execute(LocalDate date, String command, boolean crawl, boolean analyze) {
    Instant started = Instant.now();
    String runId = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(started)
        + "-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, Credentials> credentials = crawl ? resolveCredentials() : Map.of();
    Warehouse warehouse = new Warehouse(spark, config.warehouse());
    CrawlCounters counters = new CrawlCounters(spark.sparkContext());
    double crawlSeconds = 0;
    double modelSeconds = 0;
    double writeSeconds = 0;
    long repositories = 0;
    long manifestsReused = 0;
    long configsReused = 0;
    try (Progress progress = new Progress(counters, out, 5)) {
      if (crawl) {
        long t0 = System.nanoTime();
        CrawlStage.Output output = new CrawlStage(spark, config, credentials, warehouse, counters, runId, progress).run();
        crawlSeconds = seconds(t0);
        long t1 = System.nanoTime();
        Dataset<Row> images = warehouse.checkpoint("images", output.images(), runId);
        Dataset<Row> layers = warehouse.checkpoint("image_layers", output.imageLayers(), runId);
        modelSeconds = seconds(t1);
        long t2 = System.nanoTime();
        progress.stage("write");
        warehouse.writeSnapshot(Table.TAGS, date, output.tags(), runId);
        warehouse.writeSnapshot(Table.IMAGES, date, images, runId);
        warehouse.writeSnapshot(Table.IMAGE_LAYERS, date, layers, runId);
        warehouse.writeSnapshot(Table.ATTACHMENTS, date, output.attachments(), runId);
        warehouse.writeSnapshot(Table.CRAWL_ERRORS, date, output.errors(), runId);
        writeSeconds = seconds(t2);
        repositories = output.repositories();
        manifestsReused = output.manifestsReused();
        configsReused = output.configsReused();
      } else {
        requireSnapshot(warehouse, date);
        repositories = warehouse.readSnapshot(Table.TAGS, date).select("registry", "repository").distinct().count();
      }
      if (analyze) {
        progress.stage("analytics");
        new AnalyticsStage(config, warehouse, runId).run(date);
      }
      long errors = warehouse.readSnapshot(Table.CRAWL_ERRORS, date).count();
      RunSummary summary = new RunSummary(runId, date, started, Instant.now(),
          errors == 0 ? "succeeded" : "partial", command, null, repositories,
          warehouse.readSnapshot(Table.TAGS, date).count(),
          warehouse.readSnapshot(Table.IMAGES, date).count(),
          counters.requests.value(), counters.manifestsFetched.value(), manifestsReused,
          counters.configsFetched.value(), configsReused, counters.bytesDownloaded.value(),
          errors, crawlSeconds, modelSeconds, writeSeconds, progress.stageSeconds(), VERSION,
          warehouse.root().toString());
      record(warehouse, summary);
      return summary;
    } catch (RuntimeException e) {
      RunSummary failed = new RunSummary(runId, date, started, Instant.now(), "failed", command,
          oneLine(e), repositories, 0, 0, counters.requests.value(), counters.manifestsFetched.value(), 0,
          counters.configsFetched.value(), 0, counters.bytesDownloaded.value(), counters.errors.value(),
          crawlSeconds, modelSeconds, writeSeconds, Map.of(), VERSION, warehouse.root().toString());
      record(warehouse, failed);
      throw e;
    } finally {
      warehouse.cleanUp(runId);
    }
  }

  private static void requireSnapshot(Warehouse warehouse, LocalDate date) {
    if (warehouse.readSnapshot(Table.TAGS, date).isEmpty()) {
      throw new IllegalStateException("the warehouse " + warehouse.root() + " has no crawl for " + date
          + "; run image-census crawl --snapshot-date " + date + " first");
    }
  }

  private void record(Warehouse warehouse, RunSummary s) {
    Row row = RowFactory.create(s.runId(), Timestamp.from(s.startedAt()), Timestamp.from(s.finishedAt()),
        s.status(), s.command(), s.message(), s.repositories(), s.tags(), s.images(), s.requests(),
        s.manifestsFetched(), s.manifestsReused(), s.configsFetched(), s.configsReused(),
        s.bytesDownloaded(), s.crawlErrors(), s.crawlSeconds(), s.modelSeconds(), s.writeSeconds(),
        CollectionConverters.asScala(s.stageSeconds()), s.version());
    warehouse.appendLog(Table.RUNS, s.snapshotDate(), spark.createDataFrame(List.of(row), Table.RUNS.schema()), s.runId());
  }

  private Map<String, Credentials> resolveCredentials() {
    CredentialResolver resolver = new CredentialResolver(environment);
    Map<String, Credentials> result = new HashMap<>();
    for (RegistrySettings registry : config.registries()) {
      resolver.resolve(registry).ifPresent(c -> result.put(registry.name(), c));
    }
    return result;
  }

  static String oneLine(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  private static double seconds(long startNanos) {
    return Math.round((System.nanoTime() - startNanos) / 1e7) / 100.0;
  }
}
