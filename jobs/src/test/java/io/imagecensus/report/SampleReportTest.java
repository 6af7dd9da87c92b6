package io.imagecensus.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.imagecensus.demo.EstateImage;
import io.imagecensus.demo.EstateLayer;
import io.imagecensus.demo.EstateTruth;
import io.imagecensus.testing.HeadlessChromium;
import io.imagecensus.testing.RegistryExtension;
import io.imagecensus.testing.SampleWarehouse;
import io.imagecensus.testing.SharedSpark;
import io.imagecensus.testing.TestRegistry;
import io.imagecensus.warehouse.Warehouse;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The report of 2026-Q4 rendered from the warehouse of a real run of the sample estate, checked
 * against the estate's truth, then opened in headless Chromium.
 */
@ExtendWith(RegistryExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SampleReportTest {
  static final Quarter Q4 = Quarter.parse("2026-Q4");
  static final Path SCREENSHOT = Path.of("target/report-screenshot.png");

  private EstateTruth truth;
  private Warehouse warehouse;
  private ReportContent content;
  private Path directory;

  @BeforeAll
  void load(TestRegistry registry) throws IOException {
    truth = registry.truth();
    SampleWarehouse sample = SampleWarehouse.of(registry);
    warehouse = new Warehouse(SharedSpark.get(), sample.root().toUri().toString());
    content = ReportData.load(warehouse, Q4, Optional.empty(), 0.10);
    directory = Files.createTempDirectory("sample-report");
    QuarterlyReport.write(content, directory);
  }

  @Test
  void reductionsAreTheJulyAndOctoberBuilds() {
    assertThat(content.snapshotDate()).isEqualTo(SampleWarehouse.NIGHT);
    // Both components moved from python slim (July) to distroless (October) in Q4.
    long baseReduction = truth.image("mirror/python", "3.11-slim").uncompressedBytes()
        - truth.image("mirror/distroless-python", "3.11").uncompressedBytes();
    assertThat(content.reductions()).containsExactly(
        expected("api-server", baseReduction), expected("celery-worker", baseReduction));
    String markdown = read("image-census-2026-Q4.md");
    assertThat(markdown.lines()).contains(
        "| api-server | 419.8 kB | 350.2 kB | 69.6 kB | 16.6 % | 149.0 kB | 127.3 kB | slim | distroless | 64.5 kB |",
        "| celery-worker | 407.6 kB | 337.9 kB | 69.6 kB | 17.1 % | 144.3 kB | 122.6 kB | slim | distroless | 64.5 kB |",
        "**In 2026-Q4 the images of 2 components went from 827.4 kB to 688.1 kB uncompressed: 16.8 % smaller."
            + " Since the start of 2026: 2.4 MB to 688.1 kB, 70.7 % smaller.**",
        "No build of 2026-Q4 grew by more than 10.0 % over the build before it.");
    assertThat(content.regressions()).isEmpty();
  }

  @Test
  void regressionsAreThoseOfComponentBuildsCreatedInTheQuarter() {
    StructType schema = new StructType()
        .add("component", DataTypes.StringType).add("repository", DataTypes.StringType)
        .add("platform", DataTypes.StringType).add("digest", DataTypes.StringType)
        .add("created", DataTypes.TimestampType).add("compressed_bytes", DataTypes.LongType)
        .add("delta_bytes", DataTypes.LongType).add("base_delta_bytes", DataTypes.LongType)
        .add("app_delta_bytes", DataTypes.LongType).add("regression", DataTypes.BooleanType);
    List<Row> rows = List.of(
        trend("api-server", "sha256:b", "2026-12-31T23:59:59Z", true),   // last second of Q4
        trend("api-server", "sha256:a", "2026-10-01T00:00:00Z", true),   // first second of Q4
        trend("api-server", "sha256:c", "2027-01-01T00:00:00Z", true),   // Q1 of the next year
        trend("api-server", "sha256:d", "2026-09-30T23:59:59Z", true),   // Q3
        trend(null, "sha256:e", "2026-11-01T00:00:00Z", true),          // a base-catalogue image
        trend("flower", "sha256:f", "2026-11-01T00:00:00Z", false),     // grew, under the threshold
        trend("api-server", "sha256:g", null, true));                    // no creation time
    List<ReportContent.Regression> regressions =
        ReportData.regressions(SharedSpark.get().createDataFrame(rows, schema), Q4);
    assertThat(regressions).containsExactly(
        new ReportContent.Regression("api-server", "erp/api-server", "linux/amd64", "sha256:a",
            Instant.parse("2026-10-01T00:00:00Z"), 1_200L, 200L, 150L, 50L),
        new ReportContent.Regression("api-server", "erp/api-server", "linux/amd64", "sha256:b",
            Instant.parse("2026-12-31T23:59:59Z"), 1_200L, 200L, 150L, 50L));
  }

  private static Row trend(String component, String digest, String created, boolean regression) {
    return RowFactory.create(component, "erp/api-server", "linux/amd64", digest,
        created == null ? null : Timestamp.from(Instant.parse(created)), 1_200L, 200L, 150L, 50L, regression);
  }

  @Test
  void sinceTheStartOfTheYearIsTheTeamsTable() {
    // From the January build on the full Python base to the October build on distroless.
    List<ReportContent.Reduction> year = ReportView.sinceYearStart(content);
    assertThat(year).hasSize(2);
    for (ReportContent.Reduction row : year) {
      EstateImage january = truth.image("erp/" + row.component(), "2026.01.0");
      EstateImage october = truth.image("erp/" + row.component(), "2026.10.0");
      long reduction = january.uncompressedBytes() - october.uncompressedBytes();
      assertThat(row).isEqualTo(new ReportContent.Reduction(row.component(), "2026-Q1", "builds",
          january.compressedBytes(), october.compressedBytes(), january.uncompressedBytes(),
          october.uncompressedBytes(), reduction, reduction * 100.0 / january.uncompressedBytes(), "full",
          "distroless", null));
    }
    // api-server: 1,225,216 -> 350,208 bytes.
    assertThat(truth.image("erp/api-server", "2026.01.0").uncompressedBytes()).isEqualTo(1_225_216L);
    assertThat(truth.image("erp/api-server", "2026.10.0").uncompressedBytes()).isEqualTo(350_208L);
    assertThat(read("image-census-2026-Q4.md").lines()).anyMatch(line -> line.startsWith(
        "| api-server | 2026-Q1 | 1.2 MB | 350.2 kB | 875.0 kB | 71.4 % | "));
  }

  private ReportContent.Reduction expected(String component, long baseReduction) {
    EstateImage before = truth.image("erp/" + component, "2026.07.0");
    EstateImage after = truth.image("erp/" + component, "2026.10.0");
    long reduction = before.uncompressedBytes() - after.uncompressedBytes();
    double pct = BigDecimal.valueOf(reduction * 100).divide(BigDecimal.valueOf(before.uncompressedBytes()), 1,
        RoundingMode.HALF_UP).doubleValue();
    return new ReportContent.Reduction(component, "2026-Q4", "builds", before.compressedBytes(), after.compressedBytes(),
        before.uncompressedBytes(), after.uncompressedBytes(), reduction, pct, "slim", "distroless", baseReduction);
  }

  @Test
  void trendsAndAdoptionCoverTheFourQuartersOf2026() {
    List<ReportContent.QuarterSize> apiServer = content.sizes().stream()
        .filter(s -> s.component().equals("api-server")).toList();
    List<Long> expected = new ArrayList<>();
    for (String tag : List.of("2026.01.0", "2026.04.0", "2026.07.0", "2026.10.0")) {
      expected.add(truth.image("erp/api-server", tag).uncompressedBytes());
    }
    assertThat(apiServer).extracting(ReportContent.QuarterSize::quarter)
        .containsExactly("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4");
    assertThat(apiServer).extracting(ReportContent.QuarterSize::lastUncompressedBytes).containsExactlyElementsOf(expected);
    assertThat(content.adoption().stream().filter(a -> a.component().equals("api-server")))
        .containsExactly(new ReportContent.FamilyCount("api-server", "2026-Q1", "full", 1),
            new ReportContent.FamilyCount("api-server", "2026-Q2", "slim", 1),
            new ReportContent.FamilyCount("api-server", "2026-Q3", "slim", 1),
            new ReportContent.FamilyCount("api-server", "2026-Q4", "distroless", 1));
  }

  @Test
  void dedupPostureAndSharedLayersMatchTheEstate() {
    ReportContent.Dedup apiServer = content.dedup().stream().filter(d -> d.component().equals("api-server"))
        .findFirst().orElseThrow();
    List<EstateImage> images = distinct(truth.images("erp/api-server"));
    Map<String, Long> layers = layerSizes(images);
    Set<String> elsewhere = new TreeSet<>();
    truth.images().stream().filter(i -> !i.repository().equals("erp/api-server"))
        .forEach(i -> i.layers().forEach(l -> elsewhere.add(l.digest())));
    assertThat(apiServer).isEqualTo(new ReportContent.Dedup("api-server", images.size(),
        images.stream().mapToLong(EstateImage::compressedBytes).sum(),
        layers.values().stream().mapToLong(Long::longValue).sum(),
        layers.entrySet().stream().filter(e -> !elsewhere.contains(e.getKey())).mapToLong(Map.Entry::getValue).sum()));

    for (ReportContent.Posture posture : content.posture()) {
      List<EstateImage> ofComponent = distinct(truth.images("erp/" + posture.component()));
      assertThat(posture).isEqualTo(new ReportContent.Posture(posture.component(), ofComponent.size(),
          share(ofComponent, i -> !i.runsAsRoot()), share(ofComponent, EstateImage::hasHealthcheck)));
    }
    assertThat(content.posture()).extracting(ReportContent.Posture::component)
        .containsExactly("api-server", "celery-worker", "flower", "redis");

    // Layers by how many distinct images use them, then by size: the estate's ten most shared.
    Map<String, Set<String>> imagesByLayer = new HashMap<>();
    Map<String, Long> sizes = new HashMap<>();
    for (EstateImage image : truth.images()) {
      for (EstateLayer layer : image.layers()) {
        imagesByLayer.computeIfAbsent(layer.digest(), d -> new TreeSet<>()).add(image.digest());
        sizes.put(layer.digest(), layer.compressedSize());
      }
    }
    List<String> top = imagesByLayer.keySet().stream().filter(d -> imagesByLayer.get(d).size() > 1)
        .sorted(Comparator.<String>comparingInt(d -> -imagesByLayer.get(d).size())
            .thenComparing(d -> -sizes.get(d)).thenComparing(d -> d))
        .limit(ReportData.TOP_SHARED_LAYERS).toList();
    assertThat(content.sharedLayers()).extracting(ReportContent.SharedLayer::layerDigest).containsExactlyElementsOf(top);
    assertThat(content.sharedLayers()).extracting(ReportContent.SharedLayer::images)
        .containsExactlyElementsOf(top.stream().map(d -> (long) imagesByLayer.get(d).size()).toList());
  }

  @Test
  void aQuarterWithoutAnalyticsNamesTheFix() {
    assertThatThrownBy(() -> ReportData.load(warehouse, Quarter.parse("2027-Q1"), Optional.empty(), 0.10))
        .hasMessage("the warehouse " + warehouse.root() + " has no quarterly_size_reduction rows for 2027-Q1"
            + " (it has 2026-Q1 to 2026-Q4); run image-census analyze (or run) for a snapshot date in or after"
            + " that quarter first");
    assertThatThrownBy(() -> ReportData.load(warehouse, Q4, Optional.of(SampleWarehouse.NIGHT.minusDays(1)), 0.10))
        .hasMessage("the warehouse " + warehouse.root() + " has no quarterly_size_reduction rows for 2026-Q4"
            + " in snapshot 2026-12-03 (it has 2026-Q1 to 2026-Q4); run image-census analyze --snapshot-date"
            + " 2026-12-03 first, or pick another --snapshot-date");
  }

  @Test
  void chromiumShowsEveryChartWithItsDataAndNoErrors() throws IOException {
    Path html = directory.resolve("image-census-2026-Q4.html");
    try (HeadlessChromium browser = HeadlessChromium.start()) {
      browser.open(html.toUri());
      Map<String, List<String>> expected = new LinkedHashMap<>();
      expected.put("size-trend", content.sizes().stream().filter(s -> s.lastUncompressedBytes() != null)
          .map(s -> s.component() + "|" + s.quarter()).toList());
      Map<String, Long> adoption = new LinkedHashMap<>();
      content.adoption().forEach(a -> adoption.merge(a.family() + "|" + a.quarter(), a.images(), Long::sum));
      expected.put("base-adoption", List.copyOf(adoption.keySet()));
      expected.put("dedup", content.dedup().stream().flatMap(d -> Set.of("logical", "unique", "exclusive").stream()
          .map(series -> series + "|" + d.component())).toList());
      expected.put("posture", content.posture().stream().flatMap(p -> Set.of("non-root", "healthcheck").stream()
          .map(series -> series + "|" + p.component())).toList());
      for (Map.Entry<String, List<String>> chart : expected.entrySet()) {
        JsonNode points = browser.evaluate("Array.from(document.querySelectorAll('#chart-" + chart.getKey()
            + " g')).map(g => g.getAttribute('jfreesvg:ref')).filter(r => r && r.startsWith('{'))"
            + ".map(r => JSON.parse(r)).map(o => o.rowKey + '|' + o.columnKey)");
        List<String> found = new ArrayList<>();
        points.forEach(p -> found.add(p.asText()));
        assertThat(found).as(chart.getKey()).hasSize(chart.getValue().size())
            .containsExactlyInAnyOrderElementsOf(chart.getValue());
        assertThat(browser.evaluate("document.getElementById('chart-" + chart.getKey()
            + "').getBoundingClientRect().height").asDouble()).as(chart.getKey() + " height").isGreaterThan(200);
      }
      assertThat(browser.evaluate("document.querySelector('#reduction tbody tr').innerText.split('\\t')"))
          .extracting(JsonNode::asText).containsExactly("api-server", "419.8 kB", "350.2 kB", "69.6 kB", "16.6 %",
              "149.0 kB", "127.3 kB", "slim", "distroless", "64.5 kB");
      assertThat(browser.evaluate("document.title").asText()).isEqualTo("Container image sizes, 2026-Q4");
      browser.screenshot(SCREENSHOT, 1280);
      assertThat(browser.errors()).isEmpty();
    }
    assertThat(Files.size(SCREENSHOT)).isGreaterThan(10_000);
  }

  private String read(String name) {
    try {
      return Files.readString(directory.resolve(name));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static List<EstateImage> distinct(List<EstateImage> images) {
    Map<String, EstateImage> byDigest = new LinkedHashMap<>();
    images.forEach(i -> byDigest.putIfAbsent(i.digest(), i));
    return List.copyOf(byDigest.values());
  }

  private static Map<String, Long> layerSizes(List<EstateImage> images) {
    Map<String, Long> sizes = new HashMap<>();
    images.forEach(i -> i.layers().forEach(l -> sizes.put(l.digest(), l.compressedSize())));
    return sizes;
  }

  private static double share(List<EstateImage> images, Predicate<EstateImage> test) {
    return images.stream().filter(test).count() / (double) images.size();
  }
}
