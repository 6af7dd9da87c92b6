package io.imagecensus.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagecensus.model.ManifestDocument;
import io.imagecensus.model.Table;
import io.imagecensus.testing.SharedSpark;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A hand-made catalogue (debian:bookworm-slim on two platforms, python:3.11-slim on top of it,
 * python:3.11-alpine, distroless python) and one image per way of finding a base.
 */
class BaseImageMatcherTest {
  private static final String DEBIAN_INDEX = "sha256:debian-slim-index";
  private static final String DEBIAN_AMD64 = "sha256:debian-slim-amd64";
  private static final String DEBIAN_ARM64 = "sha256:debian-slim-arm64";
  private static final String PYTHON_SLIM = "sha256:python-slim";
  private static final String PYTHON_ALPINE = "sha256:python-alpine";
  private static final String DISTROLESS = "sha256:distroless-python";

  private static final String ON_PYTHON_SLIM = "sha256:app-on-python-slim";
  private static final String RECOMPRESSED = "sha256:app-recompressed";
  private static final String ANNOTATED = "sha256:app-annotated";
  private static final String ANNOTATED_BY_NAME = "sha256:app-annotated-by-name";
  private static final String ANNOTATED_BY_INDEX = "sha256:app-annotated-by-index";
  private static final String ANNOTATED_ELSEWHERE = "sha256:app-annotated-elsewhere";
  private static final String LABELLED = "sha256:app-labelled";
  private static final String LABELLED_ELSEWHERE = "sha256:app-labelled-elsewhere";
  private static final String HISTORY_APK = "sha256:app-history-apk";
  private static final String HISTORY_NO_SHELL = "sha256:app-history-no-shell";
  private static final String HISTORY_APT = "sha256:app-history-apt";
  private static final String UNKNOWN = "sha256:app-unknown";
  private static final String SCRATCH = "sha256:app-scratch";
  private static final String REDIS_INDEX = "sha256:redis-index";
  private static final String REDIS_AMD64 = "sha256:redis-amd64";
  private static final String REDIS_ARM64 = "sha256:redis-arm64";

  private static final String BASE_NAME = ManifestDocument.BASE_NAME_ANNOTATION;

  private static Dataset<Row> result;
  private static Map<String, List<Object>> byImage;

