package io.imagecensus.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuarterlyReportTest {
  static final Quarter Q4 = new Quarter(2026, 4);

  static final ReportContent.Reduction API_SERVER = new ReportContent.Reduction("api-server", "2026-Q4", "builds",
      500_000, 120_000, 1_225_216L, 350_208L, 875_008L, 71.4, "full", "distroless", 600_000L);
  static final ReportContent.Reduction WORKER = new ReportContent.Reduction("celery-worker", "2026-Q4", "tags",
      480_000, 90_000, 1_100_000L, 320_000L, 780_000L, 70.9, "full", "slim", null);
  /** api-server's first quarter of the year with a row; celery-worker's is the report's quarter itself. */
  static final ReportContent.Reduction API_SERVER_Q2 = new ReportContent.Reduction("api-server", "2026-Q2", "builds",
      800_000, 700_000, 2_000_000L, 1_900_000L, 100_000L, 5.0, "full", "full", 0L);

  static ReportContent content(List<ReportContent.Regression> regressions) {
    return new ReportContent(Q4, LocalDate.of(2026, 12, 4), 0.10,
        List.of(API_SERVER, WORKER),
        List.of(API_SERVER_Q2, WORKER),
        List.of(new ReportContent.QuarterSize("api-server", "2026-Q3", 1, 200_000, 700_000L, 0),
            new ReportContent.QuarterSize("api-server", "2026-Q4", 2, 120_000, 350_208L, 1),
            new ReportContent.QuarterSize("celery-worker", "2026-Q4", 1, 90_000, 320_000L, 0)),
        List.of(new ReportContent.FamilyCount("api-server", "2026-Q3", "slim", 1),
            new ReportContent.FamilyCount("api-server", "2026-Q4", "distroless", 2),
            new ReportContent.FamilyCount("celery-worker", "2026-Q4", "slim", 1)),
        List.of(new ReportContent.Dedup("api-server", 2, 3_000_000, 2_000_000, 1_500_000),
            new ReportContent.Dedup("celery-worker", 1, 900_000, 900_000, 300_000)),
        List.of(new ReportContent.SharedLayer("sha256:" + "ab".repeat(32), 31_400_000, 5, 3, true)),
        List.of(new ReportContent.Posture("api-server", 2, 0.5, 1.0),
            new ReportContent.Posture("celery-worker", 1, 0.0, 2 / 3.0)),
        regressions);
  }

  static final ReportContent.Regression GREW = new ReportContent.Regression("api-server", "erp/api-server",
      "linux/amd64", "sha256:" + "cd".repeat(32), Instant.parse("2026-11-02T08:00:00Z"), 450_000, 300_000, 0L,
      300_000L);

  @Test
  void sizesAreDecimalWithOneDecimal() {
    assertThat(SizeFormat.bytes(1_225_216L)).isEqualTo("1.2 MB");
    assertThat(SizeFormat.bytes(350_208L)).isEqualTo("350.2 kB");
    assertThat(SizeFormat.bytes(999L)).isEqualTo("999 B");
    assertThat(SizeFormat.bytes(999_960L)).isEqualTo("1.0 MB");
    assertThat(SizeFormat.bytes(1_550_000_000L)).isEqualTo("1.6 GB");
    assertThat(SizeFormat.bytes(null)).isEqualTo("n/a");
    assertThat(SizeFormat.signedBytes(-300_000L)).isEqualTo("-300.0 kB");
    assertThat(SizeFormat.signedBytes(1_250_000L)).isEqualTo("+1.3 MB");
    assertThat(SizeFormat.percent(71.4)).isEqualTo("71.4 %");
    assertThat(SizeFormat.percent(70.85)).isEqualTo("70.9 %");
    assertThat(SizeFormat.share(0.5)).isEqualTo("50.0 %");
    assertThat(SizeFormat.share(2 / 3.0)).isEqualTo("66.7 %");
  }

  @Test
  void quartersParseAndExplainAMistake() {
    assertThat(Quarter.parse("2026-Q4")).isEqualTo(Q4);
    assertThat(Q4.start()).isEqualTo(LocalDate.of(2026, 10, 1));
    assertThat(Q4.startInstant()).isEqualTo(Instant.parse("2026-10-01T00:00:00Z"));
    assertThat(Q4.endInstant()).isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));
    assertThatThrownBy(() -> Quarter.parse("2026-Q5"))
        .hasMessage("'2026-Q5' is not a quarter; write it as YYYY-QN with N from 1 to 4, e.g. 2026-Q4");
    assertThatThrownBy(() -> Quarter.parse("Q4-2026")).hasMessageStartingWith("'Q4-2026' is not a quarter");
  }

  @Test
  void markdownHasTheTeamsTableWithATotal() {
    String markdown = QuarterlyReport.render(content(List.of())).get("image-census-2026-Q4.md");
    assertThat(markdown).startsWith("# Container image sizes, 2026-Q4\n");
    assertThat(markdown).contains("**In 2026-Q4 the images of 2 components went from 2.3 MB to 670.2 kB"
        + " uncompressed: 71.2 % smaller. Since the start of 2026: 3.1 MB to 670.2 kB, 78.4 % smaller.**");
    assertThat(markdown.lines()).contains(
        "| api-server | 1.2 MB | 350.2 kB | 875.0 kB | 71.4 % | 500.0 kB | 120.0 kB | full | distroless | 600.0 kB |",
        "| celery-worker | 1.1 MB | 320.0 kB | 780.0 kB | 70.9 % | 480.0 kB | 90.0 kB | full | slim | n/a |",
        "| **all components** | **2.3 MB** | **670.2 kB** | **1.7 MB** | **71.2 %** | **980.0 kB** | **210.0 kB** | | | **n/a** |",
        "| api-server | 2026-Q2 | 2.0 MB | 350.2 kB | 1.6 MB | 82.5 % | 800.0 kB | 120.0 kB | full | distroless |",
        "| celery-worker | 2026-Q4 | 1.1 MB | 320.0 kB | 780.0 kB | 70.9 % | 480.0 kB | 90.0 kB | full | slim |",
        "| **all components** | | **3.1 MB** | **670.2 kB** | **2.4 MB** | **78.4 %** | **1.3 MB** | **210.0 kB** | | |",
        "| api-server | 2 | 3.0 MB | 2.0 MB | 1.5 MB | 1.5x |",
        "| sha256:abababababab | 31.4 MB | 5 | 3 | yes |",
        "| celery-worker | 1 | 0.0 % | 66.7 % |",
        "No build of 2026-Q4 grew by more than 10.0 % over the build before it.",
        "![Size per component across quarters](image-census-2026-Q4-size-trend.svg)");
    assertThat(markdown).contains("by tag history: what the tags pointed to on the quarter's first and last night"
        + " where the warehouse has it, otherwise by build date");
  }

  @Test
  void regressionsNameTheLayersThatGrew() {
    String markdown = QuarterlyReport.render(content(List.of(GREW))).get("image-census-2026-Q4.md");
    assertThat(markdown.lines()).contains("| api-server | erp/api-server@sha256:cdcdcdcdcdcd | linux/amd64 | 2026-11-02"
        + " | 150.0 kB to 450.0 kB | +300.0 kB | app layers (app +300.0 kB, base 0 B) |");
    ReportContent.Regression baseGrew = new ReportContent.Regression("redis", "erp/redis", "linux/arm64/v8",
        GREW.digest(), GREW.created(), 450_000, 300_000, 250_000L, 50_000L);
    assertThat(ReportView.responsible(baseGrew)).isEqualTo("base image (base +250.0 kB, app +50.0 kB)");
    ReportContent.Regression noBase = new ReportContent.Regression("redis", "erp/redis", "linux/amd64",
        GREW.digest(), GREW.created(), 450_000, 300_000, null, null);
    assertThat(ReportView.responsible(noBase)).isEqualTo("unknown: no base image identified");
  }

  @Test
  void htmlIsSelfContainedAndEscaped() {
    ReportContent.Reduction hostile = new ReportContent.Reduction("<script>alert(1)</script>", "2026-Q4", "builds", 1,
        1, 2_000L, 1_000L, 1_000L, 50.0, "full", "slim", null);
    ReportContent content = content(List.of());
    ReportContent withHostile = new ReportContent(Q4, content.snapshotDate(), 0.10, List.of(hostile), List.of(hostile),
        content.sizes(), content.adoption(), content.dedup(), content.sharedLayers(), content.posture(), List.of());
    Map<String, String> files = QuarterlyReport.render(withHostile);
    String html = files.get("image-census-2026-Q4.html");
    assertThat(html).contains("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td class=\"num\">2.0 kB</td>"
        + "<td class=\"num\">1.0 kB</td><td class=\"num\">1.0 kB</td>");
    assertThat(html).doesNotContain("<script>alert");
    // Nothing is loaded from elsewhere: no scripts, stylesheets or images by URL.
    assertThat(html).doesNotContain("<script", "<link", "src=", "@import", "url(http");
    assertThat(files.get("image-census-2026-Q4.md")).contains("| \\<script\\>alert(1)\\</script\\> | 2.0 kB |");
  }

  @Test
  void chartsCarryOneGroupPerDataPoint() {
    Map<String, String> files = QuarterlyReport.render(content(List.of()));
    assertThat(dataPoints(files.get("image-census-2026-Q4-size-trend.svg"))).containsExactlyInAnyOrder(
        "api-server|2026-Q3", "api-server|2026-Q4", "celery-worker|2026-Q4");
    assertThat(dataPoints(files.get("image-census-2026-Q4-base-adoption.svg"))).containsExactlyInAnyOrder(
        "slim|2026-Q3", "slim|2026-Q4", "distroless|2026-Q4");
    assertThat(dataPoints(files.get("image-census-2026-Q4-dedup.svg"))).containsExactlyInAnyOrder(
        "logical|api-server", "unique|api-server", "exclusive|api-server",
        "logical|celery-worker", "unique|celery-worker", "exclusive|celery-worker");
    assertThat(dataPoints(files.get("image-census-2026-Q4-posture.svg"))).containsExactlyInAnyOrder(
        "non-root|api-server", "healthcheck|api-server", "non-root|celery-worker", "healthcheck|celery-worker");
    // The same tables give the same bytes: no clock or random ids in the SVG.
    assertThat(QuarterlyReport.render(content(List.of()))).isEqualTo(files);
  }

  @Test
  void writesEveryFileAndLeavesNoTemporaryOnes(@TempDir Path dir) throws IOException {
    List<Path> written = QuarterlyReport.write(content(List.of()), dir.resolve("out"));
    try (var listing = Files.list(dir.resolve("out"))) {
      assertThat(listing.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly(
          "image-census-2026-Q4-base-adoption.svg", "image-census-2026-Q4-dedup.svg",
          "image-census-2026-Q4-posture.svg", "image-census-2026-Q4-size-trend.svg", "image-census-2026-Q4.html",
          "image-census-2026-Q4.md");
    }
    assertThat(written.get(0)).isEqualTo(dir.resolve("out/image-census-2026-Q4.html"));
  }

  /** "series|category" of every data item group JFreeChart marked in an SVG. */
  static List<String> dataPoints(String svg) {
    Matcher item = Pattern.compile("jfreesvg:ref='\\{&quot;rowKey&quot;: &quot;([^&]*)&quot;, "
        + "&quot;columnKey&quot;: &quot;([^&]*)&quot;\\}'").matcher(svg);
    List<String> points = new java.util.ArrayList<>();
    while (item.find()) {
      points.add(item.group(1) + "|" + item.group(2));
    }
    return points;
  }
}
