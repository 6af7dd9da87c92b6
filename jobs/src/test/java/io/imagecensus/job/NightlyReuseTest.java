package io.imagecensus.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagecensus.config.CensusConfig;
import io.imagecensus.config.ConfigLoader;
import io.imagecensus.demo.EstateImage;
import io.imagecensus.demo.EstateTruth;
import io.imagecensus.model.MediaTypes;
import io.imagecensus.model.Table;
import io.imagecensus.testing.Directories;
import io.imagecensus.testing.RegistryAuth;
import io.imagecensus.testing.RegistryExtension;
import io.imagecensus.testing.RegistryProcess;
import io.imagecensus.testing.SampleWarehouse;
import io.imagecensus.testing.SharedSpark;
import io.imagecensus.testing.TestRegistry;
import io.imagecensus.warehouse.Warehouse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A later night takes over the previous snapshot's rows for every tag whose digest did not change,
 * and resolves the rest again: the result must be row for row what a crawl into an empty warehouse
 * writes for the same registry. Runs on a private copy of the sample registry, because it moves a
 * tag and hides a blob.
 *
 * <p>Night 1: erp/redis's amd64 config blob is missing, so erp/redis has a crawl error. Night 2:
 * the blob is back, erp/flower:2.0.1 was re-pushed to point at 2.0.2's manifest, and a new
 * repository erp/flower-mirror holds a copy of erp/flower (its tags, the same manifests). Night 3:
 * nothing changed, and night 2 had no crawl error, so its tag fingerprint decides alone that every
 * row is taken over. Night 4: a new tag erp/redis:amd64 points at the amd64 manifest inside the
 * redis index, a root no snapshot had. Then night 4's registry once more from scratch, where that
 * manifest is both a tag's root and a child of the tagged index.
 */
