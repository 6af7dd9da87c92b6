package io.imagecensus.analytics.bench;

import io.imagecensus.analytics.AnalyticsInputs;
import io.imagecensus.analytics.LayerDedup;
import io.imagecensus.analytics.TagCosts;
import io.imagecensus.job.SparkSessions;
import io.imagecensus.model.Table;
import io.imagecensus.warehouse.Warehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * Times the layer-dedup analytics (layer_sharing and dedup_summary, both scopes) in a warm Spark
 * session against DuckDB computing the same aggregates with SQL over the same Parquet files, in
 * the same JVM. Run through {@code scripts/bench/analytics-benchmark.sh}.
 *
 * <p>Arguments: {@code WORKDIR ROWS [ROWS...]}: for each size, the synthetic warehouse of about
 * ROWS image-layer rows is generated under WORKDIR (once; reused when present), then each engine
 * runs once to warm up and {@code RUNS} times measured (environment, default 3); the median is
 * reported. Both engines' results are compared row by row once, outside the timings.
 */
public final class AnalyticsBenchmark {
  private static final int FILES = 4;

  private AnalyticsBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: AnalyticsBenchmark WORKDIR ROWS [ROWS...]");
      System.exit(2);
    }
    Path workdir = Path.of(args[0]).toAbsolutePath();
    int runs = Integer.parseInt(System.getenv().getOrDefault("RUNS", "3"));
    SparkSession spark = SparkSessions.getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    List<Result> results = new ArrayList<>();
    for (String rowsArg : Arrays.copyOfRange(args, 1, args.length)) {
      long rows = Long.parseLong(rowsArg);
      Path root = workdir.resolve("warehouse-" + rows);
      ensureWarehouse(spark, root, rows);
      results.add(measure(spark, root, rows, runs));
    }
    spark.stop();
    System.out.println();
    System.out.println("layer_sharing + dedup_summary, both scopes; median of " + runs + " warm runs; ratio of each"
        + " run's Spark and DuckDB times: min and median");
    System.out.println("rows         spark_s  duckdb_s  spark/duckdb  ratio_min  ratio_median");
    for (Result result : results) {
      System.out.printf(Locale.ROOT, "%-12d %7.2f  %8.2f  %12.1f  %9.1f  %12.1f%n", result.rows(),
          result.sparkSeconds(), result.duckSeconds(), result.sparkSeconds() / result.duckSeconds(),
          result.minRatio(), result.medianRatio());
    }
    System.out.println("load average (1, 5, 15 min) at the end: " + loadAverage());
    Result base = results.get(0);
    boolean pass = base.sparkSeconds() / base.duckSeconds() <= 5.0;
    System.out.printf(Locale.ROOT, "target spark/duckdb <= 5 at %d rows: %.1f %s%n", base.rows(),
        base.sparkSeconds() / base.duckSeconds(), pass ? "PASS" : "FAIL");
    for (Result result : results.subList(1, results.size())) {
      double factor = (double) result.rows() / base.rows();
      double growth = result.sparkSeconds() / base.sparkSeconds();
      boolean scales = growth <= 1.1 * factor;
      pass &= scales;
      System.out.printf(Locale.ROOT, "target spark time x%.0f rows <= x%.1f time: x%.1f %s%n", factor, 1.1 * factor,
          growth, scales ? "PASS" : "FAIL");
    }
    System.exit(pass ? 0 : 1);
  }

  /** One size's medians, and the min and median of the runs' Spark/DuckDB ratios. */
  private record Result(long rows, double sparkSeconds, double duckSeconds, double minRatio, double medianRatio) {}

  /** The machine's load: other processes slow both engines, not always alike. */
  private static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  private static void ensureWarehouse(SparkSession spark, Path root, long rows) throws IOException {
    Path done = root.resolve("_GENERATED");
    if (Files.exists(done)) {
      return;
    }
    long start = System.nanoTime();
    SyntheticWarehouse.write(spark, root.toUri().toString(), rows, FILES);
    Files.writeString(done, "rows=" + rows + "\n");
    System.out.printf(Locale.ROOT, "generated %s in %.1f s%n", root, seconds(start));
  }

  private static Result measure(SparkSession spark, Path root, long rows, int runs) throws Exception {
    Warehouse warehouse = new Warehouse(spark, root.toUri().toString());
    LocalDate night = LocalDate.parse(SyntheticWarehouse.SNAPSHOT);
    AnalyticsInputs inputs = new AnalyticsInputs(
        warehouse.readSnapshot(Table.TAGS, night),
        warehouse.readSnapshot(Table.IMAGES, night),
        warehouse.readSnapshot(Table.IMAGE_LAYERS, night),
        warehouse.read(Table.TAGS),
        warehouse.read(Table.IMAGES),
        warehouse.read(Table.IMAGE_LAYERS),
        spark.read().parquet(root.resolve("catalogue").toUri().toString()));

    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:")) {
      DuckDbDedup sql = new DuckDbDedup(duck, root, SyntheticWarehouse.SNAPSHOT);
      // Spark as the job runs it (AnalyticsStage): the layer usage computed once from the Parquet
      // files and kept in memory, both tables computed from it and written to the noop sink.
      // DuckDB: each table one SQL statement over the same Parquet files, into a temp table.
      // Neither side writes files; component_overlap and tag_costs are timed apart, Spark only.
      List<Runnable> bodies = List.of(
          () -> {
            Dataset<Row> usage = LayerDedup.layerUsage(inputs).persist(StorageLevel.MEMORY_AND_DISK());
            noop(LayerDedup.layerSharing(inputs, usage));
            noop(LayerDedup.dedupSummary(inputs, usage));
            usage.unpersist();
          },
          sql::runLayerSharing,
          sql::runDedupSummary);
      // Spark and DuckDB take turns, run by run, so that a change in the machine's load (other
      // processes) hits both alike; the first round only warms up (JIT, Spark's code generation,
      // the OS page cache).
      double[][] times = new double[bodies.size()][runs];
      for (int round = -1; round < runs; round++) {
        for (int b = 0; b < bodies.size(); b++) {
          long start = System.nanoTime();
          bodies.get(b).run();
          if (round >= 0) {
            times[b][round] = seconds(start);
          }
        }
        if (round >= 0) {
          System.out.printf(Locale.ROOT, "%d rows, run %d: Spark %.2f s, DuckDB %.2f s, ratio %.1f, load %s%n", rows,
              round + 1, times[0][round], times[1][round] + times[2][round],
              times[0][round] / (times[1][round] + times[2][round]), loadAverage());
        }
      }
      double[] ratios = new double[runs];
      for (int round = 0; round < runs; round++) {
        ratios[round] = times[0][round] / (times[1][round] + times[2][round]);
      }
      double sparkSeconds = median(times[0]);
      double duckSeconds = median(times[1]) + median(times[2]);
      System.out.printf(Locale.ROOT, "%d rows: Spark layer usage + both tables %.2f s; DuckDB layer_sharing %.2f s, "
          + "dedup_summary %.2f s (medians)%n", rows, sparkSeconds, median(times[1]), median(times[2]));
      sql.compareWith(spark, inputs);

      double overlapSeconds = timeOnce(() -> noop(LayerDedup.componentOverlap(inputs)));
      double tagCostSeconds = timeOnce(() -> noop(TagCosts.compute(inputs)));
      System.out.printf(Locale.ROOT, "%d rows: Spark component_overlap %.2f s, tag_costs %.2f s (second run)%n",
          rows, overlapSeconds, tagCostSeconds);
      return new Result(rows, sparkSeconds, duckSeconds, Arrays.stream(ratios).min().orElseThrow(), median(ratios));
    }
  }

  private static void noop(Dataset<Row> rows) {
    rows.write().format("noop").mode("overwrite").save();
  }

  private static double median(double[] times) {
    double[] sorted = times.clone();
    Arrays.sort(sorted);
    int middle = sorted.length / 2;
    // An even count has two middle values: their mean, not the upper one.
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  /** Runs once to warm up, then once timed. */
  private static double timeOnce(Runnable body) {
    body.run();
    long start = System.nanoTime();
    body.run();
    return seconds(start);
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  static void execute(Connection duck, String sql) {
    try (Statement statement = duck.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("DuckDB failed on: " + sql + "\n" + e.getMessage(), e);
    }
  }
}
