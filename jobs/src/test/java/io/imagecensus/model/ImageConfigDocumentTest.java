package io.imagecensus.model;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagecensus.model.ImageConfigDocument.HistoryEntry;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageConfigDocumentTest {
  private static final String DIFF_1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
  private static final String DIFF_2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
  private static final String DIFF_3 = "sha256:3333333333333333333333333333333333333333333333333333333333333333";

  private static ImageConfigDocument parse(String json) {
    return ImageConfigDocument.parse(json.getBytes(UTF_8));
  }

  /** A python:3.11-slim based api-server image, trimmed; 5 history steps of which 2 made no layer. */
  private static final String API_SERVER = """
      {
        "architecture": "arm64",
        "variant": "v8",
        "os": "linux",
        "created": "2026-11-30T14:03:07.123456789Z",
        "author": "erp platform team",
        "config": {
          "User": "1000:1000",
          "Env": ["PATH=/usr/local/bin:/usr/bin", "PYTHONUNBUFFERED=1"],
          "Cmd": ["gunicorn", "erp.wsgi"],
          "WorkingDir": "/app",
          "Labels": {
            "org.opencontainers.image.source": "https://git.erp.example/erp/api-server",
            "org.opencontainers.image.version": "2.4.1"
          },
          "ExposedPorts": {"8000/tcp": {}, "443/tcp": {}, "53/udp": {}, "5555/tcp": {}},
          "Healthcheck": {"Test": ["CMD-SHELL", "curl -fs http://localhost:8000/health || exit 1"], "Interval": 30000000000}
        },
        "rootfs": {"type": "layers", "diff_ids": ["%s", "%s", "%s"]},
        "history": [
          {"created": "2026-11-01T00:00:00Z", "created_by": "# debian.sh --arch 'arm64' out/ 'bookworm' '@1730419200'"},
          {"created": "2026-11-01T00:00:00Z", "created_by": "ENV PYTHONUNBUFFERED=1", "empty_layer": true},
          {"created": "2026-11-30T14:03:00Z", "created_by": "RUN /bin/sh -c pip install -r requirements.txt # buildkit"},
          {"created": "2026-11-30T14:03:05Z", "created_by": "USER 1000:1000", "comment": "buildkit.dockerfile.v0", "empty_layer": true},
          {"created": "2026-11-30T14:03:07Z", "created_by": "COPY . /app # buildkit"}
        ]
      }
      """.formatted(DIFF_1, DIFF_2, DIFF_3);

  @Test
  void keepsLabelsInKeyOrderWhateverTheDocumentOrder() {
    // The order becomes the order of the labels map column, which must not depend on the JVM.
    ImageConfigDocument config = parse("""
        {"config": {"Labels": {"title": "api-server", "source": "git", "version": "2.4.1", "maintainer": "erp", "b": "2", "a": "1"}}}
        """);
    assertThat(List.copyOf(config.labels().keySet())).containsExactly("a", "b", "maintainer", "source", "title", "version");
  }

  @Test
  void readsTheRecordedFields() {
    ImageConfigDocument config = parse(API_SERVER);

    assertThat(config).isEqualTo(new ImageConfigDocument(
        Instant.parse("2026-11-30T14:03:07.123456789Z"),
        "linux", "arm64", "v8", "1000:1000",
        Map.of("org.opencontainers.image.source", "https://git.erp.example/erp/api-server",
            "org.opencontainers.image.version", "2.4.1"),
        true,
        List.of("443/tcp", "53/udp", "5555/tcp", "8000/tcp"),
        List.of(DIFF_1, DIFF_2, DIFF_3),
        List.of(
            new HistoryEntry("# debian.sh --arch 'arm64' out/ 'bookworm' '@1730419200'", false),
            new HistoryEntry("ENV PYTHONUNBUFFERED=1", true),
            new HistoryEntry("RUN /bin/sh -c pip install -r requirements.txt # buildkit", false),
            new HistoryEntry("USER 1000:1000", true),
            new HistoryEntry("COPY . /app # buildkit", false))));
  }

  @Test
  void createdByLinesUpWithTheLayersSkippingEmptySteps() {
    ImageConfigDocument config = parse(API_SERVER);

    assertThat(config.createdByPerLayer(3)).containsExactly(
        "# debian.sh --arch 'arm64' out/ 'bookworm' '@1730419200'",
        "RUN /bin/sh -c pip install -r requirements.txt # buildkit",
        "COPY . /app # buildkit");
  }

  @Test
  void createdByIsNullWhereTheHistoryIsShort() {
    ImageConfigDocument config = parse("""
        {"history": [{"created_by": "ADD rootfs.tar.xz /"}, {"created_by": "CMD [\\"bash\\"]", "empty_layer": true}]}
        """);

    assertThat(config.createdByPerLayer(3)).containsExactly("ADD rootfs.tar.xz /", null, null);
    assertThat(config.createdByPerLayer(0)).isEmpty();
    assertThat(parse("{}").createdByPerLayer(2)).containsExactly(null, null);
  }

  @Test
  void aConfigWithoutOptionalFieldsGivesEmptyValues() {
    ImageConfigDocument config = parse("""
        {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}, "x-unknown": [1]}
        """);

    assertThat(config).isEqualTo(new ImageConfigDocument(
        null, "linux", "amd64", null, null, Map.of(), false, List.of(), List.of(), List.of()));
  }

  @Test
  void aNullUserOrLabelsFieldCountsAsAbsent() {
    ImageConfigDocument config = parse("""
        {"created": "not a time", "config": {"User": null, "Labels": null, "ExposedPorts": null, "Healthcheck": null}}
        """);

    assertThat(config.created()).isNull();
    assertThat(config.user()).isNull();
    assertThat(config.labels()).isEmpty();
    assertThat(config.exposedPorts()).isEmpty();
    assertThat(config.hasHealthcheck()).isFalse();
  }

  @Test
  void readsCreatedWithAnOffsetAsUtc() {
    assertThat(parse("{\"created\": \"2026-12-04T03:00:00+01:00\"}").created())
        .isEqualTo(Instant.parse("2026-12-04T02:00:00Z"));
  }

  @Test
  void anEmptyUserIsKeptAsWritten() {
    assertThat(parse("{\"config\": {\"User\": \"\"}}").user()).isEmpty();
  }

  @Test
  void healthcheckNoneMeansNoHealthcheck() {
    assertThat(parse("{\"config\": {\"Healthcheck\": {\"Test\": [\"NONE\"]}}}").hasHealthcheck()).isFalse();
    assertThat(parse("{\"config\": {\"Healthcheck\": {\"Test\": []}}}").hasHealthcheck()).isFalse();
    assertThat(parse("{\"config\": {\"Healthcheck\": {\"Interval\": 5}}}").hasHealthcheck()).isFalse();
    assertThat(parse("{\"config\": {}}").hasHealthcheck()).isFalse();
    assertThat(parse("{\"config\": {\"Healthcheck\": {\"Test\": [\"CMD\", \"/healthcheck\"]}}}").hasHealthcheck()).isTrue();
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {" ", "0", "root", "0:0", "root:root", "0:1000", "root:1000", ":1000"})
  void runsAsRoot(String user) {
    assertThat(ImageConfigDocument.runsAsRoot(user)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"1000", "1000:1000", "nonroot", "65532", "65532:65532", "app", "1000:0", "rootless"})
  void runsAsAnotherUser(String user) {
    assertThat(ImageConfigDocument.runsAsRoot(user)).isFalse();
  }

  @Test
  void rejectsInvalidJsonWithAMessage() {
    assertThatThrownBy(() -> parse("{\"os\": "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("image config is not valid JSON: ");
    assertThatThrownBy(() -> parse("\"linux\""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("image config is not a JSON object");
  }

  @Test
  void theRecordCopiesItsLists() {
    List<String> ports = Arrays.asList("80/tcp");
    ImageConfigDocument config = new ImageConfigDocument(null, null, null, null, null, Map.of(), false,
        ports, List.of(), List.of());
    ports.set(0, "81/tcp");

    assertThat(config.exposedPorts()).containsExactly("80/tcp");
  }
}
