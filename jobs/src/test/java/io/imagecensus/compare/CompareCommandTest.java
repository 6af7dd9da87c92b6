package io.imagecensus.compare;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imagecensus.demo.EstateImage;
import io.imagecensus.demo.EstateLayer;
import io.imagecensus.demo.EstateTruth;
import io.imagecensus.testing.RegistryAuth;
import io.imagecensus.testing.RegistryExtension;
import io.imagecensus.testing.RegistryMode;
import io.imagecensus.testing.RegistryProcess;
import io.imagecensus.testing.SampleWarehouse;
import io.imagecensus.testing.TestRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code image-census compare} against the real registry seeded with the sample estate. */
@ExtendWith(RegistryExtension.class)
class CompareCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String API = "erp/api-server";
  private static final Map<String, String> CREDENTIALS =
      Map.of("ERP_USER", RegistryProcess.USER, "ERP_PASSWORD", RegistryProcess.PASSWORD);

  @TempDir
  Path dir;

  record Result(int exit, String out, String err) {}

  private static Result compare(Map<String, String> environment, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = CompareCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), environment);
    return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The configuration of a census of the test registry: its url, optional auth, the base catalogue. */
  private String config(TestRegistry registry, boolean withAuth) throws IOException {
    Path file = dir.resolve("image-census.yaml");
    String census = SampleWarehouse.config(dir.resolve("warehouse"), registry.baseUrl());
    Files.writeString(file, withAuth
        ? census.replace("insecure: true}", "insecure: true, auth: {username-env: ERP_USER, password-env: ERP_PASSWORD}}")
        : census);
    return file.toString();
  }

  private static String ref(TestRegistry registry, String repository, String tag) {
    return registry.hostPort() + "/" + repository + ":" + tag;
  }

  private static long compressed(EstateImage image, int fromLayer, int toLayer) {
    return image.layers().subList(fromLayer, toLayer).stream().mapToLong(EstateLayer::compressedSize).sum();
  }

  @Test
  void shrinkingPairPassesAndItsJsonMatchesTheEstateFieldByField(TestRegistry registry) throws IOException {
    EstateTruth truth = registry.truth();
    EstateImage a = truth.image(API, "2026.01.0");
    EstateImage b = truth.image(API, "2026.04.0");

    Result result = compare(Map.of(), ref(registry, API, "2026.01.0"), ref(registry, API, "2026.04.0"),
        "--config", config(registry, false), "--max-growth", "5%", "--format", "json");

    assertThat(result.exit()).as(result.err()).isEqualTo(0);
    assertThat(result.err()).isEmpty();
    JsonNode json = JSON.readTree(result.out());
    assertThat(json.get("passed").asBoolean()).isTrue();
    assertThat(json.get("measure").asText()).isEqualTo("compressed");
    assertThat(json.get("max_growth_percent").decimalValue()).isEqualByComparingTo("5");
    // 512,428 -> 312,892 bytes: -199,536 / 512,428 = -38.939... %
    assertThat(json.get("growth_percent").decimalValue()).isEqualByComparingTo("-38.94");
    assertThat(json.get("delta_bytes").asLong()).isEqualTo(b.compressedBytes() - a.compressedBytes());
    assertImage(json.get("a"), registry, "2026.01.0", a);
    assertImage(json.get("b"), registry, "2026.04.0", b);

    // mirror/python:3.11 (full) has 7 layers, mirror/python:3.11-slim 4: both found in the catalogue.
    JsonNode baseA = json.get("a").get("base");
    assertThat(baseA.get("rule").asText()).isEqualTo("catalogue");
    assertThat(baseA.get("name").asText()).isEqualTo("mirror/python:3.11");
    assertThat(baseA.get("digest").asText()).isEqualTo(truth.tag("mirror/python", "3.11").digest());
    assertThat(baseA.get("family").asText()).isEqualTo("full");
    assertThat(baseA.get("layers").asInt()).isEqualTo(7).isEqualTo(truth.image("mirror/python", "3.11").layerCount());
    assertThat(baseA.get("compressed_bytes").asLong()).isEqualTo(compressed(a, 0, 7));
    JsonNode baseB = json.get("b").get("base");
    assertThat(baseB.get("rule").asText()).isEqualTo("catalogue");
    assertThat(baseB.get("name").asText()).isEqualTo("mirror/python:3.11-slim");
    assertThat(baseB.get("digest").asText()).isEqualTo(truth.tag("mirror/python", "3.11-slim").digest());
    assertThat(baseB.get("family").asText()).isEqualTo("slim");
    assertThat(baseB.get("layers").asInt()).isEqualTo(4).isEqualTo(truth.image("mirror/python", "3.11-slim").layerCount());

    JsonNode delta = json.get("delta");
    assertThat(delta.get("compressed_bytes").asLong()).isEqualTo(b.compressedBytes() - a.compressedBytes());
    assertThat(delta.get("uncompressed_bytes").asLong()).isEqualTo(b.uncompressedBytes() - a.uncompressedBytes());
    assertThat(delta.get("layer_count").asInt()).isEqualTo(-3);
    long baseDelta = compressed(b, 0, 4) - compressed(a, 0, 7);
    assertThat(delta.get("base_compressed_bytes").asLong()).isEqualTo(baseDelta);
    assertThat(delta.get("app_compressed_bytes").asLong()).isEqualTo(compressed(b, 4, 8) - compressed(a, 7, 11));
    assertThat(json.get("base_changed").asBoolean()).isTrue();
    assertThat(json.get("user_change").asText()).isEqualTo("none");

    // Only the python3 symlinks layer (A's 7th, B's 4th) has the same content in both images.
    List<String> expected = new ArrayList<>();
    String[] bChanges = {"added base", "added base", "added base", "kept base", "added app", "added app", "added app", "added app"};
    for (int j = 0; j < 8; j++) {
      expected.add(bChanges[j] + " " + (j == 3 ? "6" : "null") + " " + j + " " + layerFacts(b.layers().get(j)));
    }
    for (int i : new int[] {0, 1, 2, 3, 4, 5, 7, 8, 9, 10}) {
      expected.add("removed " + (i < 7 ? "base" : "app") + " " + i + " null " + layerFacts(a.layers().get(i)));
    }
    List<String> actual = new ArrayList<>();
    json.get("layers").forEach(l -> actual.add(l.get("change").asText() + " " + l.get("part").asText() + " "
        + l.get("position_a") + " " + l.get("position_b") + " " + l.get("digest").asText() + " " + l.get("diff_id").asText()
        + " " + l.get("media_type").asText() + " " + l.get("compressed_bytes").asLong() + " "
        + l.get("uncompressed_bytes").asLong() + " " + l.get("created_by").asText()));
    assertThat(actual).containsExactlyElementsOf(expected);
  }

  private static String layerFacts(EstateLayer layer) {
    return layer.digest() + " " + layer.diffId() + " " + layer.mediaType() + " " + layer.compressedSize() + " "
        + layer.uncompressedSize() + " " + layer.createdBy();
  }

  private static void assertImage(JsonNode node, TestRegistry registry, String tag, EstateImage expected) {
    assertThat(node.get("reference").asText()).isEqualTo(ref(registry, API, tag));
    assertThat(node.get("registry").asText()).isEqualTo(registry.hostPort());
    assertThat(node.get("repository").asText()).isEqualTo(API);
    assertThat(node.get("tag").asText()).isEqualTo(tag);
    assertThat(node.get("digest").asText()).isEqualTo(expected.digest());
    assertThat(node.get("index_digest").isNull()).isTrue();
    assertThat(node.get("platform").asText()).isEqualTo("linux/amd64");
    assertThat(node.get("created").asText()).isEqualTo(expected.created().toString());
    assertThat(node.get("user").asText()).isEqualTo(expected.user());
    assertThat(node.get("runs_as_root").asBoolean()).isEqualTo(expected.runsAsRoot());
    assertThat(node.get("layer_count").asInt()).isEqualTo(expected.layerCount());
    assertThat(node.get("compressed_bytes").asLong()).isEqualTo(expected.compressedBytes());
    assertThat(node.get("uncompressed_bytes").asLong()).isEqualTo(expected.uncompressedBytes());
  }

  @Test
  void growingPairFailsWithExitThreeAndNamesBasesUsersAndSizes(TestRegistry registry) throws IOException {
    EstateImage a = registry.truth().image(API, "2026.10.0");
    EstateImage b = registry.truth().image(API, "2026.01.0");

    // Going back from the distroless build to the January one on the full Python base.
    Result result = compare(Map.of(), ref(registry, API, "2026.10.0"), ref(registry, API, "2026.01.0"),
        "--config", config(registry, false), "--max-growth", "5%");

    assertThat(result.exit()).isEqualTo(3);
    List<String> lines = result.out().lines().toList();
    assertThat(lines).contains(
        "A  " + ref(registry, API, "2026.10.0"),
        "B  " + ref(registry, API, "2026.01.0"),
        String.format("compressed    %-26s %-26s %s", String.format("%,d B (127.3 kB)", a.compressedBytes()),
            String.format("%,d B (512.4 kB)", b.compressedBytes()),
            String.format("%+,d B (+385.2 kB, +302.7 %%)", b.compressedBytes() - a.compressedBytes())),
        String.format("uncompressed  %-26s %-26s %s", String.format("%,d B (350.2 kB)", a.uncompressedBytes()),
            String.format("%,d B (1.2 MB)", b.uncompressedBytes()),
            String.format("%+,d B (+875.0 kB, +249.9 %%)", b.uncompressedBytes() - a.uncompressedBytes())),
        "layers        5                          11                         +6",
        "base          registry.erp.example/mirror/distroless-python:3.11 (distroless, 3 layers, annotation)"
            + " -> mirror/python:3.11 (full, 7 layers, catalogue): changed",
        "user          65532 -> root (no USER): non-root -> root");
    assertThat(lines.get(lines.size() - 1)).isEqualTo(String.format(
        "FAILED: compressed size grew by +302.7 %% (%+,d B), over the limit of +5 %%", b.compressedBytes() - a.compressedBytes()));
    // The layer list: B's 11 layers (all added, nothing in common with distroless), then A's 5 removed.
    long added = lines.stream().filter(l -> l.startsWith("added ")).count();
    long removed = lines.stream().filter(l -> l.startsWith("removed ")).count();
    assertThat(added).isEqualTo(b.layerCount());
    assertThat(removed).isEqualTo(a.layerCount());
  }

  @Test
  void theLimitIsExactAtTheEdge(TestRegistry registry) throws IOException {
    EstateImage a = registry.truth().image("erp/flower", "2.0.1");
    EstateImage b = registry.truth().image("erp/flower", "2.0.2");
    long grew = b.compressedBytes() - a.compressedBytes();
    // flower 2.0.2 grew by 180 of 71,665 bytes: 0.2512 %.
    assertThat(grew).isEqualTo(180);
    assertThat(a.compressedBytes()).isEqualTo(71_665);
    String refA = ref(registry, "erp/flower", "2.0.1");
    String refB = ref(registry, "erp/flower", "2.0.2");
    String config = config(registry, false);

    assertThat(compare(Map.of(), refA, refB, "--config", config, "--max-growth", "0.25%").exit()).isEqualTo(3);
    Result passes = compare(Map.of(), refA, refB, "--config", config, "--max-growth", "0.26%", "--format", "json");
    assertThat(passes.exit()).isEqualTo(0);
    JsonNode json = JSON.readTree(passes.out());
    assertThat(json.get("growth_percent").decimalValue()).isEqualByComparingTo("0.25");
    assertThat(json.get("user_change").asText()).isEqualTo("root_to_non_root");
    assertThat(json.get("base_changed").asBoolean()).isFalse();
    assertThat(json.get("a").get("base").get("name").asText()).isEqualTo("mirror/python:3.11-alpine");
  }

  @Test
  void uncompressedMeasureAppliesTheLimitToUncompressedBytes(TestRegistry registry) throws IOException {
    EstateImage a = registry.truth().image("erp/flower", "2.0.1");
    EstateImage b = registry.truth().image("erp/flower", "2.0.2");
    // Uncompressed, flower grew by 2,560 of 215,040 bytes: 1.19 %, over a 1 % limit the compressed size keeps.
    Result result = compare(Map.of(), ref(registry, "erp/flower", "2.0.1"), ref(registry, "erp/flower", "2.0.2"),
        "--config", config(registry, false), "--max-growth", "1%", "--measure", "uncompressed", "--format", "json");

    assertThat(result.exit()).isEqualTo(3);
    JsonNode json = JSON.readTree(result.out());
    assertThat(json.get("measure").asText()).isEqualTo("uncompressed");
    assertThat(json.get("delta_bytes").asLong()).isEqualTo(b.uncompressedBytes() - a.uncompressedBytes()).isEqualTo(2_560);
    assertThat(json.get("growth_percent").decimalValue()).isEqualByComparingTo("1.19");
  }

  @Test
  void markdownIsATableForAPullRequestComment(TestRegistry registry) throws IOException {
    EstateImage a = registry.truth().image(API, "2026.07.0");
    EstateImage b = registry.truth().image(API, "2026.10.0");

    Result result = compare(Map.of(), ref(registry, API, "2026.07.0"), ref(registry, API, "2026.10.0"),
        "--config", config(registry, false), "--max-growth", "5%", "--format", "markdown");

    assertThat(result.exit()).isEqualTo(0);
    assertThat(result.out()).startsWith("### Image size: passed\n\n" + String.format(
        "PASSED: compressed size changed by -14.6 %% (%+,d B); the limit is +5 %%\n\n", b.compressedBytes() - a.compressedBytes()));
    List<String> lines = result.out().lines().toList();
    assertThat(lines).contains(
        "| | A | B | change |",
        "| image | `" + ref(registry, API, "2026.07.0") + "` | `" + ref(registry, API, "2026.10.0") + "` | |",
        String.format("| compressed | %,d B (149.0 kB) | %,d B (127.3 kB) | %+,d B (-21.7 kB, -14.6 %%) |",
            a.compressedBytes(), b.compressedBytes(), b.compressedBytes() - a.compressedBytes()),
        "| layers | 7 | 5 | -2 |",
        "| base | mirror/python:3.11-slim (slim, 4 layers, catalogue)"
            + " | registry.erp.example/mirror/distroless-python:3.11 (distroless, 3 layers, annotation)"
            + String.format(" | changed; %+,d B (-21.3 kB) base, %+,d B app |",
                compressed(b, 0, 3) - compressed(a, 0, 4), compressed(b, 3, 5) - compressed(a, 4, 7)),
        "| user | 1000:1000 | 65532 | unchanged (non-root) |",
        "<details><summary>Layers: 0 kept, 5 added, 7 removed</summary>",
        "| change | part | layer | compressed | uncompressed | created_by |");
    assertThat(lines).filteredOn(l -> l.startsWith("| added | base |")).hasSize(3);
    assertThat(lines).filteredOn(l -> l.startsWith("| added | app |")).hasSize(2);
    assertThat(lines).filteredOn(l -> l.startsWith("| removed | base |")).hasSize(4);
    assertThat(lines).filteredOn(l -> l.startsWith("| removed | app |")).hasSize(3);
    EstateLayer appCode = b.layers().get(4);
    assertThat(lines).contains(String.format("| added | app | `%s` | %,d B (15.9 kB) | %,d B (44.0 kB) | %s |",
        appCode.digest().substring(7, 19), appCode.compressedSize(), appCode.uncompressedSize(), appCode.createdBy()));
  }

  @Test
  void anIndexGivesTheImageOfTheAskedPlatformAndNeverAnAttestation(TestRegistry registry) throws IOException {
    EstateTruth truth = registry.truth();
    EstateImage debianArm = arm64(truth, "mirror/debian");
    EstateImage redisArm = arm64(truth, "erp/redis");

    // No --config: plain http to the registry on this machine, bases by shared leading layers.
    Result result = compare(Map.of(), ref(registry, "mirror/debian", "bookworm-slim"), ref(registry, "erp/redis", "7.2"),
        "--insecure", "--platform", "linux/arm64", "--max-growth", "100%", "--format", "json");

    assertThat(result.exit()).as(result.err()).isEqualTo(0);
    JsonNode json = JSON.readTree(result.out());
    assertThat(json.get("a").get("digest").asText()).isEqualTo(debianArm.digest());
    assertThat(json.get("a").get("index_digest").asText()).isEqualTo(truth.tag("mirror/debian", "bookworm-slim").digest());
    assertThat(json.get("b").get("digest").asText()).isEqualTo(redisArm.digest());
    assertThat(json.get("b").get("index_digest").asText()).isEqualTo(truth.tag("erp/redis", "7.2").digest());
    assertThat(json.get("b").get("platform").asText()).isEqualTo("linux/arm64/v8");
    assertThat(json.get("b").get("compressed_bytes").asLong()).isEqualTo(redisArm.compressedBytes());
    assertThat(json.get("b").get("uncompressed_bytes").asLong()).isEqualTo(redisArm.uncompressedBytes());
    // redis is built on bookworm-slim: their one shared leading layer counts as base.
    for (String side : List.of("a", "b")) {
      JsonNode base = json.get(side).get("base");
      assertThat(base.get("rule").asText()).isEqualTo("shared-prefix");
      assertThat(base.get("layers").asInt()).isEqualTo(1);
      assertThat(base.get("name").isNull()).isTrue();
    }
    assertThat(json.get("base_changed").isNull()).isTrue();
    assertThat(json.get("delta").get("base_compressed_bytes").asLong()).isEqualTo(0);

    Result s390x = compare(Map.of(), ref(registry, "mirror/debian", "bookworm-slim"), ref(registry, "erp/redis", "7.2"),
        "--insecure", "--platform", "linux/s390x");
    assertThat(s390x.exit()).isEqualTo(1);
    assertThat(s390x.err()).isEqualTo("image-census compare failed: Tried to pick the linux/s390x image of mirror/debian:bookworm-slim on "
        + registry.hostPort() + " but failed because: the index only has linux/amd64, linux/arm64/v8; pass --platform with one of them\n");
  }

  private static EstateImage arm64(EstateTruth truth, String repository) {
    return truth.images(repository).stream().filter(i -> i.architecture().equals("arm64")).findFirst().orElseThrow();
  }

  @Test
  void anUnknownTagFailsWithExitOneAndOneLine(TestRegistry registry) throws IOException {
    Result result = compare(Map.of(), ref(registry, API, "2026.10.0"), ref(registry, API, "9.9"),
        "--config", config(registry, false));

    assertThat(result.exit()).isEqualTo(1);
    assertThat(result.out()).isEmpty();
    assertThat(result.err()).isEqualTo("image-census compare failed: Tried to fetch the manifest of erp/api-server:9.9 on "
        + registry.hostPort() + " but it answered 404: check the tag and the repository name\n");
  }

  @Test
  void httpsToAPlainHttpRegistrySaysHowToReachIt(TestRegistry registry) {
    // Neither --config nor --insecure: https, which the plain-http test registry cannot answer.
    Result result = compare(Map.of(), ref(registry, API, "2026.10.0"), ref(registry, API, "2026.01.0"));

    assertThat(result.exit()).isEqualTo(1);
    assertThat(result.err()).startsWith("image-census compare failed: Tried to read the manifest erp/api-server:2026.10.0")
        .endsWith("; if " + registry.hostPort() + " speaks plain http, pass --insecure (a registry on this machine)"
            + " or --config with its url and insecure: true\n");
    assertThat(result.err().lines()).hasSize(1);
  }

  @Test
  void basicAuthRegistryIsReadWithTheConfiguredCredentials(@RegistryMode(RegistryAuth.BASIC) TestRegistry registry)
      throws IOException {
    EstateImage a = registry.truth().image(API, "2026.04.0");
    EstateImage b = registry.truth().image(API, "2026.07.0");
    String config = config(registry, true);
    String refA = ref(registry, API, "2026.04.0");
    String refB = ref(registry, API, "2026.07.0");

    Result result = compare(CREDENTIALS, refA, refB, "--config", config, "--format", "json");
    assertThat(result.exit()).as(result.err()).isEqualTo(0);
    JsonNode json = JSON.readTree(result.out());
    assertThat(json.get("a").get("digest").asText()).isEqualTo(a.digest());
    assertThat(json.get("b").get("compressed_bytes").asLong()).isEqualTo(b.compressedBytes());
    assertThat(json.get("user_change").asText()).isEqualTo("root_to_non_root");
    assertThat(json.get("max_growth_percent").decimalValue()).as("the default limit: analytics.regression-threshold")
        .isEqualByComparingTo("10");
    assertThat(result.out()).doesNotContain(RegistryProcess.PASSWORD);

    Result unset = compare(Map.of(), refA, refB, "--config", config);
    assertThat(unset.exit()).isEqualTo(2);
    assertThat(unset.err()).isEqualTo(
        "image-census: registry 'erp' needs credentials: set the environment variables ERP_USER and ERP_PASSWORD\n");

    Result wrong = compare(Map.of("ERP_USER", RegistryProcess.USER, "ERP_PASSWORD", "not-the-password"), refA, refB,
        "--config", config);
    assertThat(wrong.exit()).isEqualTo(1);
    assertThat(wrong.err()).startsWith("image-census compare failed: Tried to read the manifest erp/api-server")
        .contains("answered 401; check ERP_USER/ERP_PASSWORD").doesNotContain("not-the-password");
  }

  @Test
  void badArgumentsExitTwoWithOneLineNamingTheArgument(TestRegistry registry) {
    String refA = ref(registry, API, "2026.01.0");
    String refB = ref(registry, API, "2026.04.0");
    assertUsage("--max-growth '5' is not a growth limit; add the %, e.g. 5%", refA, refB, "--max-growth", "5");
    assertUsage("--max-growth '-5%' is not a growth limit; write a percentage of 0 or more, e.g. 5%",
        refA, refB, "--max-growth", "-5%");
    assertUsage("--format 'html' is not one of text, markdown, json", refA, refB, "--format", "html");
    assertUsage("--measure 'layers' is not one of compressed, uncompressed", refA, refB, "--measure", "layers");
    assertUsage("--platform 'amd64' is not os/arch[/variant]; write e.g. linux/amd64 or linux/arm64/v8",
        refA, refB, "--platform", "amd64");
    assertUsage("compare needs two images, REF_A and REF_B (host:port/repository:tag); see image-census compare --help", refA);
    assertUsage("REF_B 'erp/api-server:2026.04.0' names no registry host; write it as host:port/repository:tag,"
        + " e.g. 127.0.0.1:5000/erp/api-server:2026.10.0", refA, "erp/api-server:2026.04.0");
    assertUsage("REF_A '" + registry.hostPort() + "/erp/api-server@sha256:abc' has a bad digest 'sha256:abc';"
        + " write sha256: and 64 hex digits", registry.hostPort() + "/erp/api-server@sha256:abc", refB);
    assertUsage("unknown option --max; known: --config, --max-growth, --measure, --format, --platform, --insecure, --help",
        refA, refB, "--max", "5%");
    assertUsage("--insecure (plain http) is only for a registry on this machine, not registry.example.com; for a trusted"
        + " private registry give --config with url: http://registry.example.com and insecure: true",
        "registry.example.com/erp/api-server:1", "registry.example.com/erp/api-server:2", "--insecure");
  }

  private static void assertUsage(String message, String... args) {
    Result result = compare(Map.of(), args);
    assertThat(result.exit()).as(String.join(" ", args)).isEqualTo(2);
    assertThat(result.out()).isEmpty();
    assertThat(result.err()).isEqualTo("image-census: " + message + "\n");
  }

  @Test
  void helpNamesEveryOptionAndTheExitCodes() {
    Result result = compare(Map.of(), "--help");
    assertThat(result.exit()).isEqualTo(0);
    assertThat(result.out()).contains("--max-growth PCT", "--measure WHAT", "--format FORMAT", "--platform P", "--config FILE",
        "--insecure", "Exit codes: 0 B is within the limit, 3 B grew past the limit, 1 an image could not be");
  }
}
