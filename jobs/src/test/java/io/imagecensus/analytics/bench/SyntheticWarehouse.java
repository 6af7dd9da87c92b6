package io.imagecensus.analytics.bench;

import io.imagecensus.analytics.BaseCatalogue;
import io.imagecensus.config.BaseImageSettings;
import io.imagecensus.model.Table;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * A deterministic synthetic warehouse of one night for the analytics benchmark: {@code images},
 * {@code image_layers}, {@code tags} and the base {@code catalogue}, about 8 layer rows per image.
 *
 * <p>Sharing is shaped like a real registry: 40 base images in 8 {@code mirror/base-N}
 * repositories (component null) built from 10 OS root layers and a few hundred base layers per
 * architecture; 100 application repositories of 40 components, each with a pool of 30 app layers
 * (dependency and code layers that change every 40 and 8 builds); one unique layer per image; the
 * 32-byte empty layer in every other image; every other repository multi-platform (amd64 + arm64
 * under one index); every 25th image of a secondary repository also in its component's first
 * repository; in repositories r % 3 == 0 the OS root of bases b % 5 == 0 recompressed (same
 * diff_id, other digest, 10 % bigger). Nothing is random: every value is a function of the image
 * number, so the same size always gives the same files.
 */
final class SyntheticWarehouse {
  static final String REGISTRY = "erp";
  static final String SNAPSHOT = "2026-10-01";
  static final int COMPONENTS = 40;
  static final int APP_REPOSITORIES = 100;
  static final int BASES = 40;
  static final int MIRRORS = 8;
  static final int OS_ROOTS = 10;
  static final int APP_POOL = 30;
  static final String EMPTY_LAYER = "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4";
  static final String EMPTY_DIFF_ID = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";

  private SyntheticWarehouse() {}

  /** Writes the four tables for about {@code layerRows} image-layer rows under {@code root}. */
  static void write(SparkSession spark, String root, long layerRows, int files) {
    long images = Math.max(BASES * 2L + APP_REPOSITORIES * 2L, layerRows / 8);
    Dataset<Long> numbers = spark.range(0, images, 1, files).as(Encoders.LONG());
    Dataset<Row> imageRows = numbers.flatMap(
        (FlatMapFunction<Long, Row>) n -> imageRowsOf(n).iterator(), Encoders.row(Table.IMAGES.schema()));
    Dataset<Row> layerRowsOut = numbers.flatMap(
        (FlatMapFunction<Long, Row>) n -> layerRowsOf(n).iterator(), Encoders.row(Table.IMAGE_LAYERS.schema()));
    Dataset<Row> tagRows = numbers.flatMap(
        (FlatMapFunction<Long, Row>) n -> tagRowsOf(n).iterator(), Encoders.row(Table.TAGS.schema()));
    writeSnapshot(imageRows, root + "/images", files);
    writeSnapshot(layerRowsOut, root + "/image_layers", files);
    writeSnapshot(tagRows, root + "/tags", files);

    Dataset<Row> tags = spark.read().parquet(root + "/tags").drop(Table.SNAPSHOT_DATE);
    Dataset<Row> imagesBack = spark.read().parquet(root + "/images").drop(Table.SNAPSHOT_DATE);
    List<BaseImageSettings> entries = new ArrayList<>();
    for (int m = 0; m < MIRRORS; m++) {
      entries.add(new BaseImageSettings(REGISTRY, mirror(m), List.of("*-slim"), "slim"));
    }
    BaseCatalogue.of(entries, tags, imagesBack).coalesce(1).write().mode(SaveMode.Overwrite).parquet(root + "/catalogue");
  }

  private static void writeSnapshot(Dataset<Row> rows, String path, int files) {
    rows.withColumn(Table.SNAPSHOT_DATE, functions.lit(java.sql.Date.valueOf(SNAPSHOT)))
        .repartition(files)
        .write().mode(SaveMode.Overwrite).partitionBy(Table.SNAPSHOT_DATE).parquet(path);
  }

  /** Image numbers below 2 x BASES are the base images (one per platform); the rest app builds. */
  record Image(long number, String repository, String component, int base, int arch, int repo, long build,
      String index) {
    String digest() {
      return sha("image:" + number);
    }

    String archName() {
      return arch == 0 ? "amd64" : "arm64";
    }
  }

  static Image image(long n) {
    if (n < 2L * BASES) {
      int base = (int) (n / 2);
      int arch = (int) (n % 2);
      return new Image(n, mirror(base % MIRRORS), null, base, arch, -1, base, sha("base-index:" + base));
    }
    long app = n - 2L * BASES;
    int repo = (int) (app % APP_REPOSITORIES);
    long build = app / APP_REPOSITORIES;
    boolean multiPlatform = repo % 2 == 0;
    int arch = multiPlatform ? (int) (build % 2) : 0;
    long release = multiPlatform ? build / 2 : build;
    String index = multiPlatform ? sha("index:" + repo + ":" + release) : null;
    // The base drifts every 200 releases, so a repository moves across a few bases over time.
    int base = (int) ((repo * 7L + release / 200) % BASES);
    return new Image(n, repositoryName(repo), componentOf(repo), base, arch, repo, release, index);
  }

  static String mirror(int m) {
    return "mirror/base-" + m;
  }

  static String componentOf(int repo) {
    return "comp-" + String.format("%02d", repo % COMPONENTS);
  }