  @BeforeAll
  static void matchTheFixture() {
    SparkSession spark = SharedSpark.get();
    List<Row> images = List.of(
        image("mirror/debian", null, DEBIAN_AMD64, DEBIAN_INDEX, "amd64", null, 1, null, null, null),
        image("mirror/debian", null, DEBIAN_ARM64, DEBIAN_INDEX, "arm64", "v8", 1, null, null, null),
        image("mirror/python", null, PYTHON_SLIM, null, "amd64", null, 2, null, null, null),
        image("mirror/python", null, PYTHON_ALPINE, null, "amd64", null, 2, null, null, null),
        image("mirror/distroless-python", null, DISTROLESS, null, "amd64", null, 2, null, null, null),
        // The same image in two repositories still gets one row.
        image("erp/api-server", "api-server", ON_PYTHON_SLIM, null, "amd64", null, 3, null, null, null),
        image("erp/api-server-legacy", "api-server", ON_PYTHON_SLIM, null, "amd64", null, 3, null, null, null),
        image("erp/celery-worker", "celery-worker", RECOMPRESSED, null, "amd64", null, 3, null, null, null),
        image("erp/api-server", "api-server", ANNOTATED, null, "amd64", null, 3, null,
            "registry.erp.example/mirror/distroless-python:3.11", DISTROLESS),
        image("erp/flower", "flower", ANNOTATED_BY_NAME, null, "amd64", null, 3, null,
            "127.0.0.1:5000/mirror/python:3.11-alpine", null),
        image("erp/redis", "redis", ANNOTATED_BY_INDEX, "sha256:annotated-redis-index", "arm64", "v8", 2, null,
            "mirror/debian:bookworm-slim@" + DEBIAN_INDEX, DEBIAN_INDEX),
        image("erp/api-server", "api-server", ANNOTATED_ELSEWHERE, null, "amd64", null, 2, null,
            "docker.io/library/node:20-alpine", "sha256:node-20-alpine"),
        image("erp/celery-worker", "celery-worker", LABELLED, null, "amd64", null, 2,
            Map.of(BASE_NAME, "mirror/python:3.11-slim", "maintainer", "erp"), null, null),
        image("erp/celery-worker", "celery-worker", LABELLED_ELSEWHERE, null, "amd64", null, 1,
            Map.of(BASE_NAME, "gcr.io/distroless/static-debian12:nonroot"), null, null),
        image("erp/tools", "tools", HISTORY_APK, null, "amd64", null, 2, Map.of(), null, null),
        image("erp/tools", "tools", HISTORY_NO_SHELL, null, "amd64", null, 2, Map.of(), null, null),
        image("erp/tools", "tools", HISTORY_APT, null, "amd64", null, 2, Map.of(), null, null),
        image("erp/tools", "tools", UNKNOWN, null, "amd64", null, 2, Map.of(), null, null),
        image("erp/tools", "tools", SCRATCH, null, "amd64", null, 0, Map.of(), null, null),
        image("erp/redis", "redis", REDIS_AMD64, REDIS_INDEX, "amd64", null, 2, null, null, null),
        image("erp/redis", "redis", REDIS_ARM64, REDIS_INDEX, "arm64", "v8", 2, null, null, null));

    List<Row> layers = new ArrayList<>();
    String debianRootfs = "/bin/sh -c #(nop) ADD file:d1 in / ";
    layers.add(layer(DEBIAN_AMD64, 0, "sha256:gz-d1", "sha256:d1", 100, 300L, debianRootfs));
    layers.add(layer(DEBIAN_ARM64, 0, "sha256:gz-d1arm", "sha256:d1arm", 90, 280L, debianRootfs));
    layers.add(layer(PYTHON_SLIM, 0, "sha256:gz-d1", "sha256:d1", 100, 300L, debianRootfs));
    layers.add(layer(PYTHON_SLIM, 1, "sha256:gz-d2", "sha256:d2", 50, 150L, "/bin/sh -c set -eux; make install"));
    layers.add(layer(PYTHON_ALPINE, 0, "sha256:gz-a1", "sha256:a1", 30, 80L, "ADD alpine-minirootfs.tar.gz /"));
    layers.add(layer(PYTHON_ALPINE, 1, "sha256:gz-a2", "sha256:a2", 20, 60L, "RUN /bin/sh -c apk add --no-cache tzdata"));
    layers.add(layer(DISTROLESS, 0, "sha256:gz-x1", "sha256:x1", 40, 100L, "bazel build //base"));
    layers.add(layer(DISTROLESS, 1, "sha256:gz-x2", "sha256:x2", 60, 160L, "bazel build //python3"));

    layers.add(layer(ON_PYTHON_SLIM, 0, "sha256:gz-d1", "sha256:d1", 100, 300L, debianRootfs));
    layers.add(layer(ON_PYTHON_SLIM, 1, "sha256:gz-d2", "sha256:d2", 50, 150L, "/bin/sh -c set -eux; make install"));
    layers.add(layer(ON_PYTHON_SLIM, 2, "sha256:gz-app1", "sha256:app1", 10, null, "COPY . /app # buildkit"));
    // Re-compressed by a copy tool: other layer digests and sizes, the same diff_ids.
    layers.add(layer(RECOMPRESSED, 0, "sha256:zstd-d1", "sha256:d1", 95, null, debianRootfs));
    layers.add(layer(RECOMPRESSED, 1, "sha256:zstd-d2", "sha256:d2", 48, 150L, "/bin/sh -c set -eux; make install"));
    layers.add(layer(RECOMPRESSED, 2, "sha256:gz-app2", "sha256:app2", 12, 40L, "COPY . /app # buildkit"));
    layers.add(layer(ANNOTATED, 0, "sha256:gz-x1", "sha256:x1", 40, 100L, "bazel build //base"));
    layers.add(layer(ANNOTATED, 1, "sha256:gz-x2", "sha256:x2", 60, 160L, "bazel build //python3"));
    layers.add(layer(ANNOTATED, 2, "sha256:gz-app3", "sha256:app3", 5, 10L, "COPY . /app # buildkit"));
    // Built on an older python:3.11-alpine: only the first layer is still the catalogue's.
    layers.add(layer(ANNOTATED_BY_NAME, 0, "sha256:gz-a1", "sha256:a1", 30, 80L, "ADD alpine-minirootfs.tar.gz /"));
    layers.add(layer(ANNOTATED_BY_NAME, 1, "sha256:gz-a2-old", "sha256:a2-old", 21, 61L, "RUN /bin/sh -c apk add"));
    layers.add(layer(ANNOTATED_BY_NAME, 2, "sha256:gz-flower", "sha256:flower", 15, 45L, "RUN /bin/sh -c pip install"));
    layers.add(layer(ANNOTATED_BY_INDEX, 0, "sha256:gz-d1arm", "sha256:d1arm", 90, 280L, debianRootfs));
    layers.add(layer(ANNOTATED_BY_INDEX, 1, "sha256:gz-r3", "sha256:r3", 6, 8L, "RUN /bin/sh -c make"));
    // Its layers would match debian:bookworm-slim, but the annotation is asked first.
    layers.add(layer(ANNOTATED_ELSEWHERE, 0, "sha256:gz-d1", "sha256:d1", 100, 300L, debianRootfs));
    layers.add(layer(ANNOTATED_ELSEWHERE, 1, "sha256:gz-n2", "sha256:n2", 5, 5L, "RUN /bin/sh -c npm ci"));
    layers.add(layer(LABELLED, 0, "sha256:gz-q1", "sha256:q1", 70, 200L, debianRootfs));
    layers.add(layer(LABELLED, 1, "sha256:gz-q2", "sha256:q2", 8, 20L, "RUN /bin/sh -c pip install"));
    layers.add(layer(LABELLED_ELSEWHERE, 0, "sha256:gz-s1", "sha256:s1", 3, 7L, "COPY app /app # buildkit"));
    layers.add(layer(HISTORY_APK, 0, "sha256:gz-h1", "sha256:h1", 3, 7L, "ADD alpine-minirootfs.tar.gz / # buildkit"));
    layers.add(layer(HISTORY_APK, 1, "sha256:gz-h2", "sha256:h2", 3, 7L,
        "RUN /bin/sh -c apk add --no-cache tzdata # buildkit"));
    // Classic builders write "/bin/sh -c #(nop)" for a COPY, which ran no shell.
    layers.add(layer(HISTORY_NO_SHELL, 0, "sha256:gz-h3", "sha256:h3", 3, 7L, "bazel build //static"));
    layers.add(layer(HISTORY_NO_SHELL, 1, "sha256:gz-h4", "sha256:h4", 3, 7L, "/bin/sh -c #(nop) COPY file:abc in /app "));
    layers.add(layer(HISTORY_APT, 0, "sha256:gz-h5", "sha256:h5", 3, 7L, "/bin/sh -c #(nop) ADD file:zz in / "));
    layers.add(layer(HISTORY_APT, 1, "sha256:gz-h6", "sha256:h6", 3, 7L, "/bin/sh -c apt-get update && apt-get install -y curl"));
    // One step unknown: "no shell" cannot be concluded.
    layers.add(layer(UNKNOWN, 0, "sha256:gz-h7", "sha256:h7", 3, 7L, null));
    layers.add(layer(UNKNOWN, 1, "sha256:gz-h8", "sha256:h8", 3, 7L, "COPY app /app # buildkit"));
    layers.add(layer(REDIS_AMD64, 0, "sha256:gz-d1", "sha256:d1", 100, 300L, debianRootfs));
    layers.add(layer(REDIS_AMD64, 1, "sha256:gz-r1", "sha256:r1", 8, null, "RUN /bin/sh -c make"));
    layers.add(layer(REDIS_ARM64, 0, "sha256:gz-d1arm", "sha256:d1arm", 90, 280L, debianRootfs));
    layers.add(layer(REDIS_ARM64, 1, "sha256:gz-r2", "sha256:r2", 7, 9L, "RUN /bin/sh -c make"));

    List<Row> catalogue = List.of(
        entry("mirror/debian", "bookworm-slim", DEBIAN_INDEX, DEBIAN_AMD64, "slim"),
        entry("mirror/debian", "bookworm-slim", DEBIAN_INDEX, DEBIAN_ARM64, "slim"),
        entry("mirror/python", "3.11-slim", null, PYTHON_SLIM, "slim"),
        entry("mirror/python", "3.11.9-slim", null, PYTHON_SLIM, "slim"),
        entry("mirror/python", "3.11-alpine", null, PYTHON_ALPINE, "alpine"),
        entry("mirror/distroless-python", "3.11", null, DISTROLESS, "distroless"));

    result = BaseImageMatcher.match(
        spark.createDataFrame(images, Table.IMAGES.schema()),
        spark.createDataFrame(layers, Table.IMAGE_LAYERS.schema()),
        spark.createDataFrame(catalogue, BaseCatalogue.SCHEMA));
    byImage = collectByImage(result);
  }

