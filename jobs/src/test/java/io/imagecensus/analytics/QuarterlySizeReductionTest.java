package io.imagecensus.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagecensus.model.Table;
import io.imagecensus.testing.SharedSpark;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class QuarterlySizeReductionTest {
  private static final SparkSession SPARK = SharedSpark.get();

  // api-server, linux/amd64: full base in January, slim in April, slim multi-stage in July, distroless in October.
  static final String JAN = digest('1');
  static final String JAN_REBUILD = digest('2');
  static final String APR = digest('3');
  static final String JUL = digest('4');
  static final String OCT = digest('5');
  /** The arm64 sibling of APR, created later than it: another platform, never compared. */
  static final String APR_ARM = digest('6');
  static final String APR_INDEX = digest('i');
  static final String UNDATED = digest('7');
  // celery-worker: full in December 2025, distroless in February 2026 (the team's ~70 %).
  static final String WORKER_DEC = digest('a');
  static final String WORKER_FEB = digest('b');
  // flower has no linux/amd64 image: linux/arm/v7 sorts before linux/arm64/v8.
  static final String FLOWER_ARM_V7 = digest('c');
  static final String FLOWER_ARM64 = digest('d');
  static final String FLOWER_ARM_V7_MAY = digest('e');
  static final String MIRROR = digest('m');

  static String digest(char c) {
    return "sha256:" + String.valueOf(c).repeat(64);
  }

  static Object[] imageValues(String repository, String component, String digest, String indexDigest,
      String architecture, String variant, String created, long compressed, Long uncompressed) {
    return new Object[] {"erp", repository, component, digest, indexDigest,
        "application/vnd.oci.image.manifest.v1+json", "linux", architecture, variant, "sha256:config-" + digest,
        created == null ? null : Timestamp.from(Instant.parse(created)), 2, compressed, uncompressed, "1000", false,
        true, List.of(), 5, Map.of(), Map.of(), null, null, 1000L, 2000L};
  }

  static Row image(String repository, String component, String digest, String indexDigest, String architecture,
      String variant, String created, long compressed, Long uncompressed) {
    return RowFactory.create(imageValues(repository, component, digest, indexDigest, architecture, variant, created,
        compressed, uncompressed));
  }

  /** An amd64 image of erp/api-server as seen on one night. */
  static Row nightImage(String night, String digest, String indexDigest, String architecture, String variant,
      String created, long compressed, Long uncompressed) {
    Object[] values = imageValues("erp/api-server", "api-server", digest, indexDigest, architecture, variant,
        created, compressed, uncompressed);
    Object[] withNight = new Object[values.length + 1];
    withNight[0] = Date.valueOf(LocalDate.parse(night));
    System.arraycopy(values, 0, withNight, 1, values.length);
    return RowFactory.create(withNight);
  }

  static Row tag(String night, String repository, String component, String tag, String digest) {
    return RowFactory.create(Date.valueOf(LocalDate.parse(night)), "erp", repository, component, tag, digest,
        "application/vnd.oci.image.manifest.v1+json");
  }

  static Row base(String image, String family, long baseUncompressed) {
    return RowFactory.create(image, "mirror/python:" + family, "sha256:base-" + family, family, "layers", 1,
        baseUncompressed / 3, baseUncompressed, 1.0);
  }

  static Dataset<Row> images() {
    return SPARK.createDataFrame(List.of(
        image("erp/api-server", "api-server", JAN, null, "amd64", null, "2026-01-15T10:00:00Z", 500, 1200L),
        image("erp/api-server", "api-server", JAN_REBUILD, null, "amd64", null, "2026-02-01T10:00:00Z", 510, 1210L),
        image("erp/api-server", "api-server", APR, null, "amd64", null, "2026-04-10T10:00:00Z", 270, 700L),
        image("erp/api-server", "api-server", APR_ARM, APR_INDEX, "arm64", "v8", "2026-10-02T10:00:00Z", 999, 9999L),
        image("erp/api-server", "api-server", JUL, null, "amd64", null, "2026-07-10T10:00:00Z", 210, 500L),
        image("erp/api-server", "api-server", OCT, null, "amd64", null, "2026-10-05T10:00:00Z", 80, 350L),
        // Without a created time a build cannot be placed in a quarter.
        image("erp/api-server", "api-server", UNDATED, null, "amd64", null, null, 1, 1L),
        image("erp/celery-worker", "celery-worker", WORKER_DEC, null, "amd64", null, "2025-12-15T10:00:00Z", 480,
            1200L),
        image("erp/celery-worker", "celery-worker", WORKER_FEB, null, "amd64", null, "2026-02-10T10:00:00Z", 90,
            350L),
        image("erp/flower", "flower", FLOWER_ARM_V7, null, "arm", "v7", "2026-03-01T10:00:00Z", 100, 300L),
        image("erp/flower", "flower", FLOWER_ARM64, null, "arm64", "v8", "2026-03-01T10:00:00Z", 200, 600L),
        image("erp/flower", "flower", FLOWER_ARM_V7_MAY, null, "arm", "v7", "2026-05-01T10:00:00Z", 90, 270L),
        image("mirror/python", null, MIRROR, null, "amd64", null, "2026-01-01T00:00:00Z", 300, 900L)),
        Table.IMAGES.schema());
  }

  static Dataset<Row> imageBases() {
    // flower's images have no row: unknown families and no base reduction.
    return SPARK.createDataFrame(List.of(
        base(JAN, "full", 900), base(JAN_REBUILD, "full", 900), base(APR, "slim", 400), base(JUL, "slim", 400),
        base(OCT, "distroless", 30), base(WORKER_DEC, "full", 900), base(WORKER_FEB, "distroless", 30)),
        Table.IMAGE_BASES.schema());
  }

  static List<List<Object>> sorted(Dataset<Row> rows) {
    return RowValues.sorted(rows);
  }

  static List<Object> row(Object... values) {
    return Arrays.asList(values);
  }

  // component, quarter, method, before digest, before created, after digest, after created,
  // before/after compressed, before/after uncompressed, reduction, %, families, base reduction
  static final List<Object> API_Q1 = row("api-server", "2026-Q1", "builds",
      JAN, "2026-01-15T10:00:00Z", JAN_REBUILD, "2026-02-01T10:00:00Z", 500L, 510L, 1200L, 1210L,
      -10L, -0.8, "full", "full", 0L);
  static final List<Object> API_Q2 = row("api-server", "2026-Q2", "builds",
      JAN_REBUILD, "2026-02-01T10:00:00Z", APR, "2026-04-10T10:00:00Z", 510L, 270L, 1210L, 700L,
      510L, 42.1, "full", "slim", 500L);
  static final List<Object> API_Q3 = row("api-server", "2026-Q3", "builds",
      APR, "2026-04-10T10:00:00Z", JUL, "2026-07-10T10:00:00Z", 270L, 210L, 700L, 500L,
      200L, 28.6, "slim", "slim", 0L);
  static final List<Object> API_Q4 = row("api-server", "2026-Q4", "builds",
      JUL, "2026-07-10T10:00:00Z", OCT, "2026-10-05T10:00:00Z", 210L, 80L, 500L, 350L,
      150L, 30.0, "slim", "distroless", 370L);
  static final List<List<Object>> OTHER_COMPONENTS = List.of(
      // A quarter without a new build still gets its row: nothing changed.
      row("celery-worker", "2025-Q4", "builds",
          WORKER_DEC, "2025-12-15T10:00:00Z", WORKER_DEC, "2025-12-15T10:00:00Z", 480L, 480L, 1200L, 1200L,
          0L, 0.0, "full", "full", 0L),
      // 1200 -> 350: 850 / 1200 = 70.8 %, of which the base gave 900 - 30 = 870 (the app grew by 20).
      row("celery-worker", "2026-Q1", "builds",
          WORKER_DEC, "2025-12-15T10:00:00Z", WORKER_FEB, "2026-02-10T10:00:00Z", 480L, 90L, 1200L, 350L,
          850L, 70.8, "full", "distroless", 870L),
      row("flower", "2026-Q1", "builds",
          FLOWER_ARM_V7, "2026-03-01T10:00:00Z", FLOWER_ARM_V7, "2026-03-01T10:00:00Z", 100L, 100L, 300L, 300L,
          0L, 0.0, "unknown", "unknown", null),
      row("flower", "2026-Q2", "builds",
          FLOWER_ARM_V7, "2026-03-01T10:00:00Z", FLOWER_ARM_V7_MAY, "2026-05-01T10:00:00Z", 100L, 90L, 300L, 270L,
          30L, 10.0, "unknown", "unknown", null));

  static void assertSchema(Dataset<Row> rows) {
    Table table = Table.QUARTERLY_SIZE_REDUCTION;
    assertThat(rows.schema().fieldNames()).containsExactly(table.schema().fieldNames());
    assertThat(rows.schema().sameType(table.schema())).as("types of %s", rows.schema().simpleString()).isTrue();
  }

  @Test
  void withoutTagHistoryEachQuarterComparesTheBuildsCurrentAtItsStartAndEnd() {
    Dataset<Row> noTags = SPARK.createDataFrame(List.of(), Table.TAGS.schemaWithPartition());
    Dataset<Row> noHistory = SPARK.createDataFrame(List.of(), Table.IMAGES.schemaWithPartition());

    Dataset<Row> reduction = QuarterlySizeReduction.compute(noTags, noHistory, images(), imageBases());

    assertSchema(reduction);
    List<List<Object>> expected = new ArrayList<>(List.of(API_Q1, API_Q2, API_Q3, API_Q4));
    expected.addAll(OTHER_COMPONENTS);
    assertThat(sorted(reduction)).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void aQuarterWithTwoNightsOfTagHistoryComparesWhatTheTagsPointedTo() {
    Dataset<Row> allTags = SPARK.createDataFrame(List.of(
        // One night in Q3 is not enough for a "tags" row.
        tag("2026-07-01", "erp/api-server", "api-server", "latest", APR),
        // On the first night of Q4, latest still names April's index although July's build exists.
        tag("2026-10-01", "erp/api-server", "api-server", "latest", APR_INDEX),
        tag("2026-10-01", "erp/api-server", "api-server", "stable", JAN),
        tag("2026-10-01", "erp/api-server", "api-server", "broken", null),
        tag("2026-10-01", "mirror/python", null, "3.12-slim", MIRROR),
        tag("2026-12-04", "erp/api-server", "api-server", "latest", OCT),
        tag("2026-12-04", "erp/api-server", "api-server", "stable", JAN)),
        Table.TAGS.schemaWithPartition());
    Dataset<Row> allImages = SPARK.createDataFrame(List.of(
        nightImage("2026-07-01", APR, null, "amd64", null, "2026-04-10T10:00:00Z", 270, 700L),
        nightImage("2026-10-01", APR, APR_INDEX, "amd64", null, "2026-04-10T10:00:00Z", 270, 700L),
        nightImage("2026-10-01", APR_ARM, APR_INDEX, "arm64", "v8", "2026-10-02T10:00:00Z", 999, 9999L),
        nightImage("2026-10-01", JAN, null, "amd64", null, "2026-01-15T10:00:00Z", 500, 1200L),
        nightImage("2026-12-04", OCT, null, "amd64", null, "2026-10-05T10:00:00Z", 80, 350L),
        nightImage("2026-12-04", JAN, null, "amd64", null, "2026-01-15T10:00:00Z", 500, 1200L)),
        Table.IMAGES.schemaWithPartition());

    Dataset<Row> reduction = QuarterlySizeReduction.compute(allTags, allImages, images(), imageBases());

    assertSchema(reduction);
    // Deployed April -> October, not built July -> October: 700 -> 350 is 50 %.
    List<Object> tagsQ4 = row("api-server", "2026-Q4", "tags",
        APR, "2026-04-10T10:00:00Z", OCT, "2026-10-05T10:00:00Z", 270L, 80L, 700L, 350L,
        350L, 50.0, "slim", "distroless", 370L);
    List<List<Object>> expected = new ArrayList<>(List.of(API_Q1, API_Q2, API_Q3, tagsQ4));
    expected.addAll(OTHER_COMPONENTS);
    assertThat(sorted(reduction)).containsExactlyInAnyOrderElementsOf(expected);
  }
}