  static String repositoryName(int repo) {
    int component = repo % COMPONENTS;
    int secondary = repo / COMPONENTS;
    return secondary == 0 ? "erp/comp-" + String.format("%02d", component)
        : "erp/comp-" + String.format("%02d", component) + "-part-" + secondary;
  }

  private static List<Row> imageRowsOf(long n) {
    Image image = image(n);
    List<String[]> layers = layersOf(image);
    long compressed = 0;
    for (String[] layer : layers) {
      compressed += Long.parseLong(layer[2]);
    }
    List<Row> rows = new ArrayList<>();
    rows.add(imageRow(image, image.repository(), image.component(), layers.size(), compressed));
    // Every 25th build of a secondary repository is promoted into the component's first one.
    if (image.repo() >= COMPONENTS && image.build() % 25 == 0) {
      int first = image.repo() % COMPONENTS;
      rows.add(imageRow(image, repositoryName(first), componentOf(first), layers.size(), compressed));
    }
    return rows;
  }

  private static Row imageRow(Image image, String repository, String component, int layerCount, long compressed) {
    return RowFactory.create(REGISTRY, repository, component, image.digest(), image.index(),
        "application/vnd.oci.image.manifest.v1+json", "linux", image.archName(), null,
        sha("config:" + image.number()), new Timestamp(1_780_000_000_000L + image.number() * 60_000L),
        layerCount, compressed, compressed * 5 / 2, image.number() % 3 == 0 ? "0" : "app",
        image.number() % 3 == 0, image.number() % 2 == 0, null, layerCount + 2, null, null, null, null,
        900L, 4000L);
  }

  /** Each layer as {digest, diff_id, compressed bytes}. */
  static List<String[]> layersOf(Image image) {
    List<String[]> layers = new ArrayList<>();
    String arch = image.archName();
    int os = image.base() % OS_ROOTS;
    boolean recompressed = image.base() % 5 == 0 && image.repo() >= 0 && image.repo() % 3 == 0;
    long osBytes = 20_000_000L + mix("os:" + os + arch) % 40_000_000L;
    layers.add(recompressed
        ? new String[] {sha("layer:os-zstd:" + os + arch), sha("diff:os:" + os + arch), Long.toString(osBytes * 11 / 10)}
        : new String[] {sha("layer:os:" + os + arch), sha("diff:os:" + os + arch), Long.toString(osBytes)});
    int own = 2 + image.base() % 4;
    for (int j = 0; j < own; j++) {
      String key = "base:" + image.base() + ":" + j + arch;
      layers.add(new String[] {sha("layer:" + key), sha("diff:" + key), Long.toString(1_000_000L + mix(key) % 29_000_000L)});
    }
    if (image.repo() >= 0) {
      String deps = "app:" + image.repo() + ":" + (image.build() / 40) % APP_POOL + arch;
      String code = "app:" + image.repo() + ":" + (image.build() / 8 + APP_POOL / 2) % APP_POOL + arch;
      layers.add(new String[] {sha("layer:" + deps), sha("diff:" + deps), Long.toString(1_000_000L + mix(deps) % 49_000_000L)});
      layers.add(new String[] {sha("layer:" + code), sha("diff:" + code), Long.toString(1_000_000L + mix(code) % 49_000_000L)});
      if (image.build() % 2 == 0) {
        layers.add(new String[] {EMPTY_LAYER, EMPTY_DIFF_ID, "32"});
      }
      String unique = "unique:" + image.number();
      layers.add(new String[] {sha("layer:" + unique), sha("diff:" + unique), Long.toString(1_000L + mix(unique) % 2_000_000L)});
    }
    return layers;
  }

  private static List<Row> layerRowsOf(long n) {
    Image image = image(n);
    List<String[]> layers = layersOf(image);
    List<Row> rows = new ArrayList<>(layers.size());
    for (int position = 0; position < layers.size(); position++) {
      String[] layer = layers.get(position);
      long compressed = Long.parseLong(layer[2]);
      // One layer in a hundred has an unknown uncompressed size, as when a blob cannot be measured.
      Long uncompressed = mix(layer[0]) % 100 == 0 ? null : compressed * 5 / 2;
      rows.add(RowFactory.create(image.digest(), position, layer[0], layer[1], compressed, uncompressed,
          "application/vnd.oci.image.layer.v1.tar+gzip", "RUN step " + position));
    }
    return rows;
  }

  private static List<Row> tagRowsOf(long n) {
    Image image = image(n);
    List<Row> rows = new ArrayList<>();
    if (image.arch() != 0) {
      return rows; // the amd64 image carries the tags of its index
    }
    String digest = image.index() != null ? image.index() : image.digest();
    String mediaType = image.index() != null ? "application/vnd.oci.image.index.v1+json"
        : "application/vnd.oci.image.manifest.v1+json";
    String tag = image.repo() < 0 ? "base" + image.base() + "-slim" : "b" + image.build();
    rows.add(RowFactory.create(REGISTRY, image.repository(), image.component(), tag, digest, mediaType));
    // The first release of each application repository is also "latest": an alias tag.
    if (image.repo() >= 0 && image.build() == 0) {
      rows.add(RowFactory.create(REGISTRY, image.repository(), image.component(), "latest", digest, mediaType));
    }
    return rows;
  }

  static String sha(String text) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return "sha256:" + HexFormat.of().formatHex(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A non-negative pseudo-random number fixed by the text. */
  static long mix(String text) {
    long h = 1125899906842597L;
    for (int i = 0; i < text.length(); i++) {
      h = 31 * h + text.charAt(i);
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return h & Long.MAX_VALUE;
  }
}