  @Test
  void hasTheDeclaredColumnsAndOneRowPerDistinctImage() {
    assertThat(result.schema().fieldNames()).containsExactly(Table.IMAGE_BASES.schema().fieldNames());
    for (var field : Table.IMAGE_BASES.schema().fields()) {
      assertThat(result.schema().apply(field.name()).dataType()).isEqualTo(field.dataType());
    }
    assertThat(result.count()).isEqualTo(20);
    assertThat(byImage).hasSize(20);
  }

  @Test
  void longestCatalogueBaseWinsAndBaseBytesAreTheImagesOwnFirstLayers() {
    // python:3.11-slim (2 layers) beats debian:bookworm-slim (1 layer); of its two tags the
    // smaller base_ref; the app layer's unknown uncompressed size is not part of the base.
    assertThat(byImage.get(ON_PYTHON_SLIM)).isEqualTo(
        row(ON_PYTHON_SLIM, "mirror/python:3.11-slim", PYTHON_SLIM, "slim", "layers", 2, 150, 450L, 0.95));
  }

  @Test
  void aRecompressedBaseStillMatchesByDiffId() {
    assertThat(byImage.get(RECOMPRESSED)).isEqualTo(
        row(RECOMPRESSED, "mirror/python:3.11-slim", PYTHON_SLIM, "slim", "layers", 2, 143, null, 0.95));
  }

