package io.imagecensus.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The estate's truth checked against its own bytes, the way a crawler would read them. */
class SampleEstateTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final EstateContent content = SampleEstate.content();
  private final EstateTruth truth = content.truth();

  @Test
  void buildingTwiceGivesTheSameBytesAndTruth() {
    EstateTruth again = SampleEstate.build().truth();

    assertThat(again).isEqualTo(truth);
  }

  @Test
  void tagsCoverBasesComponentsAliasesAndTheReferrersTag() {
    List<String> tags = truth.tags().stream().map(t -> t.repository() + ":" + t.tag()).toList();
    String sbomTag = truth.attachments().get(0).tag();

    assertThat(tags)
        .containsExactly(
            "mirror/debian:bookworm",
            "mirror/debian:bookworm-slim",
            "mirror/python:3.11",
            "mirror/python:3.11-slim",
            "mirror/python:3.11-alpine",
            "mirror/distroless-python:3.11",
            "erp/api-server:2026.01.0",
            "erp/api-server:2026.04.0",
            "erp/api-server:2026.07.0",
            "erp/api-server:2026.10.0",
            "erp/api-server:latest",
            "erp/api-server:" + sbomTag,
            "erp/celery-worker:2026.01.0",
            "erp/celery-worker:2026.04.0",
            "erp/celery-worker:2026.07.0",
            "erp/celery-worker:2026.10.0",
            "erp/celery-worker:latest",
            "erp/flower:2.0.1",
            "erp/flower:2.0.2",
            "erp/redis:7.2");
    assertThat(truth.repositories())
        .containsExactly(
            "erp/api-server",
            "erp/celery-worker",
            "erp/flower",
            "erp/redis",
            "mirror/debian",
            "mirror/distroless-python",
            "mirror/python");
    assertThat(truth.tag("erp/api-server", "latest").digest())
        .isEqualTo(truth.tag("erp/api-server", "2026.10.0").digest());
    assertThat(truth.tag("mirror/debian", "bookworm-slim").mediaType())
        .isEqualTo("application/vnd.docker.distribution.manifest.list.v2+json");
    assertThat(truth.tag("erp/redis", "7.2").mediaType())
        .isEqualTo("application/vnd.oci.image.index.v1+json");
    assertThat(truth.images()).hasSize(19);
    assertThat(truth.manifests()).hasSize(24);
  }

  @Test
  void apiServerShrinksByAboutSeventyPercentFromFullToDistroless() {
    EstateImage full = truth.image("erp/api-server", "2026.01.0");
    EstateImage distroless = truth.image("erp/api-server", "2026.10.0");

    assertThat(full.mediaType()).isEqualTo("application/vnd.docker.distribution.manifest.v2+json");
    assertThat(full.created()).isEqualTo(Instant.parse("2026-01-15T10:00:00Z"));
    assertThat(full.user()).isEmpty();
    assertThat(full.runsAsRoot()).isTrue();
    assertThat(full.layerCount()).isEqualTo(11);
    assertThat(full.uncompressedBytes()).isEqualTo(1_225_216);
    assertThat(full.builtFrom()).isEqualTo("mirror/python:3.11");
    assertThat(full.labels())
        .containsEntry("org.opencontainers.image.version", "2026.01.0")
        .containsEntry("maintainer", "erp-platform@erp.example");

    assertThat(distroless.mediaType()).isEqualTo("application/vnd.oci.image.manifest.v1+json");
    assertThat(distroless.created()).isEqualTo(Instant.parse("2026-10-06T10:00:00Z"));
    assertThat(distroless.user()).isEqualTo("65532");
    assertThat(distroless.runsAsRoot()).isFalse();
    assertThat(distroless.layerCount()).isEqualTo(5);
    assertThat(distroless.uncompressedBytes()).isEqualTo(350_208);
    assertThat(distroless.hasHealthcheck()).isTrue();
    assertThat(
            Math.round(
                100.0
                    * (full.uncompressedBytes() - distroless.uncompressedBytes())
                    / full.uncompressedBytes()))
        .isEqualTo(71);

    EstateImage celeryFull = truth.image("erp/celery-worker", "2026.01.0");
    EstateImage celeryDistroless = truth.image("erp/celery-worker", "2026.10.0");
    assertThat(celeryFull.uncompressedBytes()).isEqualTo(1_125_376);
    assertThat(celeryDistroless.uncompressedBytes()).isEqualTo(337_920);
  }

  @Test
  void quartersMoveFromRootToNonRootUsers() {
    assertThat(truth.image("erp/api-server", "2026.04.0").user()).isEmpty();
    assertThat(truth.image("erp/api-server", "2026.07.0").user()).isEqualTo("1000:1000");
    assertThat(truth.image("erp/api-server", "2026.07.0").runsAsRoot()).isFalse();
    assertThat(truth.image("erp/flower", "2.0.1").user()).isEqualTo("root");
    assertThat(truth.image("erp/flower", "2.0.1").runsAsRoot()).isTrue();
    assertThat(truth.image("erp/flower", "2.0.2").user()).isEqualTo("1001");
    assertThat(truth.image("mirror/distroless-python", "3.11").created()).isEqualTo(Instant.EPOCH);
  }

  @Test
  void basesShareLayersWithTheImagesBuiltOnThem() {
    EstateIndex slimList =
        truth.indexes().stream()
            .filter(i -> i.repository().equals("mirror/debian"))
            .findFirst()
            .orElseThrow();
    EstateImage slimAmd64 =
        truth.image("mirror/debian", slimList.manifestDigests().get(0), slimList.digest());
    EstateImage slimArm64 =
        truth.image("mirror/debian", slimList.manifestDigests().get(1), slimList.digest());
    EstateImage pythonSlim = truth.image("mirror/python", "3.11-slim");
    EstateImage api = truth.image("erp/api-server", "2026.07.0");
    EstateImage celery = truth.image("erp/celery-worker", "2026.07.0");

    assertThat(slimAmd64.architecture()).isEqualTo("amd64");
    assertThat(slimAmd64.variant()).isNull();
    assertThat(slimArm64.architecture()).isEqualTo("arm64");
    assertThat(slimArm64.variant()).isEqualTo("v8");
    assertThat(pythonSlim.layers().get(0)).isEqualTo(slimAmd64.layers().get(0));
    assertThat(digests(api).subList(0, pythonSlim.layerCount())).isEqualTo(digests(pythonSlim));
    // The runtime dependency layer (position 5) is shared by both components.
    assertThat(api.layers().get(5).digest()).isEqualTo(celery.layers().get(5).digest());
    assertThat(api.layers().get(5).createdBy())
        .isEqualTo("COPY --from=builder /install /usr/local # buildkit");
  }

  @Test
  void celeryWorkerAprilBaseLayerWasRecompressed() {
    EstateLayer original = truth.image("mirror/python", "3.11-slim").layers().get(0);
    EstateLayer recompressed = truth.image("erp/celery-worker", "2026.04.0").layers().get(0);

    assertThat(recompressed.diffId()).isEqualTo(original.diffId());
    assertThat(recompressed.uncompressedSize()).isEqualTo(original.uncompressedSize());
    assertThat(recompressed.digest()).isNotEqualTo(original.digest());
  }

  @Test
  void theThirtyTwoByteEmptyLayerIsARealLayerInTwoRepositories() {
    List<String> holders = new ArrayList<>();
    for (EstateImage image : truth.images()) {
      for (EstateLayer layer : image.layers()) {
        if (layer.digest().equals(LayerTar.EMPTY_LAYER_DIGEST)) {
          holders.add(image.repository() + " " + layer.compressedSize() + " " + layer.createdBy());
        }
      }
    }

    assertThat(holders)
        .containsExactly(
            "erp/api-server 32 /bin/sh -c #(nop) WORKDIR /app",
            "erp/flower 32 /bin/sh -c #(nop) WORKDIR /data");
  }

  @Test
  void onlyApiServerOctoberCarriesBaseAnnotations() {
    List<EstateImage> annotated =
        truth.images().stream().filter(i -> i.baseNameAnnotation() != null).toList();

    assertThat(annotated).hasSize(1);
    assertThat(annotated.get(0).digest())
        .isEqualTo(truth.tag("erp/api-server", "2026.10.0").digest());
    assertThat(annotated.get(0).baseNameAnnotation())
        .isEqualTo("registry.erp.example/mirror/distroless-python:3.11");
    assertThat(annotated.get(0).baseDigestAnnotation())
        .isEqualTo(truth.tag("mirror/distroless-python", "3.11").digest());
  }

  @Test
  void redisIndexHoldsTwoPlatformsAndTheirAttestations() {
    EstateTag tag = truth.tag("erp/redis", "7.2");
    List<EstateImage> redis = truth.images("erp/redis");

    assertThat(redis)
        .extracting(
            i -> i.os() + "/" + i.architecture() + (i.variant() == null ? "" : "/" + i.variant()))
        .containsExactly("linux/amd64", "linux/arm64/v8");
    assertThat(redis).allSatisfy(i -> assertThat(i.indexDigest()).isEqualTo(tag.digest()));
    assertThat(truth.attestations())
        .extracting(EstateAttestation::referencedDigest)
        .containsExactly(redis.get(0).digest(), redis.get(1).digest());
    assertThat(truth.attestations())
        .allSatisfy(
            a -> {
              assertThat(a.indexDigest()).isEqualTo(tag.digest());
              assertThat(a.predicateType()).isEqualTo("https://slsa.dev/provenance/v0.2");
            });
    // Text-only layers are identical on both platforms.
    assertThat(redis.get(0).layers().get(1)).isEqualTo(redis.get(1).layers().get(1));
  }

  @Test
  void sbomIsAttachedToApiServerOctober() {
    EstateAttachment sbom = truth.attachments().get(0);
    String subject = truth.tag("erp/api-server", "2026.10.0").digest();

    assertThat(truth.attachments()).hasSize(1);
    assertThat(sbom.subjectDigest()).isEqualTo(subject);
    assertThat(sbom.tag()).isEqualTo(subject.replace(':', '-'));
    assertThat(sbom.artifactType()).isEqualTo("application/spdx+json");
  }

  @Test
  void everyImageTruthMatchesItsManifestAndConfigBytes() throws Exception {
    Map<String, byte[]> blobs = new HashMap<>();
    Map<String, EstateContent.ManifestUpload> manifests = new HashMap<>();
    for (EstateContent.RepositoryContent repository : content.repositories()) {
      repository.blobsByDigest().forEach((digest, blob) -> blobs.put(digest, blob.bytes()));
      repository
          .uploads()
          .forEach(u -> manifests.put(repository.repository() + "@" + u.manifest().digest(), u));
    }

    for (EstateImage image : truth.images()) {
      RawManifest raw = manifests.get(image.repository() + "@" + image.digest()).manifest();
      assertThat(LayerTarTest.sha256(raw.bytes())).isEqualTo(image.digest());
      JsonNode manifest = JSON.readTree(raw.bytes());
      assertThat(manifest.path("mediaType").asText()).isEqualTo(image.mediaType());
      assertThat(manifest.path("config").path("digest").asText()).isEqualTo(image.configDigest());
      JsonNode config = JSON.readTree(blobs.get(image.configDigest()));
      assertThat(LayerTarTest.sha256(blobs.get(image.configDigest())))
          .isEqualTo(image.configDigest());

      assertThat(config.path("architecture").asText()).isEqualTo(image.architecture());
      assertThat(config.path("os").asText()).isEqualTo(image.os());
      assertThat(config.path("variant").isMissingNode() ? null : config.path("variant").asText())
          .isEqualTo(image.variant());
      assertThat(Instant.parse(config.path("created").asText())).isEqualTo(image.created());
      assertThat(config.path("config").path("User").asText()).isEqualTo(image.user());
      assertThat(config.path("config").path("Healthcheck").isObject())
          .isEqualTo(image.hasHealthcheck());

      JsonNode layers = manifest.path("layers");
      JsonNode diffIds = config.path("rootfs").path("diff_ids");
      List<String> createdByOfLayers = new ArrayList<>();
      for (JsonNode step : config.path("history")) {
        if (!step.path("empty_layer").asBoolean(false)) {
          createdByOfLayers.add(step.path("created_by").asText());
        }
      }
      assertThat(layers).hasSize(image.layerCount());
      assertThat(diffIds).hasSize(image.layerCount());
      assertThat(createdByOfLayers).hasSize(image.layerCount());
      for (int i = 0; i < image.layerCount(); i++) {
        EstateLayer expected = image.layers().get(i);
        assertThat(layers.get(i).path("digest").asText()).isEqualTo(expected.digest());
        assertThat(layers.get(i).path("size").asLong()).isEqualTo(expected.compressedSize());
        assertThat(layers.get(i).path("mediaType").asText()).isEqualTo(expected.mediaType());
        assertThat(diffIds.get(i).asText()).isEqualTo(expected.diffId());
        assertThat(createdByOfLayers.get(i)).isEqualTo(expected.createdBy());
        assertThat(blobs.get(expected.digest())).hasSize((int) expected.compressedSize());
      }
    }
  }

  private static List<String> digests(EstateImage image) {
    return image.layers().stream().map(EstateLayer::digest).toList();
  }
}
