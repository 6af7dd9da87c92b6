package io.imagecensus.model;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagecensus.model.ManifestDocument.Kind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManifestDocumentTest {
  private static final String CONFIG = "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7";
  private static final String LAYER_1 = "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f";
  private static final String LAYER_2 = "sha256:3c3a4604a545cdc127456d94e421cd355bca5b528f4a9c1905b15da2eb4a4c6b";
  private static final String AMD64 = "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270";
  private static final String ARM64 = "sha256:7e2bd7a7e4d8e0f1c7a25b6f5e5d0c9e1f38b2a7d4c6e8f0a1b3c5d7e9f1a2b3";
  private static final String EMPTY_JSON = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

  private static ManifestDocument parse(String json, String headerMediaType) {
    return ManifestDocument.parse(json.getBytes(UTF_8), headerMediaType);
  }

  @Test
  void readsADockerSchema2Manifest() {
    ManifestDocument doc = parse("""
        {
          "schemaVersion": 2,
          "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
          "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 7023,
            "digest": "%s"
          },
          "layers": [
            {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 32654, "digest": "%s"},
            {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 16724, "digest": "%s"}
          ]
        }
        """.formatted(CONFIG, LAYER_1, LAYER_2), MediaTypes.DOCKER_MANIFEST);

    assertThat(doc).isEqualTo(new ManifestDocument(
        MediaTypes.DOCKER_MANIFEST, Kind.IMAGE,
        new Descriptor(MediaTypes.DOCKER_CONFIG, CONFIG, 7023, Map.of(), null, null),
        List.of(
            new Descriptor("application/vnd.docker.image.rootfs.diff.tar.gzip", LAYER_1, 32654, Map.of(), null, null),
            new Descriptor("application/vnd.docker.image.rootfs.diff.tar.gzip", LAYER_2, 16724, Map.of(), null, null)),
        List.of(), Map.of(), null, null));
  }

  @Test
  void readsAnOciArtifactWithAnnotationsSubjectAndArtifactType() {
    ManifestDocument doc = parse("""
        {
          "schemaVersion": 2,
          "mediaType": "application/vnd.oci.image.manifest.v1+json",
          "artifactType": "application/spdx+json",
          "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": "%s", "size": 2, "data": "e30="},
          "layers": [
            {
              "mediaType": "application/spdx+json",
              "digest": "%s",
              "size": 4711,
              "annotations": {"org.opencontainers.image.title": "sbom.spdx.json"}
            }
          ],
          "subject": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "%s", "size": 1024},
          "annotations": {
            "org.opencontainers.image.created": "2026-12-04T02:00:00Z",
            "dev.sigstore.bundle.predicateType": "https://spdx.dev/Document"
          }
        }
        """.formatted(EMPTY_JSON, LAYER_1, AMD64), null);

    assertThat(doc).isEqualTo(new ManifestDocument(
        MediaTypes.OCI_MANIFEST, Kind.ARTIFACT,
        new Descriptor("application/vnd.oci.empty.v1+json", EMPTY_JSON, 2, Map.of(), null, null),
        List.of(new Descriptor("application/spdx+json", LAYER_1, 4711,
            Map.of("org.opencontainers.image.title", "sbom.spdx.json"), null, null)),
        List.of(),
        Map.of("org.opencontainers.image.created", "2026-12-04T02:00:00Z",
            "dev.sigstore.bundle.predicateType", "https://spdx.dev/Document"),
        "application/spdx+json", AMD64));
  }

  @Test
  void anImageManifestWithAnArtifactTypeIsStillAnArtifact() {
    ManifestDocument doc = parse("""
        {
          "schemaVersion": 2,
          "mediaType": "application/vnd.oci.image.manifest.v1+json",
          "artifactType": "application/vnd.example.thing",
          "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "%s", "size": 7023},
          "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "%s", "size": 32654}]
        }
        """.formatted(CONFIG, LAYER_1), null);

    assertThat(doc.kind()).isEqualTo(Kind.ARTIFACT);
  }

  @Test
  void anImageConfigWithNonFilesystemLayersIsAnArtifact() {
    // cosign signatures: an image config and a layer holding the signed payload, no artifactType.
    ManifestDocument doc = parse("""
        {
          "schemaVersion": 2,
          "mediaType": "application/vnd.oci.image.manifest.v1+json",
          "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "%s", "size": 233},
          "layers": [{"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", "digest": "%s", "size": 250}]
        }
        """.formatted(CONFIG, LAYER_1), null);

    assertThat(doc.kind()).isEqualTo(Kind.ARTIFACT);
    assertThat(doc.artifactType()).isNull();
  }

  @Test
  void readsAnOciImageManifestWithBaseAnnotations() {
    ManifestDocument doc = parse("""
        {
          "schemaVersion": 2,
          "mediaType": "application/vnd.oci.image.manifest.v1+json",
          "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "%s", "size": 1469},
          "layers": [
            {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "%s", "size": 29126484},
            {"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd", "digest": "%s", "size": 1024}
          ],
          "annotations": {
            "org.opencontainers.image.base.name": "docker.io/library/python:3.11-slim",
            "org.opencontainers.image.base.digest": "%s"
          }
        }
        """.formatted(CONFIG, LAYER_1, LAYER_2, AMD64), MediaTypes.OCI_MANIFEST);

    assertThat(doc.kind()).isEqualTo(Kind.IMAGE);
    assertThat(doc.annotations()).isEqualTo(Map.of(
        "org.opencontainers.image.base.name", "docker.io/library/python:3.11-slim",
        "org.opencontainers.image.base.digest", AMD64));
    assertThat(doc.layers()).extracting(Descriptor::size).containsExactly(29126484L, 1024L);
  }

  @Test
  void takesTheMediaTypeFromTheHeaderWhenTheManifestHasNone() {
    String json = """
        {
          "schemaVersion": 2,
          "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "%s", "size": 1469},
          "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "%s", "size": 100}]
        }
        """.formatted(CONFIG, LAYER_1);

    ManifestDocument fromHeader = parse(json, "application/vnd.oci.image.manifest.v1+json; charset=utf-8");
    ManifestDocument guessed = parse(json, null);

    assertThat(fromHeader.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
    assertThat(fromHeader.kind()).isEqualTo(Kind.IMAGE);
    assertThat(guessed).isEqualTo(fromHeader);
  }

  @Test
  void anIndexWithoutMediaTypeOrHeaderIsAnOciIndex() {
    ManifestDocument doc = parse("""
        {"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "%s", "size": 500}]}
        """.formatted(AMD64), null);

    assertThat(doc.mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
    assertThat(doc.kind()).isEqualTo(Kind.INDEX);
  }

  @Test
  void readsADockerManifestListWithAnArm64Variant() {
    ManifestDocument doc = parse("""
        {
          "schemaVersion": 2,
          "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
          "manifests": [
            {
              "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
              "size": 7143,
              "digest": "%s",
              "platform": {"architecture": "amd64", "os": "linux", "features": ["sse4"]}
            },
            {
              "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
              "size": 7682,
              "digest": "%s",
              "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}
            }
          ]
        }
        """.formatted(AMD64, ARM64), MediaTypes.DOCKER_MANIFEST_LIST);

    assertThat(doc).isEqualTo(new ManifestDocument(
        MediaTypes.DOCKER_MANIFEST_LIST, Kind.INDEX, null, List.of(),
        List.of(
            new Descriptor(MediaTypes.DOCKER_MANIFEST, AMD64, 7143, Map.of(), new Platform("linux", "amd64", null), null),
            new Descriptor(MediaTypes.DOCKER_MANIFEST, ARM64, 7682, Map.of(), new Platform("linux", "arm64", "v8"), null)),
        Map.of(), null, null));
    assertThat(doc.manifests()).noneMatch(Descriptor::isAttestation);
  }

  @Test
  void readsAnOciIndexWithABuildKitAttestation() {
    ManifestDocument doc = parse("""
        {
          "schemaVersion": 2,
          "mediaType": "application/vnd.oci.image.index.v1+json",
          "manifests": [
            {
              "mediaType": "application/vnd.oci.image.manifest.v1+json",
              "digest": "%1$s",
              "size": 1234,
              "platform": {"architecture": "amd64", "os": "linux"}
            },
            {
              "mediaType": "application/vnd.oci.image.manifest.v1+json",
              "digest": "%2$s",
              "size": 839,
              "annotations": {
                "vnd.docker.reference.digest": "%1$s",
                "vnd.docker.reference.type": "attestation-manifest"
              },
              "platform": {"architecture": "unknown", "os": "unknown"}
            }
          ]
        }
        """.formatted(AMD64, ARM64), MediaTypes.OCI_INDEX);

    Descriptor image = doc.manifests().get(0);
    Descriptor attestation = doc.manifests().get(1);
    assertThat(doc.kind()).isEqualTo(Kind.INDEX);
    assertThat(image.isAttestation()).isFalse();
    assertThat(attestation).isEqualTo(new Descriptor(MediaTypes.OCI_MANIFEST, ARM64, 839,
        Map.of("vnd.docker.reference.digest", AMD64, "vnd.docker.reference.type", "attestation-manifest"),
        new Platform("unknown", "unknown", null), null));
    assertThat(attestation.isAttestation()).isTrue();
  }

  @Test
  void eitherMarkMakesAnAttestation() {
    Descriptor onlyPlatform = new Descriptor(MediaTypes.OCI_MANIFEST, ARM64, 839, Map.of(),
        new Platform("unknown", "unknown", null), null);
    Descriptor onlyAnnotation = new Descriptor(MediaTypes.OCI_MANIFEST, ARM64, 839,
        Map.of("vnd.docker.reference.type", "attestation-manifest"), null, null);
    Descriptor unknownOsOnly = new Descriptor(MediaTypes.OCI_MANIFEST, ARM64, 839, Map.of(),
        new Platform("unknown", "amd64", null), null);

    assertThat(onlyPlatform.isAttestation()).isTrue();
    assertThat(onlyAnnotation.isAttestation()).isTrue();
    assertThat(unknownOsOnly.isAttestation()).isFalse();
  }

  @Test
  void recognisesSchema1ByHeaderOrByVersion() {
    String json = """
        {
          "schemaVersion": 1,
          "name": "erp/legacy",
          "tag": "latest",
          "architecture": "amd64",
          "fsLayers": [{"blobSum": "%s"}],
          "history": [{"v1Compatibility": "{}"}]
        }
        """.formatted(LAYER_1);

    ManifestDocument signed = parse(json, "application/vnd.docker.distribution.manifest.v1+prettyjws");
    ManifestDocument bare = parse(json, null);

    assertThat(signed.mediaType()).isEqualTo(MediaTypes.DOCKER_SCHEMA1_SIGNED);
    assertThat(signed.kind()).isEqualTo(Kind.SCHEMA1);
    assertThat(bare.mediaType()).isEqualTo(MediaTypes.DOCKER_SCHEMA1);
    assertThat(bare.kind()).isEqualTo(Kind.SCHEMA1);
    assertThat(bare.config()).isNull();
    assertThat(bare.layers()).isEmpty();
  }

  @Test
  void anUnknownMediaTypeIsUnknown() {
    ManifestDocument doc = parse("""
        {"schemaVersion": 2, "mediaType": "application/vnd.example.catalog.v1+json", "entries": [1, 2]}
        """, "application/vnd.example.catalog.v1+json");

    assertThat(doc.mediaType()).isEqualTo("application/vnd.example.catalog.v1+json");
    assertThat(doc.kind()).isEqualTo(Kind.UNKNOWN);
  }

  @Test
  void aDocumentWithNothingToGoByIsUnknown() {
    ManifestDocument doc = parse("{\"schemaVersion\": 2}", null);

    assertThat(doc.mediaType()).isNull();
    assertThat(doc.kind()).isEqualTo(Kind.UNKNOWN);
  }

  @Test
  void ignoresUnknownFieldsEverywhere() {
    ManifestDocument doc = parse("""
        {
          "schemaVersion": 2,
          "mediaType": "application/vnd.oci.image.manifest.v1+json",
          "x-vendor": {"nested": [1, 2, 3]},
          "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "%s", "size": 1469,
                     "urls": ["https://example.com/config"], "x-extra": true},
          "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "%s", "size": 100,
                      "urls": ["https://example.com/layer"], "x-extra": 7}]
        }
        """.formatted(CONFIG, LAYER_1), null);

    assertThat(doc).isEqualTo(new ManifestDocument(
        MediaTypes.OCI_MANIFEST, Kind.IMAGE,
        new Descriptor(MediaTypes.OCI_CONFIG, CONFIG, 1469, Map.of(), null, null),
        List.of(new Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", LAYER_1, 100, Map.of(), null, null)),
        List.of(), Map.of(), null, null));
  }

  @Test
  void aDescriptorWithoutSizeHasSizeMinusOne() {
    ManifestDocument doc = parse("""
        {"mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [{"digest": "%s"}]}
        """.formatted(AMD64), null);

    assertThat(doc.manifests()).containsExactly(new Descriptor(null, AMD64, -1, Map.of(), null, null));
  }

  @Test
  void rejectsInvalidJsonWithAMessage() {
    assertThatThrownBy(() -> parse("{\"schemaVersion\": 2,", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("manifest is not valid JSON: ");
    assertThatThrownBy(() -> parse("[1, 2]", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("manifest is not a JSON object");
    assertThatThrownBy(() -> parse("", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("manifest is not a JSON object");
  }

  @Test
  void knowsWhichLayerTypesHoldAFilesystem() {
    assertThat(ManifestDocument.isFilesystemLayer("application/vnd.oci.image.layer.v1.tar")).isTrue();
    assertThat(ManifestDocument.isFilesystemLayer("application/vnd.oci.image.layer.v1.tar+gzip")).isTrue();
    assertThat(ManifestDocument.isFilesystemLayer("application/vnd.oci.image.layer.v1.tar+zstd")).isTrue();
    assertThat(ManifestDocument.isFilesystemLayer("application/vnd.docker.image.rootfs.diff.tar.gzip")).isTrue();
    assertThat(ManifestDocument.isFilesystemLayer("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip")).isTrue();
    assertThat(ManifestDocument.isFilesystemLayer("application/vnd.in-toto+json")).isFalse();
    assertThat(ManifestDocument.isFilesystemLayer(null)).isFalse();
  }
}
