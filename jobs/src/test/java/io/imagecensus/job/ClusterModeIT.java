package io.imagecensus.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.imagecensus.demo.EstateTruth;
import io.imagecensus.testing.RegistryExtension;
import io.imagecensus.testing.SampleWarehouse;
import io.imagecensus.testing.TestRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the packaged job through the launcher on a real multi-JVM Spark cluster on loopback
 * ({@code local-cluster}: a standalone master, a worker and two executor JVMs) and checks that it
 * writes, row for row, the tables of a local-mode run of the same registry and night. Crawl tasks
 * that do not serialize, or that read state only the driver has, fail here.
 */
@ExtendWith(RegistryExtension.class)
class ClusterModeIT {
  private static final String MASTER = "local-cluster[2,1,1024]";
  /** Columns of runs that differ between any two attempts: the run's id and its clock readings. */
  private static final Set<String> PER_ATTEMPT = Set.of("run_id", "started_at", "finished_at",
      "crawl_seconds", "model_seconds", "write_seconds", "stage_seconds");
  /** The Hive partition of the content tables: the run that first stored a row. */
  private static final String BATCH = "batch";

  @Test
  void writesTheTablesOfLocalMode(TestRegistry registry, @TempDir Path dir) throws Exception {
    SampleWarehouse local = SampleWarehouse.of(registry);
    Path clusterRoot = dir.resolve("warehouse");
    Path configFile = dir.resolve("image-census.yaml");
    Files.writeString(configFile, SampleWarehouse.config(clusterRoot, registry.baseUrl()));
    Path log = dir.resolve("cluster-run.log");

    long started = System.nanoTime();
    Process process = new ProcessBuilder(launcher().toString(), "--master", MASTER, "run",
            "--config", configFile.toString(), "--snapshot-date", SampleWarehouse.NIGHT.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    if (!process.waitFor(20, TimeUnit.MINUTES)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      fail("the local-cluster run did not end within 20 minutes; its output: " + log);
    }
    Duration clusterWall = Duration.ofNanos(System.nanoTime() - started);
    assertThat(process.exitValue()).as("exit code of the local-cluster run; output:%n%s", tail(log)).isZero();
    Duration localRun = Duration.between(local.summary().startedAt(), local.summary().finishedAt());
    System.out.printf("ClusterModeIT: local[2] run %.1f s (in the test JVM, Spark already started); "
            + "%s run %.1f s wall clock (driver, master, worker and executor JVMs started)%n",
        localRun.toMillis() / 1000.0, MASTER, clusterWall.toMillis() / 1000.0);

    List<String> tables = tables(local.root());
    assertThat(tables(clusterRoot)).isEqualTo(tables);
    assertThat(tables).contains("tags", "images", "image_layers", "layers", "runs", "image_bases",
        "quarterly_size_reduction", "store/manifests", "store/configs");
    EstateTruth truth = registry.truth();
    long tagCount = truth.repositories().stream().mapToLong(r -> truth.tagNames(r).size()).sum();
    assertThat(rows(local.root(), "tags")).hasSize((int) tagCount);
    assertThat(rows(local.root(), "images")).hasSize(truth.images().size());
    for (String table : tables) {
      assertThat(rows(clusterRoot, table)).as("table %s", table).isEqualTo(rows(local.root(), table));
    }
  }

  private static Path launcher() {
    return Path.of(System.getProperty("image-census.root", "..")).resolve("scripts/image-census").toAbsolutePath();
  }

  /**
   * The tables under a warehouse root: the folders that hold Parquet files, up to the first
   * partition folder ("images", "store/manifests").
   */
  private static List<String> tables(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(f -> f.toString().endsWith(".parquet"))
          .map(f -> {
            List<String> parts = new ArrayList<>();
            for (Path part : root.relativize(f.getParent())) {
              if (part.toString().contains("=")) {
                break;
              }
              parts.add(part.toString());
            }
            return String.join("/", parts);
          })
          .collect(Collectors.toCollection(TreeSet::new))
          .stream().toList();
    }
  }

  /** Every row of a table as text, sorted, without the columns that name or time the run. */
  private static List<String> rows(Path root, String table) throws SQLException {
    String source = "read_parquet('" + root.resolve(table) + "/**/*.parquet', hive_partitioning = true, union_by_name = true)";
    try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:");
        Statement statement = duckdb.createStatement()) {
      List<String> columns = new ArrayList<>();
      try (ResultSet described = statement.executeQuery("DESCRIBE SELECT * FROM " + source)) {
        while (described.next()) {
          String column = described.getString("column_name");
          if (!column.equals(BATCH) && !(table.equals("runs") && PER_ATTEMPT.contains(column))) {
            columns.add('"' + column + '"');
          }
        }
      }
      List<String> rows = new ArrayList<>();
      try (ResultSet result = statement.executeQuery(
          "SELECT " + String.join(", ", columns) + " FROM " + source + " ORDER BY ALL")) {
        while (result.next()) {
          List<String> values = new ArrayList<>();
          for (int i = 1; i <= columns.size(); i++) {
            values.add(columns.get(i - 1) + "=" + result.getString(i));
          }
          rows.add(String.join(" ", values));
        }
      }
      return rows;
    }
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }
}
