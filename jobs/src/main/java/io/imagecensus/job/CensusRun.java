package io.imagecensus.job;

import static org.apache.spark.sql.functions.col;

import io.imagecensus.config.CensusConfig;
import io.imagecensus.config.RegistrySettings;
import io.imagecensus.crawl.CrawlCounters;
import io.imagecensus.crawl.CredentialResolver;
import io.imagecensus.crawl.Credentials;
import io.imagecensus.model.Table;
import io.imagecensus.warehouse.RunLock;
import io.imagecensus.warehouse.Warehouse;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.sql.Timestamp;
import java.time.Duration;
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
  private final Options options;

  /**
   * How a run treats the lock and where it also writes its JSON summary: {@code lockTimeout} is
   * how old a lock's heartbeat must be before it is taken over, {@code forceUnlock} takes over any lock.
   */
  public record Options(Duration lockTimeout, boolean forceUnlock, Optional<java.nio.file.Path> summaryFile) {
    /** A six-hour lock timeout, no forced unlock, the summary only in the warehouse. */
    public static final Options DEFAULTS = new Options(Duration.ofHours(6), false, Optional.empty());
  }

  public CensusRun(SparkSession spark, CensusConfig config, Map<String, String> environment, PrintStream out) {
    this(spark, config, environment, out, Options.DEFAULTS);
  }

  public CensusRun(SparkSession spark, CensusConfig config, Map<String, String> environment, PrintStream out, Options options) {
    this.spark = spark;
    this.config = config;
    this.environment = environment;
    this.out = out;
    this.options = options;
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

  /**
   * Deletes the snapshots older than the newest {@code keep}, under the warehouse's lock and after
   * finishing what a dead run left; returns the deleted dates.
   */
  public List<LocalDate> prune(int keep) {
    Instant started = Instant.now();
    String runId = runId(started);
    LocalDate today = LocalDate.ofInstant(started, ZoneOffset.UTC);
    Warehouse warehouse = new Warehouse(spark, config.warehouse());
    try (RunLock lock = lockAndRecover(warehouse, runId, "prune", today, started)) {
      List<LocalDate> pruned = warehouse.prune(keep);
      warehouse.cleanUp(runId);
      return pruned;
    }
  }

  private static String runId(Instant started) {
    return DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(started)
        + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private RunSummary execute(LocalDate date, String command, boolean crawl, boolean analyze) {
    Instant started = Instant.now();
    String runId = runId(started);
    Map<String, Credentials> credentials = crawl ? resolveCredentials() : Map.of();
    Warehouse warehouse = new Warehouse(spark, config.warehouse());
    try (RunLock lock = lockAndRecover(warehouse, runId, command, date, started)) {
      return execute(warehouse, lock, runId, started, date, command, crawl, analyze, credentials);
    }
  }

  private RunSummary execute(Warehouse warehouse, RunLock lock, String runId, Instant started, LocalDate date,
      String command, boolean crawl, boolean analyze, Map<String, Credentials> credentials) {
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
        CrawlStage stage = new CrawlStage(spark, config, credentials, warehouse, counters, runId, date, progress);
        CrawlStage.Crawl crawled = stage.crawl();
        crawlSeconds = seconds(t0);
        long t1 = System.nanoTime();
        progress.stage("model");
        CrawlStage.Output output = stage.describe(crawled);
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
        // Tonight's distinct tag roots and the configs its images refer to, less those requested.
        manifestsReused = CrawlStage.roots(output.tags()).select("digest").distinct().count() - output.rootsRequested();
        configsReused = images.filter(col("config_digest").isNotNull()).select("config_digest").distinct().count()
            - output.configsRequested();
      } else {
        requireSnapshot(warehouse, date);
        repositories = warehouse.readSnapshot(Table.TAGS, date).select("registry", "repository").distinct().count();
      }
      if (analyze) {
        progress.stage("analytics");
        new AnalyticsStage(config, warehouse, runId).run(date);
      }
      progress.stage("commit");
      lock.requireHeld();
      Map<String, Long> rows = warehouse.commitSnapshot(runId);
      if (config.retention().snapshots() > 0) {
        List<LocalDate> pruned = warehouse.prune(config.retention().snapshots());
        if (!pruned.isEmpty()) {
          out.println("image-census: retention keeps " + config.retention().snapshots() + " snapshots; deleted " + pruned);
        }
      }
      long errors = rowCount(rows, warehouse, Table.CRAWL_ERRORS, date);
      long tags = rowCount(rows, warehouse, Table.TAGS, date);
      double errorRate = RunSummary.errorRate(errors, repositories, tags);
      RunSummary summary = new RunSummary(runId, date, started, Instant.now(),
          errorRate > config.crawl().maxErrorRate() ? "partial" : "succeeded", command, null, repositories, tags,
          rowCount(rows, warehouse, Table.IMAGES, date),
          counters.requests.value(), counters.manifestsFetched.value(), manifestsReused,
          counters.configsFetched.value(), configsReused, counters.bytesDownloaded.value(),
          errors, errorRate, crawlSeconds, modelSeconds, writeSeconds, progress.stageSeconds(), VERSION,
          warehouse.root().toString(), crawl ? counters.tagFingerprint() : null);
      finish(warehouse, summary);
      return summary;
    } catch (RuntimeException e) {
      RunSummary failed = new RunSummary(runId, date, started, Instant.now(), "failed", command,
          oneLine(e), repositories, 0, 0, counters.requests.value(), counters.manifestsFetched.value(), 0,
          counters.configsFetched.value(), 0, counters.bytesDownloaded.value(), counters.errors.value(), 0,
          crawlSeconds, modelSeconds, writeSeconds, Map.of(), VERSION, warehouse.root().toString(), null);
      try {
        finish(warehouse, failed);
      } catch (RuntimeException recording) {
        e.addSuppressed(recording);
      }
      throw e;
    } finally {
      warehouse.cleanUp(runId);
    }
  }

  /**
   * Takes the warehouse's lock, records the run whose stale lock it took over as abandoned, and
   * finishes or discards what dead runs left, before this run touches anything.
   */
  private RunLock lockAndRecover(Warehouse warehouse, String runId, String command, LocalDate date, Instant started) {
    RunLock lock = warehouse.lock(RunLock.Holder.of(runId, command, date.toString(), started),
        options.lockTimeout(), options.forceUnlock(), out);
    try {
      Optional<RunSummary> dead = lock.tookOverFrom().map(holder -> abandoned(holder, runId, date));
      // A run can die after writing its runs row and before releasing the lock: keep that row.
      if (dead.isPresent() && !warehouse.hasLogEntry(Table.RUNS, dead.get().snapshotDate(), dead.get().runId())) {
        record(warehouse, dead.get());
      }
      warehouse.recover().forEach(line -> out.println("image-census: " + line));
      return lock;
    } catch (RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /** The runs row of an attempt that died holding the lock, as far as its lock file tells. */
  private RunSummary abandoned(RunLock.Holder dead, String runId, LocalDate date) {
    Instant now = Instant.now();
    Instant started = parseOr(dead.startedAt(), now);
    LocalDate snapshot = dead.snapshotDate().matches("\\d{4}-\\d{2}-\\d{2}") ? LocalDate.parse(dead.snapshotDate()) : date;
    return new RunSummary(dead.runId(), snapshot, started, now, "abandoned", dead.command(),
        "died without finishing (host " + dead.host() + ", pid " + dead.pid() + "); run " + runId + " took over its lock",
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Map.of(), VERSION, config.warehouse(), null);
  }

  private static Instant parseOr(String text, Instant fallback) {
    try {
      return Instant.parse(text);
    } catch (java.time.format.DateTimeParseException e) {
      return fallback;
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
    warehouse.writeRunSummary(s.runId(), s.toJson());
  }

  /** Records this run's own end: the runs row, {@code _runs/RUN.json} and the --summary-file. */
  private void finish(Warehouse warehouse, RunSummary s) {
    record(warehouse, s);
    options.summaryFile().ifPresent(file -> writeAtomically(file, s.toJson()));
  }

  /** Writes next to the file and moves it into place, so monitoring never reads half a summary. */
  private static void writeAtomically(java.nio.file.Path file, String text) {
    try {
      java.nio.file.Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      java.nio.file.Path temporary = Files.createTempFile(parent, "." + file.getFileName(), ".tmp");
      Files.writeString(temporary, text);
      Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("Tried to write the summary file " + file + " but failed because: " + e.getMessage(), e);
    }
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

  /**
   * The rows of a committed table as the commit counted them; a warehouse whose marker predates
   * row counts (or a command that staged nothing) is counted by reading.
   */
  private static long rowCount(Map<String, Long> committedRows, Warehouse warehouse, Table table, LocalDate date) {
    Long rows = committedRows.get(table.path());
    return rows != null ? rows : warehouse.readSnapshot(table, date).count();
  }

  private static double seconds(long startNanos) {
    return Math.round((System.nanoTime() - startNanos) / 1e7) / 100.0;
  }
}
