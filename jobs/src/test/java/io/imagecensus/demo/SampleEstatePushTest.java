package io.imagecensus.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imagecensus.testing.RegistryExtension;
import io.imagecensus.testing.Skopeo;
import io.imagecensus.testing.TestRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The estate pushed to a real registry: what the registry stores is what the truth says. */
@ExtendWith(RegistryExtension.class)
class SampleEstatePushTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void skopeoSeesTheTruthDigestsForImagesListsAndIndexes(TestRegistry registry) throws Exception {
    EstateTruth truth = registry.truth();

    for (String reference :
        List.of(
            "erp/api-server:2026.01.0",
            "erp/api-server:latest",
            "mirror/debian:bookworm-slim",
            "erp/redis:7.2")) {
      byte[] raw = Skopeo.inspectRaw(registry.hostPort(), Optional.empty(), reference);
      String[] repositoryAndTag = reference.split(":");

      assertThat(LayerTarTest.sha256(raw))
          .as(reference)
          .isEqualTo(truth.tag(repositoryAndTag[0], repositoryAndTag[1]).digest());
    }
    byte[] config =
        Skopeo.inspectConfig(registry.hostPort(), Optional.empty(), "erp/api-server:2026.01.0");
    assertThat(LayerTarTest.sha256(config))
        .isEqualTo(truth.image("erp/api-server", "2026.01.0").configDigest());
  }

  @Test
  void catalogAndTagListsMatchTheTruth(TestRegistry registry) throws Exception {
    EstateTruth truth = registry.truth();

    JsonNode catalog = getJson(registry.baseUrl() + "/v2/_catalog");
    List<String> repositories = new ArrayList<>();
    catalog.path("repositories").forEach(r -> repositories.add(r.asText()));
    assertThat(repositories).isEqualTo(truth.repositories());

    for (String repository : truth.repositories()) {
      JsonNode tags = getJson(registry.baseUrl() + "/v2/" + repository + "/tags/list");
      List<String> names = new ArrayList<>();
      tags.path("tags").forEach(t -> names.add(t.asText()));
      // distribution 2.8.2 lists tags in no particular order.
      assertThat(names)
          .as(repository)
          .containsExactlyInAnyOrderElementsOf(truth.tagNames(repository));
    }
  }

  @Test
  void layerBlobsHaveTheirSizeAndGzipTrailer(TestRegistry registry) throws Exception {
    EstateLayer layer = registry.truth().image("erp/api-server", "2026.01.0").layers().get(0);
    String blobUrl = registry.baseUrl() + "/v2/erp/api-server/blobs/" + layer.digest();

    HttpResponse<Void> head =
        http.send(
            HttpRequest.newBuilder(URI.create(blobUrl))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.discarding());
    HttpResponse<byte[]> tail =
        http.send(
            HttpRequest.newBuilder(URI.create(blobUrl)).header("Range", "bytes=-4").build(),
            HttpResponse.BodyHandlers.ofByteArray());

    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(layer.compressedSize());
    assertThat(tail.statusCode()).isEqualTo(206);
    byte[] isize = tail.body();
    assertThat(
            (isize[0] & 0xffL)
                | (isize[1] & 0xffL) << 8
                | (isize[2] & 0xffL) << 16
                | (isize[3] & 0xffL) << 24)
        .isEqualTo(layer.uncompressedSize());
  }

  @Test
  void pushingAgainStoresTheSameDigests(TestRegistry registry) throws Exception {
    EstateTruth again = SampleEstate.push(registry.baseUrl(), registry.credentials());

    assertThat(again).isEqualTo(registry.truth());
    byte[] raw =
        Skopeo.inspectRaw(registry.hostPort(), Optional.empty(), "erp/celery-worker:2026.04.0");
    assertThat(LayerTarTest.sha256(raw))
        .isEqualTo(again.tag("erp/celery-worker", "2026.04.0").digest());
  }

  private JsonNode getJson(String url) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(url).isEqualTo(200);
    return JSON.readTree(response.body());
  }
}