  @Test
  void aCatalogueImageGetsTheBaseItIsBuiltOn() {
    assertThat(byImage.get(PYTHON_SLIM)).isEqualTo(
        row(PYTHON_SLIM, "mirror/debian:bookworm-slim", DEBIAN_AMD64, "slim", "layers", 1, 100, 300L, 0.95));
  }

  @Test
  void aCatalogueImageWithoutBaseIsItsOwnEntry() {
    assertThat(byImage.get(DEBIAN_AMD64)).isEqualTo(
        row(DEBIAN_AMD64, "mirror/debian:bookworm-slim", DEBIAN_AMD64, "slim", "catalogue", 1, 100, 300L, 1.0));
    assertThat(byImage.get(DEBIAN_ARM64)).isEqualTo(
        row(DEBIAN_ARM64, "mirror/debian:bookworm-slim", DEBIAN_ARM64, "slim", "catalogue", 1, 90, 280L, 1.0));
    assertThat(byImage.get(PYTHON_ALPINE)).isEqualTo(
        row(PYTHON_ALPINE, "mirror/python:3.11-alpine", PYTHON_ALPINE, "alpine", "catalogue", 2, 50, 140L, 1.0));
    assertThat(byImage.get(DISTROLESS)).isEqualTo(
        row(DISTROLESS, "mirror/distroless-python:3.11", DISTROLESS, "distroless", "catalogue", 2, 100, 260L, 1.0));
  }

  @Test
  void annotationDigestOfACatalogueImage() {
    assertThat(byImage.get(ANNOTATED)).isEqualTo(
        row(ANNOTATED, "mirror/distroless-python:3.11", DISTROLESS, "distroless", "annotation", 2, 100, 260L, 1.0));
  }

