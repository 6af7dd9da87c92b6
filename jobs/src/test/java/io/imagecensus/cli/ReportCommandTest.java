package io.imagecensus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagecensus.testing.SharedSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCommandTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), Map.of());
  }

  @Test
  void helpNamesTheOptions() {
    assertThat(run("report", "--help")).isEqualTo(Main.OK);
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith(
        "usage: image-census report --config FILE --quarter YYYY-QN [--snapshot-date YYYY-MM-DD] [--out DIR]\n");
  }

  @Test
  void aWrongQuarterIsAUsageError() {
    assertThat(run("report", "--config", "conf/none.yaml", "--quarter", "2026-Q5")).isEqualTo(Main.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("image-census: --quarter '2026-Q5' is not a quarter;"
        + " write it as YYYY-QN with N from 1 to 4, e.g. 2026-Q4\n");
    err.reset();
    assertThat(run("report", "--config", "conf/none.yaml")).isEqualTo(Main.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("image-census: --quarter is required; see --help\n");
  }

  @Test
  void aWarehouseWithoutAnalyticsSaysToAnalyzeFirst(@TempDir Path dir) throws IOException {
    SharedSpark.get();
    Path warehouse = dir.resolve("warehouse");
    Path config = dir.resolve("image-census.yaml");
    Files.writeString(config, """
        warehouse: %s
        registries:
          - {name: erp, url: "http://127.0.0.1:5000", insecure: true}
        components:
          - {name: api-server, registry: erp, repositories: [erp/api-server]}
        """.formatted(warehouse.toUri()));
    assertThat(run("report", "--config", config.toString(), "--quarter", "2026-Q4", "--out", dir.resolve("out")
        .toString())).isEqualTo(Main.FAILED);
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("image-census report failed: the warehouse "
        + warehouse.toUri() + " has no quarterly_size_reduction rows for 2026-Q4 (it has no analytics at all);"
        + " run image-census analyze (or run) for a snapshot date in or after that quarter first\n");
    assertThat(dir.resolve("out")).doesNotExist();
  }
}
