package io.imagecensus.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagecensus.model.Table;
import io.imagecensus.testing.SharedSpark;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class SizeTrendsTest {
  private static final SparkSession SPARK = SharedSpark.get();

  // api-server's builds of 2026 on linux/amd64: full base, a rebuild, slim, two growths, multi-stage, distroless.
  static final String JAN = digest('1');
  static final String JAN_REBUILD = digest('2');
  static final String APR = digest('3');
  static final String APR_GROWTH = digest('4');
  static final String MAY = digest('5');
  static final String JUL = digest('6');
  static final String OCT = digest('7');
  /** The arm64 sibling of JAN in one index. */
  static final String JAN_ARM = digest('8');
  static final String JAN_INDEX = digest('i');
  static final String FLOWER_UNDATED = digest('f');
  static final String FLOWER_MARCH = digest('g');

  static final String FULL_BASE = digest('A');
  static final String SLIM_BASE = digest('B');
  static final String DISTROLESS_BASE = digest('C');
  static final String FULL_BASE_ARM = digest('D');
  static final String EMPTY_LAYER = digest('E');

  static String digest(char c) {
    return "sha256:" + String.valueOf(c).repeat(64);
  }

  static Timestamp at(String instant) {
    return Timestamp.from(Instant.parse(instant));
  }

  static Row image(String repository, String component, String digest, String indexDigest, String architecture,
      String variant, String created, int layerCount, long compressed, Long uncompressed) {
    return RowFactory.create("erp", repository, component, digest, indexDigest,
        "application/vnd.oci.image.manifest.v1+json", "linux", architecture, variant, "sha256:config-" + digest,
        created == null ? null : at(created), layerCount, compressed, uncompressed, "1000", false, true,
        List.of("8000/tcp"), layerCount + 3, Map.of(), Map.of(), null, null, 1000L, 2000L);
  }

  static Row layer(String image, int position, String layer, long compressed, Long uncompressed) {
    return RowFactory.create(image, position, layer, "sha256:diff-" + layer, compressed, uncompressed,
        "application/vnd.oci.image.layer.v1.tar+gzip", "RUN step " + position);
  }

  static Row base(String image, String family, long baseCompressed, Long baseUncompressed) {
    return RowFactory.create(image, "mirror/python:" + family, "sha256:base-" + family, family, "layers", 1,
        baseCompressed, baseUncompressed, 1.0);
  }

  static Dataset<Row> images() {
    return SPARK.createDataFrame(List.of(
        // JAN is tagged directly and also reached through an index: one build, not two.
        image("erp/api-server", "api-server", JAN, null, "amd64", null, "2026-01-15T10:00:00Z", 2, 500, 1200L),
        image("erp/api-server", "api-server", JAN, JAN_INDEX, "amd64", null, "2026-01-15T10:00:00Z", 2, 500, 1200L),
        image("erp/api-server", "api-server", JAN_ARM, JAN_INDEX, "arm64", "v8", "2026-01-15T10:00:00Z", 3, 444, null),
        image("erp/api-server", "api-server", JAN_REBUILD, null, "amd64", null, "2026-01-20T10:00:00Z", 2, 510, 1210L),
        image("erp/api-server", "api-server", APR, null, "amd64", null, "2026-04-10T10:00:00Z", 2, 270, 700L),
        image("erp/api-server", "api-server", APR_GROWTH, null, "amd64", null, "2026-04-20T10:00:00Z", 2, 297, 697L),
        image("erp/api-server", "api-server", MAY, null, "amd64", null, "2026-05-05T10:00:00Z", 2, 327, 730L),
        image("erp/api-server", "api-server", JUL, null, "amd64", null, "2026-07-10T10:00:00Z", 2, 210, 500L),
        image("erp/api-server", "api-server", OCT, null, "amd64", null, "2026-10-05T10:00:00Z", 2, 80, 350L),
        // The same APR digest in a second repository starts that repository's own history.
        image("erp/api-server-legacy", "api-server", APR, null, "amd64", null, "2026-04-10T10:00:00Z", 2, 270, 700L),
        // A build without a created time sorts before every dated build of its repository.
        image("erp/flower", "flower", FLOWER_MARCH, null, "amd64", null, "2026-03-01T00:00:00Z", 1, 100, 400L),
        image("erp/flower", "flower", FLOWER_UNDATED, null, "amd64", null, null, 1, 100, 400L)),
        Table.IMAGES.schema());
  }

  static Dataset<Row> imageLayers() {
    return SPARK.createDataFrame(List.of(
        layer(JAN, 0, FULL_BASE, 400, 900L), layer(JAN, 1, digest('a'), 100, 300L),
        // The arm64 image uses the empty layer twice: a node pulls it once.
        layer(JAN_ARM, 0, FULL_BASE_ARM, 380, null), layer(JAN_ARM, 1, EMPTY_LAYER, 32, 1024L),
        layer(JAN_ARM, 2, EMPTY_LAYER, 32, 1024L),
        // The rebuild changes only the top layer.
        layer(JAN_REBUILD, 0, FULL_BASE, 400, 900L), layer(JAN_REBUILD, 1, digest('b'), 110, 310L),
        layer(APR, 0, SLIM_BASE, 150, 400L), layer(APR, 1, digest('c'), 120, 300L),
        layer(APR_GROWTH, 0, SLIM_BASE, 150, 400L), layer(APR_GROWTH, 1, digest('d'), 147, 297L),
        layer(MAY, 0, SLIM_BASE, 150, 400L), layer(MAY, 1, digest('e'), 177, 330L),
        layer(JUL, 0, SLIM_BASE, 150, 400L), layer(JUL, 1, digest('h'), 60, 100L),
        layer(OCT, 0, DISTROLESS_BASE, 20, 30L), layer(OCT, 1, digest('j'), 60, 320L),
        layer(FLOWER_UNDATED, 0, digest('k'), 100, 400L),
        layer(FLOWER_MARCH, 0, digest('k'), 100, 400L)),
        Table.IMAGE_LAYERS.schema());
  }

  static Dataset<Row> imageBases() {
    // JAN_ARM and flower's images have no row: their family is unknown and base deltas null.
    return SPARK.createDataFrame(List.of(
        base(JAN, "full", 400, 900L), base(JAN_REBUILD, "full", 400, 900L),
        base(APR, "slim", 150, 400L), base(APR_GROWTH, "slim", 150, 400L), base(MAY, "slim", 150, 400L),
        base(JUL, "slim", 150, 400L), base(OCT, "distroless", 20, 30L)),
        Table.IMAGE_BASES.schema());
  }

  static List<List<Object>> sorted(Dataset<Row> rows) {
    return RowValues.sorted(rows);
  }

  /** Same column names, order and types as declared; nullability is the writer's concern. */
  static void assertSchema(Dataset<Row> rows, Table table) {
    assertThat(rows.schema().fieldNames()).containsExactly(table.schema().fieldNames());
    assertThat(rows.schema().sameType(table.schema())).as("types of %s", rows.schema().simpleString()).isTrue();
  }

  static List<Object> row(Object... values) {
    return Arrays.asList(values);
  }

  @Test
  void buildsAreComparedWithThePreviousBuildOfTheirRepositoryAndPlatform() {
    Dataset<Row> trends = SizeTrends.builds(images(), imageLayers(), imageBases(), 0.10);

    assertSchema(trends, Table.SIZE_TRENDS);
    // registry, repository, component, platform, digest, created, compressed, uncompressed, family,
    // previous, delta, base delta, app delta, update cost, regression
    assertThat(sorted(trends)).containsExactlyInAnyOrderElementsOf(List.of(
        row("erp", "erp/api-server", "api-server", "linux/amd64", JAN, "2026-01-15T10:00:00Z", 500L, 1200L,
            "full", null, null, null, null, 500L, false),
        // Only the top layer changed: the update costs just that layer.
        row("erp", "erp/api-server", "api-server", "linux/amd64", JAN_REBUILD, "2026-01-20T10:00:00Z", 510L, 1210L,
            "full", JAN, 10L, 0L, 10L, 110L, false),
        // The move to slim: the base shrank by 250, the application grew by 10.
        row("erp", "erp/api-server", "api-server", "linux/amd64", APR, "2026-04-10T10:00:00Z", 270L, 700L,
            "slim", JAN_REBUILD, -240L, -250L, 10L, 270L, false),
        // Exactly 10 % growth (270 -> 297) is not a regression at a 10 % threshold ...
        row("erp", "erp/api-server", "api-server", "linux/amd64", APR_GROWTH, "2026-04-20T10:00:00Z", 297L, 697L,
            "slim", APR, 27L, 0L, 27L, 147L, false),
        // ... 297 -> 327 (10.1 %) is.
        row("erp", "erp/api-server", "api-server", "linux/amd64", MAY, "2026-05-05T10:00:00Z", 327L, 730L,
            "slim", APR_GROWTH, 30L, 0L, 30L, 177L, true),
        row("erp", "erp/api-server", "api-server", "linux/amd64", JUL, "2026-07-10T10:00:00Z", 210L, 500L,
            "slim", MAY, -117L, 0L, -117L, 60L, false),
        row("erp", "erp/api-server", "api-server", "linux/amd64", OCT, "2026-10-05T10:00:00Z", 80L, 350L,
            "distroless", JUL, -130L, -130L, 0L, 80L, false),
        // Its own platform chain; the empty layer used twice costs 32 once, no image_bases row.
        row("erp", "erp/api-server", "api-server", "linux/arm64/v8", JAN_ARM, "2026-01-15T10:00:00Z", 444L, null,
            "unknown", null, null, null, null, 412L, false),
        row("erp", "erp/api-server-legacy", "api-server", "linux/amd64", APR, "2026-04-10T10:00:00Z", 270L, 700L,
            "slim", null, null, null, null, 270L, false),
        row("erp", "erp/flower", "flower", "linux/amd64", FLOWER_UNDATED, null, 100L, 400L,
            "unknown", null, null, null, null, 100L, false),
        // Same layers as the build before: nothing to pull; no base sizes known, so no split.
        row("erp", "erp/flower", "flower", "linux/amd64", FLOWER_MARCH, "2026-03-01T00:00:00Z", 100L, 400L,
            "unknown", FLOWER_UNDATED, 0L, null, null, 0L, false)));
  }

  @Test
  void aHigherThresholdFlagsNoRegression() {
    Dataset<Row> trends = SizeTrends.builds(images(), imageLayers(), imageBases(), 0.25);

    assertThat(trends.filter("regression").count()).isZero();
  }

  @Test
  void aNegativeThresholdIsRejected() {
    assertThatThrownBy(() -> SizeTrends.builds(images(), imageLayers(), imageBases(), -0.1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-0.1");
  }

  static Row trend(String component, String digest, String created, long compressed, Long uncompressed,
      long updateCost, boolean regression) {
    return RowFactory.create("erp", "erp/" + component, component, "linux/amd64", digest,
        created == null ? null : at(created), compressed, uncompressed, "slim", null, null, null, null,
        updateCost, regression);
  }

  @Test
  void periodsAggregateBuildsPerComponentByIsoWeekMonthAndQuarter() {
    Dataset<Row> trends = SPARK.createDataFrame(List.of(
        trend("api-server", digest('1'), "2026-10-05T08:00:00Z", 100, 300L, 100, false),
        trend("api-server", digest('2'), "2026-10-07T12:00:00Z", 111, 311L, 11, true),
        // Created at the same instant as digest 2: the greater digest is the last build.
        trend("api-server", digest('3'), "2026-10-07T12:00:00Z", 106, null, 5, false),
        trend("api-server", digest('4'), "2026-10-20T09:00:00Z", 120, 320L, 20, false),
        // 2027-01-01 and -02 fall in ISO week 53 of 2026.
        trend("api-server", digest('5'), "2027-01-01T09:00:00Z", 130, 330L, 30, false),
        trend("api-server", digest('6'), "2027-01-02T09:00:00Z", 131, 331L, 7, false),
        // 2025-12-29 is the Monday of ISO week 1 of 2026.
        trend("flower", digest('7'), "2025-12-29T23:00:00Z", 50, 60L, 50, false),
        trend("flower", digest('8'), null, 999, 999L, 999, true),
        trend(null, digest('9'), "2026-10-05T08:00:00Z", 999, 999L, 999, true)),
        Table.SIZE_TRENDS.schema());

    Dataset<Row> periods = SizeTrends.periods(trends);

    assertSchema(periods, Table.SIZE_TREND_PERIODS);
    // component, period type, period, builds, mean, max, last compressed, last uncompressed, mean update cost, regressions
    assertThat(sorted(periods)).containsExactlyInAnyOrderElementsOf(List.of(
        // (100 + 111 + 106) / 3 = 105.67 -> 106; update cost (100 + 11 + 5) / 3 = 38.67 -> 39
        row("api-server", "week", "2026-W41", 3L, 106L, 111L, 106L, null, 39L, 1L),
        row("api-server", "week", "2026-W43", 1L, 120L, 120L, 120L, 320L, 20L, 0L),
        // (130 + 131) / 2 = 130.5 -> 131 and (30 + 7) / 2 = 18.5 -> 19: halves round up
        row("api-server", "week", "2026-W53", 2L, 131L, 131L, 131L, 331L, 19L, 0L),
        // 437 / 4 = 109.25 -> 109; 136 / 4 = 34
        row("api-server", "month", "2026-10", 4L, 109L, 120L, 120L, 320L, 34L, 1L),
        row("api-server", "month", "2027-01", 2L, 131L, 131L, 131L, 331L, 19L, 0L),
        row("api-server", "quarter", "2026-Q4", 4L, 109L, 120L, 120L, 320L, 34L, 1L),
        row("api-server", "quarter", "2027-Q1", 2L, 131L, 131L, 131L, 331L, 19L, 0L),
        row("flower", "week", "2026-W01", 1L, 50L, 50L, 50L, 60L, 50L, 0L),
        row("flower", "month", "2025-12", 1L, 50L, 50L, 50L, 60L, 50L, 0L),
        row("flower", "quarter", "2025-Q4", 1L, 50L, 50L, 50L, 60L, 50L, 0L)));
  }
}