  @Test
  void annotationNameWithRegistryHostAndOnlyTheSharedLeadingLayersCounted() {
    assertThat(byImage.get(ANNOTATED_BY_NAME)).isEqualTo(
        row(ANNOTATED_BY_NAME, "mirror/python:3.11-alpine", PYTHON_ALPINE, "alpine", "annotation", 1, 30, 80L, 1.0));
  }

  @Test
  void annotationDigestOfACatalogueIndexPicksTheImageOfTheSamePlatform() {
    assertThat(byImage.get(ANNOTATED_BY_INDEX)).isEqualTo(
        row(ANNOTATED_BY_INDEX, "mirror/debian:bookworm-slim", DEBIAN_ARM64, "slim", "annotation", 1, 90, 280L, 1.0));
  }

  @Test
  void annotationOutsideTheCatalogueKeepsTheNameAndGuessesTheFamily() {
    assertThat(byImage.get(ANNOTATED_ELSEWHERE)).isEqualTo(
        row(ANNOTATED_ELSEWHERE, "docker.io/library/node:20-alpine", "sha256:node-20-alpine", "alpine",
            "annotation", 0, 0, 0L, 0.8));
  }

  @Test
  void labelNamesTheBaseWhenNothingBetterIsKnown() {
    assertThat(byImage.get(LABELLED)).isEqualTo(
        row(LABELLED, "mirror/python:3.11-slim", PYTHON_SLIM, "slim", "label", 0, 0, 0L, 0.7));
    assertThat(byImage.get(LABELLED_ELSEWHERE)).isEqualTo(
        row(LABELLED_ELSEWHERE, "gcr.io/distroless/static-debian12:nonroot", null, "distroless", "label", 0, 0, 0L,
            0.7));
  }

  @Test
  void historyGuessesWithLowConfidence() {
    assertThat(byImage.get(HISTORY_APK)).isEqualTo(
        row(HISTORY_APK, null, null, "alpine", "history", 0, 0, 0L, 0.3));
    assertThat(byImage.get(HISTORY_NO_SHELL)).isEqualTo(
        row(HISTORY_NO_SHELL, null, null, "distroless", "history", 0, 0, 0L, 0.3));
    assertThat(byImage.get(HISTORY_APT)).isEqualTo(
        row(HISTORY_APT, null, null, "full", "history", 0, 0, 0L, 0.3));
  }

  @Test
  void unknownAndScratch() {
    assertThat(byImage.get(UNKNOWN)).isEqualTo(row(UNKNOWN, null, null, "unknown", "none", 0, 0, 0L, 0.0));
    assertThat(byImage.get(SCRATCH)).isEqualTo(row(SCRATCH, null, null, "scratch", "none", 0, 0, 0L, 1.0));
  }

  @Test
  void eachPlatformOfAMultiPlatformImageMatchesItsOwnPlatformBase() {
    assertThat(byImage.get(REDIS_AMD64)).isEqualTo(
        row(REDIS_AMD64, "mirror/debian:bookworm-slim", DEBIAN_AMD64, "slim", "layers", 1, 100, 300L, 0.95));
    assertThat(byImage.get(REDIS_ARM64)).isEqualTo(
        row(REDIS_ARM64, "mirror/debian:bookworm-slim", DEBIAN_ARM64, "slim", "layers", 1, 90, 280L, 0.95));
  }

