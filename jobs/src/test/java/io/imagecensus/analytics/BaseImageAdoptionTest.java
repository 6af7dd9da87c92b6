package io.imagecensus.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagecensus.model.Table;
import io.imagecensus.testing.SharedSpark;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** Counts and shares of base families per component, tonight and per creation quarter. */
class BaseImageAdoptionTest {

  @Test
  void countsAndSharesPerSnapshotAndQuarter() {
    SparkSession spark = SharedSpark.get();
    List<Row> images = List.of(
        image("erp/api-server", "api-server", "sha256:a1", "2026-01-15T10:00:00Z", 100),
        // The same image in two repositories of one component counts once.
        image("erp/api-server", "api-server", "sha256:a2", "2026-04-10T10:00:00Z", 40),
        image("erp/api-server-copy", "api-server", "sha256:a2", "2026-04-10T10:00:00Z", 40),
        image("erp/api-server", "api-server", "sha256:a3", "2026-05-01T10:00:00Z", 30),
        // The last half hour of June, in UTC, is still the second quarter.
        image("erp/api-server", "api-server", "sha256:a4", "2026-06-30T23:30:00Z", 10),
        // No creation time: tonight's counts only. No image_bases row: family unknown.
        image("erp/api-server", "api-server", "sha256:a5", null, 20),
        // A component whose only image has no bytes: byte_share is null, not a division error.
        image("erp/celery-worker", "celery-worker", "sha256:c1", "2026-04-02T10:00:00Z", 0),
        // Base catalogue repositories have no component and are left out.
        image("mirror/python", null, "sha256:m1", "2026-03-01T10:00:00Z", 999));
    List<Row> bases = List.of(
        base("sha256:a1", "full"),
        base("sha256:a2", "slim"),
        base("sha256:a3", "slim"),
        base("sha256:a4", "distroless"),
        base("sha256:c1", "alpine"),
        base("sha256:m1", "slim"));

    Dataset<Row> result = BaseImageAdoption.compute(
        spark.createDataFrame(images, Table.IMAGES.schema()),
        spark.createDataFrame(bases, Table.IMAGE_BASES.schema()));

    assertThat(result.schema().fieldNames()).containsExactly(Table.BASE_IMAGE_ADOPTION.schema().fieldNames());
    for (var field : Table.BASE_IMAGE_ADOPTION.schema().fields()) {
      assertThat(result.schema().apply(field.name()).dataType()).isEqualTo(field.dataType());
    }
    assertThat(sorted(result)).containsExactlyElementsOf(sortedLists(List.of(
        row("snapshot", "current", "api-server", "distroless", 1, 1.0 / 5, 10, 10.0 / 200),
        row("snapshot", "current", "api-server", "full", 1, 1.0 / 5, 100, 100.0 / 200),
        row("snapshot", "current", "api-server", "slim", 2, 2.0 / 5, 70, 70.0 / 200),
        row("snapshot", "current", "api-server", "unknown", 1, 1.0 / 5, 20, 20.0 / 200),
        row("snapshot", "current", "celery-worker", "alpine", 1, 1.0, 0, null),
        row("quarter", "2026-Q1", "api-server", "full", 1, 1.0, 100, 1.0),
        row("quarter", "2026-Q2", "api-server", "distroless", 1, 1.0 / 3, 10, 10.0 / 80),
        row("quarter", "2026-Q2", "api-server", "slim", 2, 2.0 / 3, 70, 70.0 / 80),
        row("quarter", "2026-Q2", "celery-worker", "alpine", 1, 1.0, 0, null))));
  }

  @Test
  void noImagesGiveNoRows() {
    SparkSession spark = SharedSpark.get();
    Dataset<Row> result = BaseImageAdoption.compute(
        spark.createDataFrame(List.of(), Table.IMAGES.schema()),
        spark.createDataFrame(List.of(), Table.IMAGE_BASES.schema()));

    assertThat(result.collectAsList()).isEmpty();
  }

  private static Row image(String repository, String component, String digest, String created, long compressed) {
    return RowFactory.create("erp", repository, component, digest, null,
        "application/vnd.oci.image.manifest.v1+json", "linux", "amd64", null, "sha256:config",
        created == null ? null : Timestamp.from(Instant.parse(created)), 1, compressed, null, null, null, null,
        List.of(), 1, Map.of(), Map.of(), null, null, 500L, 1000L);
  }

  private static Row base(String digest, String family) {
    return RowFactory.create(digest, null, null, family, "layers", 0, 0L, 0L, 0.95);
  }

  private static List<Object> row(String periodType, String period, String component, String family, long images,
      double imageShare, long bytes, Double byteShare) {
    return Arrays.asList(periodType, period, component, family, images, imageShare, bytes, byteShare);
  }

  private static List<List<Object>> sorted(Dataset<Row> rows) {
    List<List<Object>> lists = new ArrayList<>();
    for (Row row : rows.collectAsList()) {
      List<Object> values = new ArrayList<>();
      for (int i = 0; i < row.size(); i++) {
        values.add(row.get(i));
      }
      lists.add(values);
    }
    return sortedLists(lists);
  }

  private static List<List<Object>> sortedLists(List<List<Object>> lists) {
    List<List<Object>> copy = new ArrayList<>(lists);
    copy.sort(Comparator.comparing(List::toString));
    return copy;
  }
}
