package io.imagecensus.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagecensus.model.Digest;
import io.imagecensus.model.Table;
import io.imagecensus.testing.SharedSpark;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The walk from tags through nested indexes, on hand-written manifests. */
class ImageResolverTest {
  private static final String CONFIG = "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:"
      + "c".repeat(64) + "\",\"size\":100}";
  private static final String IMAGE_A = image("a");
  private static final String IMAGE_B = image("b");
  private static final String SCHEMA1 = "{\"schemaVersion\":1,\"name\":\"erp/redis\",\"tag\":\"old\",\"fsLayers\":[]}";
  private static final String SIGNATURE = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
      + "\"config\":" + CONFIG + ",\"layers\":[{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\","
      + "\"digest\":\"sha256:" + "5".repeat(64) + "\",\"size\":250}]}";
  private static final String ATTESTATION = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}";
  private static final String INNER_INDEX = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
      + "\"manifests\":[" + child(IMAGE_B, "linux", "arm64", "v8", "") + "," + child(SCHEMA1, "linux", "s390x", null, "") + "]}";
  private static final String OUTER_INDEX = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
      + "\"manifests\":[" + child(IMAGE_A, "linux", "amd64", null, "") + "," + child(INNER_INDEX, null, null, null, "")
      + "," + child(ATTESTATION, "unknown", "unknown", null,
          ",\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\",\"vnd.docker.reference.digest\":\""
              + digest(IMAGE_A) + "\"}") + "]}";

  private static String image(String seed) {
    return "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":" + CONFIG
        + ",\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:"
        + seed.repeat(64) + "\",\"size\":1000}]}";
  }

  private static String child(String manifest, String os, String architecture, String variant, String extra) {
    String platform = os == null ? "" : ",\"platform\":{\"os\":\"" + os + "\",\"architecture\":\"" + architecture + "\""
        + (variant == null ? "" : ",\"variant\":\"" + variant + "\"") + "}";
    String mediaType = manifest.contains("\"manifests\"") ? "application/vnd.oci.image.index.v1+json"
        : manifest.contains("\"schemaVersion\":1") ? "application/vnd.docker.distribution.manifest.v1+json"
        : "application/vnd.oci.image.manifest.v1+json";
    return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest(manifest) + "\",\"size\":"
        + manifest.length() + platform + extra + "}";
  }

  private static String digest(String manifest) {
    return Digest.sha256(manifest.getBytes(StandardCharsets.UTF_8));
  }

  private final SparkSession spark = SharedSpark.get();

  /** The parsed manifests by digest, as the manifest wave reads them. */
  private static Map<String, Row> parsedStore() {
    Map<String, Row> store = new HashMap<>();
    for (String manifest : List.of(IMAGE_A, IMAGE_B, SCHEMA1, SIGNATURE, ATTESTATION, INNER_INDEX, OUTER_INDEX)) {
      store.put(digest(manifest), ParsedManifests.parse(digest(manifest), null, manifest.getBytes(StandardCharsets.UTF_8)));
    }
    return store;
  }

  /** Each frontier row joined with the parsed manifest of its digest, as a manifest task joins them. */
  private Dataset<Row> reach(Dataset<Row> frontier, Map<String, Row> store) {
    List<Row> reached = new ArrayList<>();
    for (Row row : frontier.collectAsList()) {
      Row parsed = store.get(row.<String>getAs("digest"));
      if (parsed != null) {
        reached.add(ImageResolver.reach(row, parsed));
      }
    }
    return spark.createDataFrame(reached, ImageResolver.REACHED);
  }

  private Dataset<Row> tags() {
    return spark.createDataFrame(List.of(
        RowFactory.create("erp", "erp/redis", "redis", "7.2", digest(OUTER_INDEX), "application/vnd.oci.image.index.v1+json"),
        RowFactory.create("erp", "erp/redis", "redis", "sha256-sig", digest(SIGNATURE), "application/vnd.oci.image.manifest.v1+json")),
        Table.TAGS.schema());
  }

  private static final Map<Integer, List<List<String>>> WALKS = new ConcurrentHashMap<>();

  /** The walk up to {@code maxDepth}, computed once per depth: Spark jobs are slow to start. */
  private List<List<String>> walk(int maxDepth) {
    return WALKS.computeIfAbsent(maxDepth, this::walkOnce);
  }

  /** Walks up to {@code maxDepth} the way the crawl stage does and returns what each part holds. */
  private List<List<String>> walkOnce(int maxDepth) {
    Dataset<Row> frontier = ImageResolver.roots(tags());
    Map<String, Row> store = parsedStore();
    List<String> images = new ArrayList<>();
    List<String> attachments = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    for (int depth = 0; depth <= maxDepth; depth++) {
      ImageResolver.Level level = ImageResolver.level(reach(frontier, store), depth);
      level.images().collectAsList().forEach(r -> images.add(r.getAs("digest") + " via " + r.getAs("index_digest")
          + " " + r.getAs("platform_os") + "/" + r.getAs("platform_architecture") + "/" + r.getAs("platform_variant")));
      level.attachments().collectAsList().forEach(r -> attachments.add(r.getAs("digest") + " " + r.getAs("kind")
          + " via " + r.getAs("index_digest") + " subject " + r.getAs("subject_digest")));
      level.errors().collectAsList().forEach(r -> errors.add((String) r.getAs("message")));
      frontier = level.next();
      if (depth == maxDepth) {
        ImageResolver.tooDeep(frontier, maxDepth).collectAsList().forEach(r -> errors.add((String) r.getAs("message")));
      }
    }
    return List.of(sorted(images), sorted(attachments), sorted(errors));
  }

  private static List<String> sorted(List<String> values) {
    return values.stream().sorted().collect(Collectors.toList());
  }

  @Test
  void nestedIndexesGiveOneImagePerPlatformUnderTheTaggedIndex() {
    List<List<String>> result = walk(4);
    assertThat(result.get(0)).containsExactlyElementsOf(sorted(List.of(
        digest(IMAGE_A) + " via " + digest(OUTER_INDEX) + " linux/amd64/null",
        digest(IMAGE_B) + " via " + digest(OUTER_INDEX) + " linux/arm64/v8")));
  }

  @Test
  void attestationsAndSignaturesAreAttachmentsNotImages() {
    assertThat(walk(4).get(1)).containsExactlyElementsOf(sorted(List.of(
        digest(ATTESTATION) + " attestation via " + digest(OUTER_INDEX) + " subject " + digest(IMAGE_A),
        digest(SIGNATURE) + " signature via null subject null")));
  }

  @Test
  void aSchema1ManifestInsideAnIndexIsAnErrorAndTheWalkGoesOn() {
    assertThat(walk(4).get(2)).containsExactly("Tried to read the manifest erp/redis@" + digest(SCHEMA1)
        + " but failed because: it is a Docker schema 1 manifest, which is not crawled; rebuild the image");
  }

  @Test
  void indexesNestedDeeperThanTheLimitAreReportedNotFollowed() {
    List<List<String>> result = walk(1);
    assertThat(result.get(0)).containsExactly(digest(IMAGE_A) + " via " + digest(OUTER_INDEX) + " linux/amd64/null");
    assertThat(result.get(2)).containsExactlyElementsOf(sorted(List.of(
        "Tried to follow index " + digest(OUTER_INDEX) + " to " + digest(IMAGE_B)
            + " but failed because: indexes nest deeper than crawl.max-index-depth (1); raise it",
        "Tried to follow index " + digest(OUTER_INDEX) + " to " + digest(SCHEMA1)
            + " but failed because: indexes nest deeper than crawl.max-index-depth (1); raise it")));
  }
}
