package io.imagecensus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imagecensus.testing.RegistryExtension;
import io.imagecensus.testing.SharedSpark;
import io.imagecensus.testing.TestRegistry;
import io.imagecensus.warehouse.RunLock;
import io.imagecensus.warehouse.Warehouse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Exit codes, JSON summaries, the lock and prune, through the command line as a scheduler calls it. */
@ExtendWith(RegistryExtension.class)
class OperationsCommandsTest {
  @BeforeAll
  static void spark() {
    SharedSpark.get();
  }

  private record Outcome(int code, String out, String err) {
    String lastLine() {
      String[] lines = out.strip().split("\n");
      return lines[lines.length - 1];
    }
  }

  private static Outcome main(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), Map.of());
    return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** Redis and a repository the registry does not have: its tag list answers 404. */
  private static Path config(Path dir, TestRegistry registry, String crawl) throws IOException {
    Path file = dir.resolve("census-" + crawl.hashCode() + ".yaml");
    Files.writeString(file, """
        warehouse: %s
        registries:
          - {name: erp, url: "%s", insecure: true}
        components:
          - {name: redis, registry: erp, repositories: [erp/redis]}
          - {name: ghost, registry: erp, repositories: [erp/ghost]}
        crawl: {concurrency: 2, timeout: 10s, retries: 0%s}
        """.formatted(dir.resolve("warehouse").toUri(), registry.baseUrl(), crawl));
    return file;
  }

  @Test
  void aRunOverTheErrorThresholdIsPartialAndOneUnderItSucceeds(TestRegistry registry, @TempDir Path dir) throws Exception {
    long redisTags = registry.truth().tags().stream().filter(t -> t.repository().equals("erp/redis")).count();
    Path summaryFile = dir.resolve("monitoring/last-run.json");
    // 1 error over 2 tag lists and the redis tags.
    double rate = Math.round(1_000_000.0 / (2 + redisTags)) / 1_000_000.0;

    Outcome partial = main("run", "--config", config(dir, registry, "").toString(), "--snapshot-date", "2026-12-04",
        "--summary-file", summaryFile.toString());

    assertThat(partial.code()).as(partial.err()).isEqualTo(3);
    JsonNode json = new ObjectMapper().readTree(summaryFile.toFile());
    String runId = json.get("run_id").asText();
    assertThat(json.get("snapshot_date").asText()).isEqualTo("2026-12-04");
    assertThat(json.get("status").asText()).isEqualTo("partial");
    assertThat(json.get("exit_code").asInt()).isEqualTo(3);
    assertThat(json.get("command").asText()).isEqualTo("run");
    assertThat(json.get("repositories").asLong()).isEqualTo(2);
    assertThat(json.get("tags").asLong()).isEqualTo(redisTags);
    assertThat(json.get("crawl_errors").asLong()).isEqualTo(1);
    assertThat(json.get("error_rate").asDouble()).isEqualTo(rate);
    assertThat(json.get("stage_seconds").has("commit")).isTrue();
    assertThat(Files.readString(dir.resolve("warehouse/_runs/" + runId + ".json"))).isEqualTo(Files.readString(summaryFile));
    assertThat(partial.lastLine()).startsWith("image-census run partial for 2026-12-04: 2 repositories, " + redisTags
        + " tags, ").contains(", 1 crawl errors (rate " + rate + "); ");

    Outcome tolerated = main("run", "--config", config(dir, registry, ", max-error-rate: 50%").toString(),
        "--snapshot-date", "2026-12-04", "--summary-file", summaryFile.toString());

    assertThat(tolerated.code()).as(tolerated.err()).isZero();
    JsonNode second = new ObjectMapper().readTree(summaryFile.toFile());
    assertThat(second.get("status").asText()).isEqualTo("succeeded");
    assertThat(second.get("crawl_errors").asLong()).isEqualTo(1);
    String root = dir.resolve("warehouse").toString();
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement sql = duck.createStatement()) {
      assertThat(rows(sql, "SELECT registry, repository, reference, stage, http_status FROM read_parquet('" + root
          + "/crawl_errors/*/*.parquet', hive_partitioning = true)"))
          .containsExactly("erp|erp/ghost|null|tags|404");
      assertThat(rows(sql, "SELECT run_id, status FROM read_parquet('" + root + "/runs/*/*.parquet', hive_partitioning = true) ORDER BY started_at"))
          .containsExactly(runId + "|partial", second.get("run_id").asText() + "|succeeded");
    }
    JsonNode marker = new ObjectMapper().readTree(dir.resolve("warehouse/_snapshots/2026-12-04.json").toFile());
    assertThat(marker.get("runId").asText()).isEqualTo(second.get("run_id").asText());
    assertThat(marker.get("tables").get("tags").get("rows").asLong()).isEqualTo(redisTags);
    assertThat(marker.get("tables").get("crawl_errors").get("rows").asLong()).isEqualTo(1);
    assertThat(marker.get("tables").get("crawl_errors").get("runId").asText()).isEqualTo(second.get("run_id").asText());
    assertThat(marker.get("tables").size()).isEqualTo(16);
  }

  @Test
  void aRunAndAPruneAreRefusedWhileAnotherRunHoldsTheLock(TestRegistry registry, @TempDir Path dir) throws Exception {
    Path config = config(dir, registry, "");
    Warehouse warehouse = new Warehouse(SharedSpark.get(), dir.resolve("warehouse").toUri().toString());
    RunLock.Holder other = RunLock.Holder.of("20261204T020000Z-0the0run", "run", "2026-12-04", Instant.parse("2026-12-04T02:00:00Z"));
    try (RunLock held = warehouse.lock(other, Duration.ofHours(6), false, System.out)) {
      Outcome run = main("crawl", "--config", config.toString(), "--snapshot-date", "2026-12-04");
      Outcome prune = main("prune", "--config", config.toString(), "--keep", "3", "--lock-timeout", "90m");

      assertThat(run.code()).isEqualTo(4);
      assertThat(run.err()).startsWith("image-census crawl refused: another run 20261204T020000Z-0the0run (run for 2026-12-04, host ")
          .endsWith("; wait for it, or if it died, rerun after --lock-timeout 6h has passed or with --force-unlock\n")
          .hasLineCount(1);
      assertThat(prune.code()).isEqualTo(4);
      assertThat(prune.err()).startsWith("image-census prune refused: another run 20261204T020000Z-0the0run")
          .contains("rerun after --lock-timeout 90m has passed");
      try (Stream<Path> files = Files.list(dir.resolve("warehouse"))) {
        assertThat(files.map(f -> f.getFileName().toString())).containsExactly("_lock");
      }
    }
  }

  @Test
  void pruneKeepsTheNewestSnapshotsAndChecksItsArguments(TestRegistry registry, @TempDir Path dir) throws Exception {
    Path config = config(dir, registry, "");
    String warehouseUri = dir.resolve("warehouse").toUri().toString();
    for (String date : List.of("2026-12-01", "2026-12-02", "2026-12-03")) {
      for (String table : List.of("tags", "images", "quarterly_size_reduction")) {
        Path file = dir.resolve("warehouse/" + table + "/snapshot_date=" + date + "/part-00000.parquet");
        Files.createDirectories(file.getParent());
        Files.writeString(file, table + date);
      }
    }
    Path store = dir.resolve("warehouse/store/manifests/batch=20261201T020000Z-aaaa0001/part-00000.parquet");
    Files.createDirectories(store.getParent());
    Files.writeString(store, "manifests");

    assertThat(main("prune", "--config", config.toString(), "--keep", "0").err())
        .isEqualTo("image-census: --keep '0' is not a whole number of 1 or more; write e.g. --keep 30\n");
    assertThat(main("prune", "--config", config.toString()).code()).isEqualTo(2);
    Outcome pruned = main("prune", "--config", config.toString(), "--keep", "1");

    assertThat(pruned.code()).as(pruned.err()).isZero();
    assertThat(pruned.lastLine()).isEqualTo("image-census prune: deleted 2 snapshots [2026-12-01, 2026-12-02] from " + warehouseUri);
    List<String> left = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir.resolve("warehouse"))) {
      files.filter(Files::isRegularFile).forEach(f -> left.add(dir.resolve("warehouse").relativize(f).toString()));
    }
    assertThat(left).containsExactlyInAnyOrder(
        "images/snapshot_date=2026-12-03/part-00000.parquet",
        "quarterly_size_reduction/snapshot_date=2026-12-03/part-00000.parquet",
        "store/manifests/batch=20261201T020000Z-aaaa0001/part-00000.parquet",
        "tags/snapshot_date=2026-12-03/part-00000.parquet");
  }

  private static List<String> rows(Statement sql, String query) throws SQLException {
    List<String> result = new ArrayList<>();
    try (ResultSet rows = sql.executeQuery(query)) {
      int columns = rows.getMetaData().getColumnCount();
      while (rows.next()) {
        List<String> values = new ArrayList<>();
        for (int i = 1; i <= columns; i++) {
          values.add(String.valueOf(rows.getObject(i)));
        }
        result.add(String.join("|", values));
      }
    }
    return result;
  }
}
