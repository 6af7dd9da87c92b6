package io.imagecensus.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagecensus.model.Table;
import io.imagecensus.testing.SharedSpark;
import java.sql.Date;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * A small registry "erp" with every trap of layer dedup, and its numbers computed by hand.
 *
 * <pre>
 * layers (compressed bytes): B1 100 and BZ 110 (the same diff_id, recompressed), E the 32-byte
 * empty layer, A1 1000, A2 500, A3 600, C1 2000, R1 300; yesterday only: A0 700.
 *
 * image  repository(ies)                  component      layers            bytes
 * P      mirror/python (catalogue)        null           B1                  100
 * I1     erp/api-server (index X1, amd64)  api-server     B1 E A1 A2         1632
 * I2     erp/api-server (index X1, arm64)  api-server     B1 A1 A3           1700
 * I3     erp/api-admin and erp/api-server  api-server     B1 A1              1100
 * W1     erp/celery-worker                 celery-worker  BZ E C1            2142
 * W2     erp/celery-worker                 celery-worker  B1 C1              2100
 * R      erp/redis                         redis          E R1                332
 * I0     erp/api-server, yesterday only    api-server     B1 A0               800
 * </pre>
 */
class LayerDedupTest {
  static final String EMPTY_LAYER = "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4";
  static final Date TONIGHT = Date.valueOf("2026-10-02");
  static final Date YESTERDAY = Date.valueOf("2026-10-01");

  static final String P = digest('p');
  static final String I0 = digest('0');
  static final String I1 = digest('1');
  static final String I2 = digest('2');
  static final String I3 = digest('3');
  static final String W1 = digest('4');
  static final String W2 = digest('5');
  static final String R = digest('6');
  static final String X1 = digest('x');
  static final String ARTIFACT = digest('f');

  static final String B1 = digest('b');
  static final String BZ = digest('c');
  static final String A0 = digest('9');
  static final String A1 = digest('a');
  static final String A2 = digest('d');
  static final String A3 = digest('e');
  static final String C1 = digest('7');
  static final String R1 = digest('8');

  private final SparkSession spark = SharedSpark.get();

  static String digest(char c) {
    return "sha256:" + String.valueOf(c).repeat(64);
  }

  static String diffOf(String layerDigest) {
    // BZ is B1 compressed differently: same uncompressed content, same diff_id.
    String layer = layerDigest.equals(BZ) ? B1 : layerDigest;
    return "sha256:d" + layer.substring(8, 71);
  }

  static Row image(String repository, String component, String digest, String index, String arch, long bytes) {
    return RowFactory.create("erp", repository, component, digest, index,
        "application/vnd.oci.image.manifest.v1+json", "linux", arch, null, null, null, 0, bytes, null,
        null, null, null, null, null, null, null, null, null, 500L, null);
  }

  static List<Row> imagesTonight() {
    return List.of(
        image("mirror/python", null, P, null, "amd64", 100),
        image("erp/api-server", "api-server", I1, X1, "amd64", 1632),
        image("erp/api-server", "api-server", I2, X1, "arm64", 1700),
        image("erp/api-admin", "api-server", I3, null, "amd64", 1100),
        image("erp/api-server", "api-server", I3, null, "amd64", 1100),
        image("erp/celery-worker", "celery-worker", W1, null, "amd64", 2142),
        image("erp/celery-worker", "celery-worker", W2, null, "amd64", 2100),
        image("erp/redis", "redis", R, null, "amd64", 332));
  }

