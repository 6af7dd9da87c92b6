package io.imagecensus.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.apache.spark.sql.functions.col;

import io.imagecensus.config.CensusConfig;
import io.imagecensus.config.ConfigLoader;
import io.imagecensus.demo.EstateAttestation;
import io.imagecensus.demo.EstateImage;
import io.imagecensus.demo.EstateLayer;
import io.imagecensus.demo.EstateTag;
import io.imagecensus.demo.EstateTruth;
import io.imagecensus.model.Digest;
import io.imagecensus.model.Table;
import io.imagecensus.testing.RegistryExtension;
import io.imagecensus.testing.SampleWarehouse;
import io.imagecensus.testing.SharedSpark;
import io.imagecensus.testing.TestRegistry;
import io.imagecensus.warehouse.Warehouse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crawls the sample ERP estate on a real registry process, then runs the whole job again for the
 * same night, and checks every table against the estate's own truth (computed from the bytes it
 * pushed) and the analytics against hand-computed figures; DuckDB reads the tables back.
 */
@ExtendWith(RegistryExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CensusEndToEndTest {
  private static final LocalDate NIGHT = LocalDate.of(2026, 12, 4);

  private Path dir;
  private SparkSession spark;
  private TestRegistry registry;
  private EstateTruth truth;
  private Warehouse warehouse;
  private RunSummary cold;
  private RunSummary warm;
  private Map<String, byte[]> coldFiles;
  private Map<String, byte[]> warmFiles;

  @BeforeAll
  void crawlTwice(TestRegistry registry, @TempDir Path dir) throws IOException {
    this.dir = dir;
    this.registry = registry;
    this.truth = registry.truth();
    this.spark = SharedSpark.get();
    Path configFile = dir.resolve("image-census.yaml");
    Files.writeString(configFile, SampleWarehouse.config(dir.resolve("warehouse"), registry.baseUrl()));
    CensusConfig config = ConfigLoader.load(configFile);
    warehouse = new Warehouse(spark, config.warehouse());
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    cold = new CensusRun(spark, config, Map.of(), quiet).crawl(NIGHT);
    coldFiles = snapshotFiles();
    warm = new CensusRun(spark, config, Map.of(), quiet).run(NIGHT);
    warmFiles = snapshotFiles();
  }

  @Test
  void tagsAreExactlyTheEstatesTags() {
    Set<String> expected = truth.tags().stream()
        .map(t -> t.repository() + ":" + t.tag() + " " + t.digest() + " " + t.mediaType())
        .collect(Collectors.toCollection(TreeSet::new));
    Set<String> actual = rows(Table.TAGS).stream()
        .map(r -> r.getAs("repository") + ":" + r.getAs("tag") + " " + r.getAs("digest") + " " + r.getAs("media_type"))
        .collect(Collectors.toCollection(TreeSet::new));
    assertThat(actual).isEqualTo(expected);
    assertThat(rows(Table.TAGS).stream().filter(r -> "erp/api-server".equals(r.getAs("repository"))).map(r -> (String) r.getAs("component")))
        .containsOnly("api-server");
    assertThat(rows(Table.TAGS).stream().filter(r -> "mirror/python".equals(r.getAs("repository"))).map(r -> (Object) r.getAs("component")))
        .containsOnlyNulls();
  }

  @Test
  void imagesMatchTheEstateOnePerPlatformWithoutAttestations() {
    List<Row> images = rows(Table.IMAGES);
    assertThat(images).hasSize(truth.images().size());
    for (EstateImage expected : truth.images()) {
      Row actual = images.stream()
          .filter(r -> r.getAs("repository").equals(expected.repository()) && r.getAs("digest").equals(expected.digest())
              && java.util.Objects.equals(r.getAs("index_digest"), expected.indexDigest()))
          .findFirst().orElseThrow(() -> new AssertionError("no images row for " + expected.repository() + "@" + expected.digest()));
      String what = expected.repository() + "@" + expected.digest();
      assertThat((String) actual.getAs("media_type")).as(what).isEqualTo(expected.mediaType());
      assertThat((String) actual.getAs("os")).as(what).isEqualTo(expected.os());
      assertThat((String) actual.getAs("architecture")).as(what).isEqualTo(expected.architecture());
      assertThat((String) actual.getAs("variant")).as(what).isEqualTo(expected.variant());
      assertThat((String) actual.getAs("config_digest")).as(what).isEqualTo(expected.configDigest());
      assertThat(((java.sql.Timestamp) actual.getAs("created")).toInstant()).as(what).isEqualTo(expected.created());
      assertThat((int) actual.getAs("layer_count")).as(what).isEqualTo(expected.layerCount());
      assertThat((long) actual.getAs("compressed_bytes")).as(what).isEqualTo(expected.compressedBytes());
      assertThat((Long) actual.getAs("uncompressed_bytes")).as(what).isEqualTo(expected.uncompressedBytes());
      assertThat((String) actual.getAs("user")).as(what).isEqualTo(expected.user());
      assertThat((boolean) actual.getAs("runs_as_root")).as(what).isEqualTo(expected.runsAsRoot());
      assertThat((boolean) actual.getAs("has_healthcheck")).as(what).isEqualTo(expected.hasHealthcheck());
      assertThat(actual.<String, String>getJavaMap(actual.fieldIndex("labels"))).as(what).isEqualTo(expected.labels());
      assertThat((String) actual.getAs("base_name_annotation")).as(what).isEqualTo(expected.baseNameAnnotation());
      assertThat((String) actual.getAs("base_digest_annotation")).as(what).isEqualTo(expected.baseDigestAnnotation());
    }
  }

  @Test
  void layersKeepOrderDiffIdsSizesAndBuildSteps() {
    Map<String, List<Row>> byImage = rows(Table.IMAGE_LAYERS).stream()
        .collect(Collectors.groupingBy(r -> r.getAs("image_digest")));
    Map<String, EstateImage> distinct = new HashMap<>();
    truth.images().forEach(i -> distinct.putIfAbsent(i.digest(), i));
    assertThat(byImage.keySet()).isEqualTo(distinct.keySet());
    for (EstateImage image : distinct.values()) {
      List<Row> actual = byImage.get(image.digest()).stream()
          .sorted((a, b) -> Integer.compare(a.getAs("position"), b.getAs("position"))).toList();
      assertThat(actual).hasSize(image.layerCount());
      for (int i = 0; i < actual.size(); i++) {
        EstateLayer expected = image.layers().get(i);
        Row row = actual.get(i);
        String what = image.digest() + " layer " + i;
        assertThat((int) row.getAs("position")).as(what).isEqualTo(i);
        assertThat((String) row.getAs("layer_digest")).as(what).isEqualTo(expected.digest());
        assertThat((String) row.getAs("diff_id")).as(what).isEqualTo(expected.diffId());
        assertThat((long) row.getAs("compressed_bytes")).as(what).isEqualTo(expected.compressedSize());
        assertThat((Long) row.getAs("uncompressed_bytes")).as(what).isEqualTo(expected.uncompressedSize());
        assertThat((String) row.getAs("media_type")).as(what).isEqualTo(expected.mediaType());
        assertThat((String) row.getAs("created_by")).as(what).isEqualTo(expected.createdBy());
      }
    }
  }

  @Test
  void attestationsAndArtifactsAreAttachmentsNotImages() {
    Set<String> expected = new TreeSet<>();
    for (EstateAttestation a : truth.attestations()) {
      expected.add(a.repository() + " " + a.digest() + " attestation index=" + a.indexDigest() + " subject=" + a.referencedDigest());
    }
    truth.attachments().forEach(a -> expected.add(a.repository() + " " + a.digest() + " sbom index=null subject=" + a.subjectDigest()));
    Set<String> actual = rows(Table.ATTACHMENTS).stream()
        .map(r -> r.getAs("repository") + " " + r.getAs("digest") + " " + r.getAs("kind") + " index=" + r.getAs("index_digest")
            + " subject=" + r.getAs("subject_digest"))
        .collect(Collectors.toCollection(TreeSet::new));
    assertThat(actual).isEqualTo(expected);
    Set<String> imageDigests = rows(Table.IMAGES).stream().map(r -> (String) r.getAs("digest")).collect(Collectors.toSet());
    assertThat(imageDigests).doesNotContainAnyElementsOf(truth.attestations().stream().map(EstateAttestation::digest).toList());
  }

  @Test
  void aCleanEstateHasNoCrawlErrors() {
    assertThat(rows(Table.CRAWL_ERRORS)).isEmpty();
    assertThat(cold.status()).isEqualTo("succeeded");
  }

  @Test
  void theWarmRerunSendsOneRequestPerTagBeyondTheTagListsAndWritesIdenticalTables() {
    int repositories = truth.repositories().size();
    assertThat(cold.repositories()).isEqualTo(repositories);
    assertThat(warm.requests()).isEqualTo(repositories + truth.tags().size());
    assertThat(warm.manifestsFetched()).isZero();
    assertThat(warm.configsFetched()).isZero();
    assertThat(cold.manifestsFetched()).isEqualTo(truth.manifests().size() - truth.attestations().size());
    assertThat(warmFiles.keySet()).isEqualTo(coldFiles.keySet());
    for (String file : coldFiles.keySet()) {
      assertThat(warmFiles.get(file)).as(file).isEqualTo(coldFiles.get(file));
    }
  }

  @Test
  void theColdCrawlReadsEachTagOnceAndEachManifestConfigAndLayerOnce() {
    Set<String> tagged = truth.tags().stream().map(EstateTag::digest).collect(Collectors.toSet());
    Set<String> attestations = truth.attestations().stream().map(EstateAttestation::digest).collect(Collectors.toSet());
    // Attestations are recorded from their index entry and never read.
    long children = truth.indexes().stream().flatMap(i -> i.manifestDigests().stream()).distinct()
        .filter(d -> !tagged.contains(d) && !attestations.contains(d)).count();
    long configs = truth.images().stream().map(EstateImage::configDigest).distinct().count();
    long layers = truth.images().stream().flatMap(i -> i.layers().stream()).map(EstateLayer::digest).distinct().count();
    // One tags/list page per repository, one HEAD per tag, then each tagged manifest (aliases share
    // one), index child, config and layer once.
    assertThat(cold.requests())
        .isEqualTo(truth.repositories().size() + truth.tags().size() + tagged.size() + children + configs + layers);
  }

  @Test
  void everyStoredManifestIsByteForByteWhatSkopeoReads() throws Exception {
    List<Row> stored = warehouse.read(Table.MANIFEST_STORE).collectAsList();
    Map<String, String> repositoryOf = new HashMap<>();
    truth.manifests().forEach(m -> repositoryOf.putIfAbsent(m.digest(), m.repository()));
    assertThat(stored).isNotEmpty();
    for (Row row : stored) {
      String digest = row.getAs("digest");
      Process skopeo = new ProcessBuilder("skopeo", "inspect", "--raw", "--tls-verify=false",
          "docker://" + registry.hostPort() + "/" + repositoryOf.get(digest) + "@" + digest)
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      byte[] raw = skopeo.getInputStream().readAllBytes();
      assertThat(skopeo.waitFor()).as("skopeo exit for " + digest).isZero();
      assertThat(Digest.sha256(raw)).isEqualTo(digest);
      assertThat((byte[]) row.getAs("content")).as(digest).isEqualTo(raw);
    }
  }

  @Test
  void duckDbReadsTheSameCountsAndSums() throws SQLException {
    long imageBytes = rows(Table.IMAGES).stream().mapToLong(r -> r.getAs("compressed_bytes")).sum();
    long layerBytes = rows(Table.IMAGE_LAYERS).stream().mapToLong(r -> r.getAs("compressed_bytes")).sum();
    String root = dir.resolve("warehouse").toString();
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
        Statement sql = duck.createStatement()) {
      assertThat(single(sql, "SELECT count(*) FROM read_parquet('" + root + "/tags/*/*.parquet', hive_partitioning=true) WHERE snapshot_date = DATE '2026-12-04'"))
          .isEqualTo(truth.tags().size());
      assertThat(single(sql, "SELECT count(*) FROM read_parquet('" + root + "/images/*/*.parquet', hive_partitioning=true)"))
          .isEqualTo(truth.images().size());
      assertThat(single(sql, "SELECT sum(compressed_bytes) FROM read_parquet('" + root + "/images/*/*.parquet', hive_partitioning=true)"))
          .isEqualTo(imageBytes);
      assertThat(single(sql, "SELECT sum(compressed_bytes) FROM read_parquet('" + root + "/image_layers/*/*.parquet', hive_partitioning=true)"))
          .isEqualTo(layerBytes);
      assertThat(single(sql, "SELECT sum(uncompressed_bytes) FROM read_parquet('" + root + "/images/*/*.parquet', hive_partitioning=true)"))
          .isEqualTo(truth.images().stream().mapToLong(EstateImage::uncompressedBytes).sum());
      assertThat(single(sql, "SELECT count(*) FROM read_parquet('" + root + "/crawl_errors/*/*.parquet', hive_partitioning=true)"))
          .isZero();
      assertThat(single(sql, "SELECT count(*) FROM read_parquet('" + root + "/runs/*/*.parquet', hive_partitioning=true) WHERE status = 'succeeded'"))
          .isEqualTo(2);
      assertThat(single(sql, "SELECT count(*) FROM read_parquet('" + root + "/attachments/*/*.parquet', hive_partitioning=true)"))
          .isEqualTo(truth.attestations().size() + truth.attachments().size());
    }
  }

  @Test
  void theQuarterlyReductionIsTheTeamsTableComputed() {
    Map<String, Row> api = rows(Table.QUARTERLY_SIZE_REDUCTION).stream()
        .filter(r -> "api-server".equals(r.getAs("component")))
        .collect(Collectors.toMap(r -> r.getAs("quarter"), r -> r));
    assertThat(api.keySet()).containsExactlyInAnyOrder("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4");
    EstateImage january = truth.image("erp/api-server", "2026.01.0");
    EstateImage april = truth.image("erp/api-server", "2026.04.0");
    EstateImage july = truth.image("erp/api-server", "2026.07.0");
    EstateImage october = truth.image("erp/api-server", "2026.10.0");
    assertReduction(api.get("2026-Q2"), january, april, "full", "slim");
    assertReduction(api.get("2026-Q3"), april, july, "slim", "slim");
    assertReduction(api.get("2026-Q4"), july, october, "slim", "distroless");
    // The whole year, as the team's note has it: 1,225,216 -> 350,208 bytes, 71.4 % smaller.
    assertThat(january.uncompressedBytes()).isEqualTo(1_225_216L);
    assertThat(october.uncompressedBytes()).isEqualTo(350_208L);
  }

  private static void assertReduction(Row row, EstateImage before, EstateImage after, String beforeFamily, String afterFamily) {
    assertThat((String) row.getAs("before_digest")).isEqualTo(before.digest());
    assertThat((String) row.getAs("after_digest")).isEqualTo(after.digest());
    assertThat((Long) row.getAs("before_uncompressed_bytes")).isEqualTo(before.uncompressedBytes());
    assertThat((Long) row.getAs("after_uncompressed_bytes")).isEqualTo(after.uncompressedBytes());
    long reduction = before.uncompressedBytes() - after.uncompressedBytes();
    assertThat((Long) row.getAs("reduction_bytes")).isEqualTo(reduction);
    assertThat((Double) row.getAs("reduction_pct"))
        .isEqualTo(Math.round(reduction * 1000.0 / before.uncompressedBytes()) / 10.0);
    assertThat((String) row.getAs("before_family")).isEqualTo(beforeFamily);
    assertThat((String) row.getAs("after_family")).isEqualTo(afterFamily);
  }

  @Test
  void baseImagesAreFoundByAnnotationAndByDiffIds() {
    Map<String, Row> bases = rows(Table.IMAGE_BASES).stream()
        .collect(Collectors.toMap(r -> r.getAs("image_digest"), r -> r));
    Row january = bases.get(truth.image("erp/api-server", "2026.01.0").digest());
    assertThat(List.of(january.getAs("base_ref"), january.getAs("base_family"), january.getAs("method")))
        .containsExactly("mirror/python:3.11", "full", "layers");
    Row april = bases.get(truth.image("erp/api-server", "2026.04.0").digest());
    assertThat(List.of(april.getAs("base_ref"), april.getAs("base_family"), april.getAs("method")))
        .containsExactly("mirror/python:3.11-slim", "slim", "layers");
    Row october = bases.get(truth.image("erp/api-server", "2026.10.0").digest());
    assertThat(List.of(october.getAs("base_family"), october.getAs("method")))
        .containsExactly("distroless", "annotation");
    Row pythonSlim = bases.get(truth.image("mirror/python", "3.11-slim").digest());
    assertThat((String) pythonSlim.getAs("base_ref")).isEqualTo("mirror/debian:bookworm-slim");
  }

  @Test
  void everyAnalyticsTableIsWrittenForTheNight() {
    for (Table table : List.of(Table.LAYER_SHARING, Table.DEDUP_SUMMARY, Table.COMPONENT_OVERLAP, Table.IMAGE_BASES,
        Table.BASE_IMAGE_ADOPTION, Table.SIZE_TRENDS, Table.SIZE_TREND_PERIODS, Table.IMAGE_POSTURE,
        Table.POSTURE_SUMMARY, Table.QUARTERLY_SIZE_REDUCTION)) {
      assertThat(rows(table)).as(table.path()).isNotEmpty();
    }
    assertThat(warm.command()).isEqualTo("run");
  }

  private static long single(Statement sql, String query) throws SQLException {
    try (ResultSet result = sql.executeQuery(query)) {
      result.next();
      return result.getLong(1);
    }
  }

  private List<Row> rows(Table table) {
    return warehouse.readSnapshot(table, NIGHT).collectAsList();
  }

  private Map<String, byte[]> snapshotFiles() throws IOException {
    Map<String, byte[]> files = new HashMap<>();
    Path root = dir.resolve("warehouse");
    for (Table table : List.of(Table.TAGS, Table.IMAGES, Table.IMAGE_LAYERS, Table.ATTACHMENTS, Table.CRAWL_ERRORS)) {
      Path partition = root.resolve(table.path()).resolve("snapshot_date=" + NIGHT);
      try (Stream<Path> listing = Files.list(partition)) {
        for (Path file : listing.filter(p -> p.toString().endsWith(".parquet")).toList()) {
          files.put(root.relativize(file).toString(), Files.readAllBytes(file));
        }
      }
    }
    return files;
  }
}