@ExtendWith(RegistryExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NightlyReuseTest {
  private static final LocalDate NIGHT_1 = LocalDate.of(2026, 12, 4);
  private static final LocalDate NIGHT_2 = LocalDate.of(2026, 12, 5);
  private static final LocalDate NIGHT_3 = LocalDate.of(2026, 12, 6);
  private static final LocalDate NIGHT_4 = LocalDate.of(2026, 12, 7);
  private static final String TAKEN_OVER = "reuse: the same tags point at the same manifests as on ";
  private static final String MIRROR = "erp/flower-mirror";
  private static final String REDIS_COMPONENT = "  - {name: redis, registry: erp, repositories: [erp/redis]}";
  private static final List<Table> SNAPSHOT_TABLES =
      List.of(Table.TAGS, Table.IMAGES, Table.IMAGE_LAYERS, Table.ATTACHMENTS, Table.CRAWL_ERRORS);

  private EstateTruth truth;
  private EstateImage redisAmd;
  private String flower202;
  private RunSummary night1;
  private RunSummary night2;
  private RunSummary fresh;
  private RunSummary night3;
  private RunSummary night4;
  private RunSummary freshNight4;
  /** What nights 2, 3 and 4 printed. */
  private final Map<LocalDate, String> printed = new HashMap<>();
  private Warehouse nightly;
  private Warehouse scratch;
  private Warehouse scratchNight4;
  /** Body bytes of every repository's tags/list answer on night 2, as the crawl asks for it. */
  private long tagListBytes;

  @BeforeAll
  void crawlTwoNightsAndOnceFromScratch(TestRegistry shared, @TempDir Path dir) throws Exception {
    truth = shared.truth();
    redisAmd = truth.images("erp/redis").stream().filter(i -> "amd64".equals(i.architecture())).findFirst().orElseThrow();
    flower202 = truth.tag("erp/flower", "2.0.2").digest();
    SparkSession spark = SharedSpark.get();
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    try (RegistryProcess registry = RegistryProcess.start(RegistryAuth.ANONYMOUS)) {
      Directories.copy(shared.storageDir(), registry.storageDir());
      CensusConfig nightlyConfig = config(dir, "nightly", registry.baseUrl(), false);
      CensusConfig nightlyWithMirror = config(dir, "nightly", registry.baseUrl(), true);
      CensusConfig scratchConfig = config(dir, "scratch", registry.baseUrl(), true);
      nightly = new Warehouse(spark, nightlyConfig.warehouse());
      scratch = new Warehouse(spark, scratchConfig.warehouse());

      Path configBlob = blobFile(registry.storageDir(), redisAmd.configDigest());
      Path hidden = dir.resolve("hidden-config-blob");
      Files.move(configBlob, hidden);
      night1 = new CensusRun(spark, nightlyConfig, Map.of(), quiet).crawl(NIGHT_1);
      Files.move(hidden, configBlob);

      retag(registry.baseUrl(), "erp/flower", flower202, "2.0.1");
      Path repositories = registry.storageDir().resolve("docker/registry/v2/repositories");
      Directories.copy(repositories.resolve("erp/flower"), repositories.resolve(MIRROR));
      for (String repository : Stream.concat(truth.repositories().stream(), Stream.of(MIRROR)).toList()) {
        tagListBytes += get(registry.baseUrl() + "/v2/" + repository + "/tags/list?n=1000").length;
      }
      night2 = crawl(spark, nightlyWithMirror, NIGHT_2);
      fresh = new CensusRun(spark, scratchConfig, Map.of(), quiet).crawl(NIGHT_2);
      night3 = crawl(spark, nightlyWithMirror, NIGHT_3);
      assertThat(redisAmd.indexDigest()).as("the amd64 redis image is an index child").isNotNull();
      retag(registry.baseUrl(), "erp/redis", redisAmd.digest(), "amd64");
      night4 = crawl(spark, nightlyWithMirror, NIGHT_4);
      CensusConfig scratchNight4Config = config(dir, "scratch-night-4", registry.baseUrl(), true);
      scratchNight4 = new Warehouse(spark, scratchNight4Config.warehouse());
      freshNight4 = new CensusRun(spark, scratchNight4Config, Map.of(), quiet).crawl(NIGHT_4);
    }
  }

  @Test
  void theFirstNightRecordsTheMissingConfigAgainstItsRepository() {
    assertThat(rows(nightly, Table.CRAWL_ERRORS, NIGHT_1))
        .singleElement()
        .satisfies(error -> {
          assertThat((String) error.getAs("repository")).isEqualTo("erp/redis");
          assertThat((String) error.getAs("reference")).isEqualTo(redisAmd.configDigest());
        });
  }

  @Test
  void rowsAreReusedOnlyFromASnapshotThisVersionWrote() {
    assertThat(nightly.writerVersion(Table.IMAGES, NIGHT_1)).contains(CensusRun.VERSION);
    assertThat(nightly.writerVersion(Table.IMAGES, NIGHT_1.minusDays(1))).isEmpty();
    assertThat(scratch.writerVersion(Table.IMAGES, NIGHT_1)).isEmpty();
  }

  @Test
  void theSecondNightIsRowForRowWhatACrawlFromScratchWrites() {
    for (Table table : SNAPSHOT_TABLES) {
      assertThat(sortedText(nightly, table, NIGHT_2)).as(table.path())
          .isEqualTo(sortedText(scratch, table, NIGHT_2));
    }
    assertThat(rows(nightly, Table.CRAWL_ERRORS, NIGHT_2)).isEmpty();
    long mirrorImages = rows(nightly, Table.IMAGES, NIGHT_2).stream().filter(i -> MIRROR.equals(i.getAs("repository"))).count();
    assertThat(mirrorImages).isEqualTo(truth.images("erp/flower").size() - 1);
    assertThat(rows(nightly, Table.IMAGES, NIGHT_2)).hasSize(rows(nightly, Table.IMAGES, NIGHT_1).size() - 1 + (int) mirrorImages);
    assertThat(rows(nightly, Table.TAGS, NIGHT_2).stream()
            .filter(t -> "erp/flower".equals(t.getAs("repository")) && "2.0.1".equals(t.getAs("tag")))
            .map(t -> (String) t.getAs("digest")))
        .containsExactly(flower202);
  }

  @Test
  void theSecondNightFetchesOnlyTheConfigTheFirstNightMissed() {
    int repositories = truth.repositories().size() + 1;
    List<String> mirrorTags = truth.tagNames("erp/flower");
    int tags = truth.tags().size() + mirrorTags.size();
    // Tag lists, one HEAD per tag (the new mirror's too), and the one config blob that was missing
    // on night 1. The mirror's manifests, configs and layers are all stored already: the only
    // bodies downloaded are the tag lists and that config blob.
    assertThat(night2.requests()).isEqualTo(repositories + tags + 1);
    long configSize = truth.blobs().stream().filter(b -> b.digest().equals(redisAmd.configDigest())).findFirst().orElseThrow().size();
    assertThat(night2.bytesDownloaded()).isEqualTo(tagListBytes + configSize);
    assertThat(night2.manifestsFetched()).isZero();
    List<String> stored = nightly.read(Table.MANIFEST_STORE).select("digest").as(Encoders.STRING()).collectAsList();
    assertThat(stored).doesNotHaveDuplicates();
    assertThat(night2.configsFetched()).isEqualTo(1);
    // From scratch, every manifest but erp/flower's old 2.0.1 one, which no tag reaches any more.
    assertThat(fresh.manifestsFetched()).isEqualTo(night1.manifestsFetched() - 1);
    // Every root of night 2 is either reused or found in the content store: none is fetched.
    long roots = rows(nightly, Table.TAGS, NIGHT_2).stream()
        .filter(t -> MediaTypes.isSupportedManifest(t.getAs("media_type")))
        .map(t -> (String) t.getAs("digest")).distinct().count();
    assertThat(night2.manifestsReused()).isEqualTo(roots);
    long configs = rows(nightly, Table.IMAGES, NIGHT_2).stream().map(i -> (String) i.getAs("config_digest")).distinct().count();
    assertThat(night2.configsReused()).isEqualTo(configs - 1);
    assertThat(fresh.configsReused()).isZero();
  }

  @Test
  void aNightWithTheSameTagsAsACleanNightTakesOverEveryRowWithoutComparingThem() {
    assertThat(printed.get(NIGHT_2)).as("night 1 had a crawl error").doesNotContain(TAKEN_OVER);
    assertThat(printed.get(NIGHT_3)).contains(TAKEN_OVER + NIGHT_2);
    for (Table table : SNAPSHOT_TABLES) {
      assertThat(sortedText(nightly, table, NIGHT_3)).as(table.path()).isEqualTo(sortedText(nightly, table, NIGHT_2));
    }
    int repositories = truth.repositories().size() + 1;
    int tags = truth.tags().size() + truth.tagNames("erp/flower").size();
    assertThat(night3.requests()).isEqualTo(repositories + tags);
    assertThat(night3.manifestsFetched()).isZero();
    assertThat(night3.configsFetched()).isZero();
  }

  @Test
  void aNewTagOnAManifestNoSnapshotHadAsARootIsResolvedAfterAllOnNight4() {
    assertThat(printed.get(NIGHT_4)).doesNotContain(TAKEN_OVER);
    // One HEAD more; the manifest was fetched on night 1 as an index child: nothing is fetched.
    assertThat(night4.requests()).isEqualTo(night3.requests() + 1);
    assertThat(night4.manifestsFetched()).isZero();
    List<String> redisImages = rows(nightly, Table.IMAGES, NIGHT_4).stream()
        .filter(i -> "erp/redis".equals(i.getAs("repository")))
        .map(i -> i.getAs("digest") + " index=" + i.getAs("index_digest")).sorted().toList();
    List<String> expected = new ArrayList<>(rows(nightly, Table.IMAGES, NIGHT_3).stream()
        .filter(i -> "erp/redis".equals(i.getAs("repository")))
        .map(i -> i.getAs("digest") + " index=" + i.getAs("index_digest")).toList());
    expected.add(redisAmd.digest() + " index=null");
    assertThat(redisImages).isEqualTo(expected.stream().sorted().toList());
  }

  @Test
  void aManifestThatIsATagRootAndAnIndexChildIsFetchedOnceFromScratch() {
    // The same manifests as from scratch on night 2: the amd64 one is read for its tag (the first
    // level of the walk) and found among them when the index's children are visited.
    assertThat(freshNight4.manifestsFetched()).isEqualTo(fresh.manifestsFetched());
    assertThat(freshNight4.requests()).isEqualTo(fresh.requests() + 1);
    assertThat(scratchNight4.read(Table.MANIFEST_STORE).select("digest").as(Encoders.STRING()).collectAsList())
        .doesNotHaveDuplicates();
    for (Table table : SNAPSHOT_TABLES) {
      assertThat(sortedText(scratchNight4, table, NIGHT_4)).as(table.path()).isEqualTo(sortedText(nightly, table, NIGHT_4));
    }
  }

  /** Crawls {@code night} and keeps what it printed. */
  private RunSummary crawl(SparkSession spark, CensusConfig config, LocalDate night) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    RunSummary summary = new CensusRun(spark, config, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8)).crawl(night);
    printed.put(night, out.toString(StandardCharsets.UTF_8));
    return summary;
  }

  /** The sample configuration on the warehouse {@code dir/name}, with or without the mirror component. */
  private static CensusConfig config(Path dir, String name, String registryUrl, boolean withMirror) throws IOException {
    String yaml = SampleWarehouse.config(dir.resolve(name), registryUrl);
    assertThat(yaml).contains(REDIS_COMPONENT);
    if (withMirror) {
      yaml = yaml.replace(REDIS_COMPONENT, REDIS_COMPONENT + "\n  - {name: flower-mirror, registry: erp, repositories: [" + MIRROR + "]}");
    }
    Path file = dir.resolve(name + (withMirror ? "-with-mirror" : "") + ".yaml");
    Files.writeString(file, yaml);
    return ConfigLoader.load(file);
  }

  private static byte[] get(String url) throws Exception {
    HttpResponse<byte[]> response = HttpClient.newHttpClient()
        .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).as(url).isEqualTo(200);
    return response.body();
  }

  private static List<Row> rows(Warehouse warehouse, Table table, LocalDate date) {
    return warehouse.readSnapshot(table, date).collectAsList();
  }

  private static List<String> sortedText(Warehouse warehouse, Table table, LocalDate date) {
    return rows(warehouse, table, date).stream().map(Row::toString).sorted().toList();
  }

  private static Path blobFile(Path storage, String digest) {
    String hex = digest.substring("sha256:".length());
    return storage.resolve("docker/registry/v2/blobs/sha256").resolve(hex.substring(0, 2)).resolve(hex).resolve("data");
  }

  /** Points {@code repository:tag} at the manifest {@code digest} of the same repository. */
  private static void retag(String baseUrl, String repository, String digest, String tag) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<byte[]> manifest = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v2/" + repository + "/manifests/" + digest))
        .header("Accept", MediaTypes.OCI_MANIFEST + ", " + MediaTypes.DOCKER_MANIFEST + ", " + MediaTypes.OCI_INDEX)
        .build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(manifest.statusCode()).isEqualTo(200);
    HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v2/" + repository + "/manifests/" + tag))
        .header("Content-Type", manifest.headers().firstValue("Content-Type").orElseThrow())
        .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest.body()))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
  }
}