  static List<Row> layersOf(String image, Object... digestsAndSizes) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < digestsAndSizes.length; i += 2) {
      String layer = (String) digestsAndSizes[i];
      long bytes = ((Number) digestsAndSizes[i + 1]).longValue();
      String diff = layer.equals(EMPTY_LAYER)
          ? "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef" : diffOf(layer);
      // A3's uncompressed size could not be measured.
      Long uncompressed = layer.equals(A3) ? null : bytes * 2;
      rows.add(RowFactory.create(image, i / 2, layer, diff, bytes, uncompressed, null, null));
    }
    return rows;
  }

  static List<Row> layersTonight() {
    List<Row> rows = new ArrayList<>();
    rows.addAll(layersOf(P, B1, 100));
    rows.addAll(layersOf(I1, B1, 100, EMPTY_LAYER, 32, A1, 1000, A2, 500));
    rows.addAll(layersOf(I2, B1, 100, A1, 1000, A3, 600));
    rows.addAll(layersOf(I3, B1, 100, A1, 1000));
    rows.addAll(layersOf(W1, BZ, 110, EMPTY_LAYER, 32, C1, 2000));
    rows.addAll(layersOf(W2, B1, 100, C1, 2000));
    rows.addAll(layersOf(R, EMPTY_LAYER, 32, R1, 300));
    return rows;
  }

  static List<Row> withoutConfig(List<Row> layers) {
    List<Row> rows = new ArrayList<>();
    for (Row row : layers) {
      rows.add(RowFactory.create(row.get(0), row.get(1), row.get(2), null, row.get(4), null, null, null));
    }
    return rows;
  }

  static Row tag(String repository, String component, String tag, String digest) {
    return RowFactory.create("erp", repository, component, tag, digest, null);
  }

  static List<Row> tagsTonight() {
    return List.of(
        tag("mirror/python", null, "3.12-slim", P),
        tag("erp/api-server", "api-server", "latest", X1),
        tag("erp/api-server", "api-server", "2026.10.0", X1),
        tag("erp/api-server", "api-server", "admin-copy", I3),
        tag("erp/api-server", "api-server", "broken", null),
        tag("erp/api-server", "api-server", "sha256-1111.sig", ARTIFACT),
        tag("erp/api-admin", "api-server", "1.0", I3),
        tag("erp/celery-worker", "celery-worker", "latest", W1),
        tag("erp/celery-worker", "celery-worker", "previous", W2),
        tag("erp/redis", "redis", "7", R));
  }

  static List<Row> withDate(Date date, List<Row> rows) {
    List<Row> dated = new ArrayList<>();
    for (Row row : rows) {
      Object[] values = new Object[row.length() + 1];
      values[0] = date;
      for (int i = 0; i < row.length(); i++) {
        values[i + 1] = row.get(i);
      }
      dated.add(RowFactory.create(values));
    }
    return dated;
  }

  AnalyticsInputs inputs() {
    List<Row> allImages = new ArrayList<>(withDate(TONIGHT, imagesTonight()));
    // Yesterday erp/api-server belonged to a component since renamed: the stored scope counts the
    // repository's images under its latest component, api-server.
    allImages.addAll(withDate(YESTERDAY, List.of(
        image("erp/api-server", "api-legacy", I0, null, "amd64", 800),
        image("erp/api-server", "api-legacy", I1, X1, "amd64", 1632))));
    List<Row> allLayers = new ArrayList<>(withDate(TONIGHT, layersTonight()));
    allLayers.addAll(withDate(YESTERDAY, layersOf(I0, B1, 100, A0, 700)));
    // Yesterday I1's config could not be read: no diff_ids and no uncompressed sizes that night.
    allLayers.addAll(withDate(YESTERDAY, withoutConfig(layersOf(I1, B1, 100, EMPTY_LAYER, 32, A1, 1000, A2, 500))));
    Dataset<Row> catalogue = spark.createDataFrame(List.of(
            RowFactory.create("erp", "mirror/python", "3.12-slim", "mirror/python:3.12-slim", null, P, "slim")),
        BaseCatalogue.SCHEMA);
    return new AnalyticsInputs(
        spark.createDataFrame(tagsTonight(), Table.TAGS.schema()),
        spark.createDataFrame(imagesTonight(), Table.IMAGES.schema()),
        spark.createDataFrame(layersTonight(), Table.IMAGE_LAYERS.schema()),
        spark.createDataFrame(withDate(TONIGHT, tagsTonight()), Table.TAGS.schemaWithPartition()),
        spark.createDataFrame(allImages, Table.IMAGES.schemaWithPartition()),
        spark.createDataFrame(allLayers, Table.IMAGE_LAYERS.schemaWithPartition()),
        catalogue);
  }

  static List<String> sorted(Dataset<Row> rows) {
    return rows.collectAsList().stream()
        .map(row -> Arrays.stream(toArray(row)).map(String::valueOf).collect(Collectors.joining("|")))
        .sorted()
        .toList();
  }

  static Object[] toArray(Row row) {
    Object[] values = new Object[row.length()];
    for (int i = 0; i < values.length; i++) {
      values[i] = row.get(i);
    }
    return values;
  }

  static String ratio(long logical, long unique) {
    return String.valueOf((double) logical / unique);
  }

  @Test
  void outputsHaveTheDeclaredSchemas() {
    AnalyticsInputs inputs = inputs();
    assertThat(LayerDedup.layerSharing(inputs).schema().simpleString())
        .isEqualTo(Table.LAYER_SHARING.schema().simpleString());
    assertThat(LayerDedup.dedupSummary(inputs).schema().simpleString())
        .isEqualTo(Table.DEDUP_SUMMARY.schema().simpleString());
    assertThat(LayerDedup.componentOverlap(inputs).schema().simpleString())
        .isEqualTo(Table.COMPONENT_OVERLAP.schema().simpleString());
  }

  @Test
  void dedupSummaryOfTonight() {
    List<String> rows = sorted(LayerDedup.dedupSummary(inputs()).filter("scope = 'tagged'"));

    // scope|level|name|images|layers|logical|unique|ratio|exclusive|shared|recompressed
    assertThat(rows).containsExactlyInAnyOrder(
        // Base catalogue images have no component; their B1 is used by api-server too.
        "tagged|component|(base catalogue)|1|1|100|100|1.0|0|100|0",
        // I1 and I2 are the two platforms of X1: two images. I3 is in two repositories: one image.
        // A1 is in erp/api-server and erp/api-admin, both api-server: exclusive here.
        "tagged|component|api-server|3|5|4432|2232|" + ratio(4432, 2232) + "|2100|132|0",
        // BZ is only celery's digest (exclusive) although its content is B1's; C1 too. E is shared.
        // B1 and BZ: one diff_id, two digests, 100 + 110 bytes: 110 stored again.
        "tagged|component|celery-worker|2|4|4242|2242|" + ratio(4242, 2242) + "|2110|132|110",
        "tagged|component|redis|1|2|332|332|1.0|300|32|0",
        // The empty layer counts once however many images carry it.
        "tagged|registry|erp|7|8|9106|4642|" + ratio(9106, 4642) + "|4642|0|110",
        // A1 is shared between the two api-server repositories at this level.
        "tagged|repository|erp/erp/api-admin|1|2|1100|1100|1.0|0|1100|0",
        "tagged|repository|erp/erp/api-server|3|5|4432|2232|" + ratio(4432, 2232) + "|1100|1132|0",
        "tagged|repository|erp/erp/celery-worker|2|4|4242|2242|" + ratio(4242, 2242) + "|2110|132|110",
        "tagged|repository|erp/erp/redis|1|2|332|332|1.0|300|32|0",
        "tagged|repository|erp/mirror/python|1|1|100|100|1.0|0|100|0");
  }

  @Test
  void dedupSummaryOfEverythingStored() {
    List<String> rows = sorted(LayerDedup.dedupSummary(inputs()).filter("scope = 'stored'"));

    // Yesterday adds I0 (B1 + A0 700); I1 seen on both nights is still one image. No row for the
    // component api-legacy: erp/api-server is api-server's now.
    assertThat(rows).containsExactlyInAnyOrder(
        "stored|component|(base catalogue)|1|1|100|100|1.0|0|100|0",
        "stored|component|api-server|4|6|5232|2932|" + ratio(5232, 2932) + "|2800|132|0",
        "stored|component|celery-worker|2|4|4242|2242|" + ratio(4242, 2242) + "|2110|132|110",
        "stored|component|redis|1|2|332|332|1.0|300|32|0",
        "stored|registry|erp|8|9|9906|5342|" + ratio(9906, 5342) + "|5342|0|110",
        "stored|repository|erp/erp/api-admin|1|2|1100|1100|1.0|0|1100|0",
        "stored|repository|erp/erp/api-server|4|6|5232|2932|" + ratio(5232, 2932) + "|1800|1132|0",
        "stored|repository|erp/erp/celery-worker|2|4|4242|2242|" + ratio(4242, 2242) + "|2110|132|110",
        "stored|repository|erp/erp/redis|1|2|332|332|1.0|300|32|0",
        "stored|repository|erp/mirror/python|1|1|100|100|1.0|0|100|0");
  }

  @Test
  void layerSharingOfTonight() {
    List<String> rows = sorted(LayerDedup.layerSharing(inputs()).filter("scope = 'tagged'"));

    // scope|layer|diff_id|compressed|uncompressed|images|repositories|components|in_base_catalogue
    assertThat(rows).containsExactlyInAnyOrder(
        // C1: W1 and W2 of one repository.
        "tagged|" + C1 + "|" + diffOf(C1) + "|2000|4000|2|1|1|false",
        // R1
        "tagged|" + R1 + "|" + diffOf(R1) + "|300|600|1|1|1|false",
        // A1: I1, I2 and I3; two repositories of one component.
        "tagged|" + A1 + "|" + diffOf(A1) + "|1000|2000|3|2|1|false",
        // B1: P (catalogue, no component), I1, I2, I3, W2.
        "tagged|" + B1 + "|" + diffOf(B1) + "|100|200|5|4|2|true",
        // BZ: B1's content recompressed; not a catalogue layer by digest.
        "tagged|" + BZ + "|" + diffOf(B1) + "|110|220|1|1|1|false",
        "tagged|" + A2 + "|" + diffOf(A2) + "|500|1000|1|1|1|false",
        "tagged|" + A3 + "|" + diffOf(A3) + "|600|null|1|1|1|false",
        // The empty layer: I1, W1, R of three components.
        "tagged|" + EMPTY_LAYER + "|sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef|32|64|3|3|3|false");
  }

  @Test
  void layerSharingOfEverythingStoredAddsYesterdaysLayers() {
    List<String> rows = sorted(LayerDedup.layerSharing(inputs()).filter("scope = 'stored'"));

    assertThat(rows).contains(
        "stored|" + A0 + "|" + diffOf(A0) + "|700|1400|1|1|1|false",
        "stored|" + B1 + "|" + diffOf(B1) + "|100|200|6|4|2|true",
        // Known diff_id and size from tonight although yesterday's rows of A2 have neither.
        "stored|" + A2 + "|" + diffOf(A2) + "|500|1000|1|1|1|false");
    assertThat(rows).hasSize(9);
  }

  @Test
  void componentOverlapCountsTheEmptyLayerOnceInEveryPair() {
    List<String> rows = sorted(LayerDedup.componentOverlap(inputs()));

    // api-server and celery-worker share B1 (through W2) and E; the base catalogue is no component.
    assertThat(rows).containsExactlyInAnyOrder(
        "api-server|celery-worker|2|132",
        "api-server|redis|1|32",
        "celery-worker|redis|1|32");
  }
}
