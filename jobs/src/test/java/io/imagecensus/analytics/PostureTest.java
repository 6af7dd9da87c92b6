package io.imagecensus.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagecensus.model.ImageConfigDocument;
import io.imagecensus.model.Table;
import io.imagecensus.testing.SharedSpark;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class PostureTest {
  private static final SparkSession SPARK = SharedSpark.get();

  static final String EMPTY_USER = digest('1');
  static final String ZERO = digest('2');
  static final String ROOT = digest('3');
  static final String ZERO_ZERO = digest('4');
  static final String UID_1000 = digest('5');
  static final String NONROOT_65532 = digest('6');
  static final String NO_USER_FIELD = digest('7');
  static final String UNREADABLE = digest('8');
  static final String WORKER = digest('9');
  static final String MIRROR = digest('a');
  static final String INDEX = digest('i');

  static String digest(char c) {
    return "sha256:" + String.valueOf(c).repeat(64);
  }

  /** An image whose config was read: runs_as_root is judged from the user as the crawl does. */
  static Row image(String repository, String component, String digest, String indexDigest, String user,
      boolean healthcheck, int layers, List<String> ports) {
    return RowFactory.create("erp", repository, component, digest, indexDigest,
        "application/vnd.oci.image.manifest.v1+json", "linux", "amd64", null, "sha256:config-" + digest, null,
        layers, 1000L * layers, null, user, ImageConfigDocument.runsAsRoot(user), healthcheck, ports,
        layers + 4, Map.of(), Map.of(), null, null, 800L, 1500L);
  }

  /** An image whose config could not be read: every config column is null. */
  static Row unreadable(String repository, String component, String digest, int layers) {
    return RowFactory.create("erp", repository, component, digest, null,
        "application/vnd.oci.image.manifest.v1+json", null, null, null, "sha256:config-" + digest, null,
        layers, 1000L * layers, null, null, null, null, null, null, null, Map.of(), null, null, 800L, null);
  }

  static Dataset<Row> images() {
    List<String> http = List.of("8000/tcp");
    return SPARK.createDataFrame(List.of(
        image("erp/api-server", "api-server", EMPTY_USER, null, "", false, 12, http),
        image("erp/api-server", "api-server", ZERO, null, "0", false, 10, http),
        image("erp/api-server", "api-server", ROOT, null, "root", true, 9, http),
        image("erp/api-server", "api-server", ZERO_ZERO, null, "0:0", false, 8, List.of()),
        // Reached directly and through an index: one image.
        image("erp/api-server", "api-server", UID_1000, null, "1000", true, 6, http),
        image("erp/api-server", "api-server", UID_1000, INDEX, "1000", true, 6, http),
        // The same digest in a second repository of the component: a row there, one image in the summary.
        image("erp/api-server-legacy", "api-server", UID_1000, null, "1000", true, 6, http),
        image("erp/api-server", "api-server", NONROOT_65532, null, "65532", true, 3, http),
        image("erp/api-server", "api-server", NO_USER_FIELD, null, null, false, 7, http),
        unreadable("erp/api-server", "api-server", UNREADABLE, 5),
        image("erp/celery-worker", "celery-worker", WORKER, null, "1000:1000", true, 4, List.of()),
        // Base-catalogue images have no component: a posture row, but no summary.
        image("mirror/python", null, MIRROR, null, null, false, 4, List.of())),
        Table.IMAGES.schema());
  }

  static List<List<Object>> sorted(Dataset<Row> rows) {
    return RowValues.sorted(rows);
  }

  static List<Object> row(Object... values) {
    return Arrays.asList(values);
  }

  static void assertSchema(Dataset<Row> rows, Table table) {
    assertThat(rows.schema().fieldNames()).containsExactly(table.schema().fieldNames());
    assertThat(rows.schema().sameType(table.schema())).as("types of %s", rows.schema().simpleString()).isTrue();
  }

  @Test
  void eachImageOfEachRepositoryGetsItsPosture() {
    Dataset<Row> posture = Posture.images(images());

    assertSchema(posture, Table.IMAGE_POSTURE);
    List<String> http = List.of("8000/tcp");
    // registry, repository, component, digest, user, runs as root, healthcheck, layers, history, ports
    assertThat(sorted(posture)).containsExactlyInAnyOrderElementsOf(List.of(
        row("erp", "erp/api-server", "api-server", EMPTY_USER, "", true, false, 12, 16, http),
        row("erp", "erp/api-server", "api-server", ZERO, "0", true, false, 10, 14, http),
        row("erp", "erp/api-server", "api-server", ROOT, "root", true, true, 9, 13, http),
        row("erp", "erp/api-server", "api-server", ZERO_ZERO, "0:0", true, false, 8, 12, List.of()),
        row("erp", "erp/api-server", "api-server", UID_1000, "1000", false, true, 6, 10, http),
        row("erp", "erp/api-server-legacy", "api-server", UID_1000, "1000", false, true, 6, 10, http),
        row("erp", "erp/api-server", "api-server", NONROOT_65532, "65532", false, true, 3, 7, http),
        // No User in the config: Docker starts the container as root.
        row("erp", "erp/api-server", "api-server", NO_USER_FIELD, null, true, false, 7, 11, http),
        // Config unreadable: the unsafe assumption, root and no healthcheck.
        row("erp", "erp/api-server", "api-server", UNREADABLE, null, true, false, 5, null, null),
        row("erp", "erp/celery-worker", "celery-worker", WORKER, "1000:1000", false, true, 4, 8, List.of()),
        row("erp", "mirror/python", null, MIRROR, null, true, false, 4, 8, List.of())));
  }

  @Test
  void theSummaryCountsEachImageOfAComponentOnce() {
    Dataset<Row> summary = Posture.summary(Posture.images(images()));

    assertSchema(summary, Table.POSTURE_SUMMARY);
    // api-server: 8 distinct images (UID_1000 counted once); non-root: 1000 and 65532;
    // healthcheck: root, 1000 and 65532; layers 12 + 10 + 9 + 8 + 6 + 3 + 7 + 5 = 60.
    assertThat(sorted(summary)).containsExactlyInAnyOrderElementsOf(List.of(
        row("api-server", 8L, 2.0 / 8, 3.0 / 8, 60.0 / 8, 12),
        row("celery-worker", 1L, 1.0, 1.0, 4.0, 4)));
  }
}
