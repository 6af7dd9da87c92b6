package io.imagecensus.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imagecensus.config.CensusConfig;
import io.imagecensus.config.ConfigLoader;
import io.imagecensus.model.Table;
import io.imagecensus.testing.Directories;
import io.imagecensus.testing.RegistryExtension;
import io.imagecensus.testing.SampleWarehouse;
import io.imagecensus.testing.SharedSpark;
import io.imagecensus.testing.TestRegistry;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code image-census run} in its own JVM is SIGKILLed in the middle of publishing its
 * snapshot; the previous snapshot must read back unchanged with DuckDB, and the rerun must end
 * with tables byte for byte those of a run that was never interrupted.
 */
@ExtendWith(RegistryExtension.class)
class KilledRunTest {
  private static final LocalDate NEXT = LocalDate.of(2026, 12, 5);
  private static final List<String> SNAPSHOT_TABLES = Arrays.stream(Table.values())
      .filter(t -> t.storage() == Table.Storage.SNAPSHOT).map(Table::path).toList();

  @Test
  void aRunKilledWhilePublishingLosesNothingAndItsRerunEqualsACleanRun(TestRegistry registry, @TempDir Path dir) throws Exception {
    SampleWarehouse sample = SampleWarehouse.of(registry);
    Path killed = Directories.copy(sample.root(), dir.resolve("killed/warehouse"));
    Path clean = Directories.copy(sample.root(), dir.resolve("clean/warehouse"));
    Path killedConfig = dir.resolve("killed/image-census.yaml");
    Files.writeString(killedConfig, SampleWarehouse.config(killed, registry.baseUrl()));
    Map<String, Long> before = counts(killed);

    Process child = startRun(killedConfig, "publishing");
    awaitPause(child);
    String deadRunId = new ObjectMapper().readTree(killed.resolve("_lock").toFile()).get("runId").asText();
    child.destroyForcibly();
    assertThat(child.waitFor()).isEqualTo(137);

    // The night before reads back exactly as it was; the new night is not marked complete, and
    // of its tables only the first one published (tags) is visible.
    assertThat(counts(killed)).isEqualTo(before);
    assertThat(before).containsEntry("tags 2026-12-04", (long) registry.truth().tags().size());
    assertThat(killed.resolve("_snapshots/2026-12-04.json")).exists();
    assertThat(killed.resolve("_snapshots/2026-12-05.json")).doesNotExist();
    assertThat(killed.resolve("tags/snapshot_date=2026-12-05")).exists();
    assertThat(killed.resolve("images/snapshot_date=2026-12-05")).doesNotExist();

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    RunSummary rerun = new CensusRun(SharedSpark.get(), load(killedConfig), Map.of(),
        new PrintStream(out, true, StandardCharsets.UTF_8)).run(NEXT);
    Path cleanConfig = dir.resolve("clean/image-census.yaml");
    Files.writeString(cleanConfig, SampleWarehouse.config(clean, registry.baseUrl()));
    new CensusRun(SharedSpark.get(), load(cleanConfig), Map.of(), new PrintStream(new ByteArrayOutputStream())).run(NEXT);

    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("image-census: warning: taking over ")
        .contains("from run " + deadRunId + " ")
        .contains("image-census: finished publishing snapshot 2026-12-05 of run " + deadRunId + ", which died after its commit point");
    Map<String, byte[]> rerunFiles = snapshotFiles(killed);
    Map<String, byte[]> cleanFiles = snapshotFiles(clean);
    assertThat(rerunFiles.keySet()).isEqualTo(cleanFiles.keySet());
    assertThat(rerunFiles.keySet()).filteredOn(f -> f.contains("snapshot_date=2026-12-05/part-00000.parquet")).hasSize(SNAPSHOT_TABLES.size());
    for (String file : cleanFiles.keySet()) {
      assertThat(rerunFiles.get(file)).as(file).isEqualTo(cleanFiles.get(file));
    }
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = duck.createStatement();
        ResultSet runs = sql.executeQuery("SELECT run_id, status FROM read_parquet('" + killed
            + "/runs/*/*.parquet', hive_partitioning = true) WHERE snapshot_date = DATE '2026-12-05' ORDER BY started_at")) {
      List<String> statuses = new ArrayList<>();
      while (runs.next()) {
        statuses.add(runs.getString(1) + " " + runs.getString(2));
      }
      assertThat(statuses).containsExactly(deadRunId + " abandoned", rerun.runId() + " succeeded");
    }
    assertThat(new ObjectMapper().readTree(killed.resolve("_snapshots/2026-12-05.json").toFile()).get("runId").asText())
        .isEqualTo(rerun.runId());
    assertThat(killed.resolve("_staging")).doesNotExist();
    assertThat(killed.resolve("_lock")).doesNotExist();
  }

  private static CensusConfig load(Path config) {
    return ConfigLoader.load(config);
  }

  /** {@code java -cp <test classpath> Main run}, with Spark's JVM flags and the pause hook set. */
  private static Process startRun(Path config, String pauseAt) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx1g");
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-opens") || a.startsWith("-XX:+IgnoreUnrecognizedVMOptions")
            || a.startsWith("-Djdk.reflect") || a.startsWith("-Dio.netty"))
        .forEach(command::add);
    command.addAll(List.of("-Dspark.master=local[2]", "-Dimage-census.pause-at=" + pauseAt,
        "-cp", System.getProperty("java.class.path"), "io.imagecensus.cli.Main",
        "run", "--config", config.toString(), "--snapshot-date", NEXT.toString()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    return builder.start();
  }

  private static void awaitPause(Process child) throws IOException {
    BufferedReader err = new BufferedReader(new InputStreamReader(child.getErrorStream(), StandardCharsets.UTF_8));
    List<String> seen = new ArrayList<>();
    for (String line = err.readLine(); line != null; line = err.readLine()) {
      if (line.equals("image-census: paused at publishing")) {
        // Keep draining so the child never blocks on a full pipe before it is killed.
        Thread drain = new Thread(() -> {
          try {
            err.transferTo(java.io.Writer.nullWriter());
          } catch (IOException ignored) {
            // The child is gone.
          }
        });
        drain.setDaemon(true);
        drain.start();
        return;
      }
      seen.add(line);
    }
    throw new AssertionError("the child run ended without reaching the pause point; its stderr:\n" + String.join("\n", seen));
  }

  /** Rows per table and snapshot date, as DuckDB reads them: "tags 2026-12-04" -> 37. */
  private static Map<String, Long> counts(Path warehouse) throws SQLException {
    Map<String, Long> counts = new TreeMap<>();
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = duck.createStatement()) {
      for (String table : SNAPSHOT_TABLES) {
        if (!Files.isDirectory(warehouse.resolve(table))) {
          continue;
        }
        try (ResultSet rows = sql.executeQuery("SELECT snapshot_date, count(*) FROM read_parquet('" + warehouse + "/" + table
            + "/*/*.parquet', hive_partitioning = true) WHERE snapshot_date = DATE '2026-12-04' GROUP BY snapshot_date")) {
          while (rows.next()) {
            counts.put(table + " " + rows.getString(1), rows.getLong(2));
          }
        }
      }
    }
    return counts;
  }

  private static Map<String, byte[]> snapshotFiles(Path warehouse) throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    for (String table : SNAPSHOT_TABLES) {
      try (Stream<Path> walk = Files.walk(warehouse.resolve(table))) {
        for (Path file : walk.filter(Files::isRegularFile).toList()) {
          files.put(warehouse.relativize(file).toString(), Files.readAllBytes(file));
        }
      }
    }
    return files;
  }
}