  @Test
  void catalogueImagesWithTheSameLayersAreNotEachOthersBase() {
    SparkSession spark = SharedSpark.get();
    String rebuilt = "sha256:python-slim-rebuilt";
    String app = "sha256:app";
    List<Row> images = List.of(
        image("mirror/debian", null, DEBIAN_AMD64, null, "amd64", null, 1, null, null, null),
        image("mirror/python", null, PYTHON_SLIM, null, "amd64", null, 2, null, null, null),
        image("mirror/python", null, rebuilt, null, "amd64", null, 2, null, null, null),
        image("erp/api-server", "api-server", app, null, "amd64", null, 3, null, null, null));
    List<Row> layers = List.of(
        layer(DEBIAN_AMD64, 0, "sha256:gz-d1", "sha256:d1", 100, 300L, null),
        layer(PYTHON_SLIM, 0, "sha256:gz-d1", "sha256:d1", 100, 300L, null),
        layer(PYTHON_SLIM, 1, "sha256:gz-d2", "sha256:d2", 50, 150L, null),
        layer(rebuilt, 0, "sha256:gz-d1", "sha256:d1", 100, 300L, null),
        layer(rebuilt, 1, "sha256:gz-d2", "sha256:d2", 50, 150L, null),
        layer(app, 0, "sha256:gz-d1", "sha256:d1", 100, 300L, null),
        layer(app, 1, "sha256:gz-d2", "sha256:d2", 50, 150L, null),
        layer(app, 2, "sha256:gz-app", "sha256:app", 1, 2L, null));
    List<Row> catalogue = List.of(
        entry("mirror/debian", "bookworm-slim", null, DEBIAN_AMD64, "slim"),
        entry("mirror/python", "3.11-slim", null, PYTHON_SLIM, "slim"),
        entry("mirror/python", "3.11-slim-rebuilt", null, rebuilt, "slim"));

    Map<String, List<Object>> rows = collectByImage(BaseImageMatcher.match(
        spark.createDataFrame(images, Table.IMAGES.schema()),
        spark.createDataFrame(layers, Table.IMAGE_LAYERS.schema()),
        spark.createDataFrame(catalogue, BaseCatalogue.SCHEMA)));

    assertThat(rows.get(PYTHON_SLIM)).isEqualTo(
        row(PYTHON_SLIM, "mirror/debian:bookworm-slim", DEBIAN_AMD64, "slim", "layers", 1, 100, 300L, 0.95));
    assertThat(rows.get(rebuilt)).isEqualTo(
        row(rebuilt, "mirror/debian:bookworm-slim", DEBIAN_AMD64, "slim", "layers", 1, 100, 300L, 0.95));
    // Two equally long bases: the smaller base_ref wins.
    assertThat(rows.get(app)).isEqualTo(
        row(app, "mirror/python:3.11-slim", PYTHON_SLIM, "slim", "layers", 2, 150, 450L, 0.95));
    assertThat(rows).hasSize(4);
  }

  // ---- fixture helpers ------------------------------------------------------------------------

  private static Row image(String repository, String component, String digest, String indexDigest,
      String architecture, String variant, int layerCount, Map<String, String> labels, String baseName,
      String baseDigest) {
    Map<String, String> annotations = new HashMap<>();
    if (baseName != null) {
      annotations.put(BASE_NAME, baseName);
    }
    if (baseDigest != null) {
      annotations.put("org.opencontainers.image.base.digest", baseDigest);
    }
    return RowFactory.create("erp", repository, component, digest, indexDigest,
        "application/vnd.oci.image.manifest.v1+json", "linux", architecture, variant,
        "sha256:config-of-" + digest.substring(7), null, layerCount, 0L, null, null, null, null,
        List.of(), 1, labels, annotations, baseName, baseDigest, 500L, 1000L);
  }

  private static Row layer(String image, int position, String layerDigest, String diffId, long compressed,
      Long uncompressed, String createdBy) {
    return RowFactory.create(image, position, layerDigest, diffId, compressed, uncompressed,
        "application/vnd.oci.image.layer.v1.tar+gzip", createdBy);
  }

  private static Row entry(String repository, String tag, String indexDigest, String imageDigest, String family) {
    return RowFactory.create("erp", repository, tag, repository + ":" + tag, indexDigest, imageDigest, family);
  }

  private static List<Object> row(String image, String baseRef, String baseDigest, String family, String method,
      int matchedLayers, long compressed, Long uncompressed, double confidence) {
    return Arrays.asList(image, baseRef, baseDigest, family, method, matchedLayers, compressed, uncompressed,
        confidence);
  }

  private static Map<String, List<Object>> collectByImage(Dataset<Row> rows) {
    Map<String, List<Object>> map = new HashMap<>();
    for (Row row : rows.collectAsList()) {
      List<Object> values = new ArrayList<>();
      for (int i = 0; i < row.size(); i++) {
        values.add(row.get(i));
      }
      assertThat(map.put(row.getString(0), values)).as("second row for %s", row.getString(0)).isNull();
    }
    return map;
  }
}
