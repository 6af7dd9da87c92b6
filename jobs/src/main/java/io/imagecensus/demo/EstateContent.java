package io.imagecensus.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the sample estate pushes, repository by repository in push order, together with the truth
 * that those exact bytes imply.
 */
final class EstateContent {

  /** A manifest PUT: a reference (tag or digest) and the bytes stored under it. */
  record ManifestUpload(String reference, RawManifest manifest) {}

  /** Everything one repository receives: blobs first, then manifests, children before indexes. */
  record RepositoryContent(
      String repository, Map<String, RawBlob> blobsByDigest, List<ManifestUpload> uploads) {}

  /** An attestation manifest and the image it attests, for an OCI index. */
  record Attestation(RawManifest manifest, ImageManifest subject) {}

  private final Map<String, RepositoryContent> repositories = new LinkedHashMap<>();
  private final List<EstateTag> tags = new ArrayList<>();
  private final List<EstateImage> images = new ArrayList<>();
  private final List<EstateIndex> indexes = new ArrayList<>();
  private final List<EstateAttestation> attestations = new ArrayList<>();
  private final List<EstateAttachment> attachments = new ArrayList<>();
  private final Map<String, EstateManifest> manifests = new LinkedHashMap<>();
  private final Map<String, EstateBlob> blobs = new LinkedHashMap<>();

  /** Pushes an image under one or more tags; the first tag is the PUT that stores it. */
  void tagImage(String repository, ImageManifest image, String... tagNames) {
    if (tagNames.length == 0) {
      throw new IllegalArgumentException("Tag the image " + image.digest() + " at least once");
    }
    store(repository, image.raw(), EstateManifest.Kind.IMAGE, tagNames[0]);
    for (int i = 1; i < tagNames.length; i++) {
      upload(repository, tagNames[i], image.raw());
    }
    images.add(imageTruth(repository, image, null));
    for (String tag : tagNames) {
      tags.add(new EstateTag(repository, tag, image.digest(), image.mediaType()));
    }
  }

  /** Pushes a Docker manifest list of the images (by digest) and tags the list. */
  String tagDockerManifestList(String repository, String tag, List<ImageManifest> platformImages) {
    RawManifest list = ManifestJson.dockerManifestList(platformImages);
    platformImages.forEach(i -> store(repository, i.raw(), EstateManifest.Kind.IMAGE, i.digest()));
    storeIndex(repository, tag, list, platformImages, List.of());
    return list.digest();
  }

  /** Pushes an OCI index of the images followed by their attestations, and tags the index. */
  String tagOciIndex(
      String repository,
      String tag,
      List<ImageManifest> platformImages,
      List<Attestation> attested) {
    List<ManifestJson.IndexEntry> entries = new ArrayList<>();
    for (ImageManifest image : platformImages) {
      entries.add(new ManifestJson.IndexEntry(image.raw(), image.image().platform(), Map.of()));
    }
    for (Attestation attestation : attested) {
      entries.add(
          new ManifestJson.IndexEntry(
              attestation.manifest(),
              Platform.UNKNOWN,
              Map.of(
                  ManifestJson.ATTESTATION_TYPE_KEY,
                  "attestation-manifest",
                  ManifestJson.ATTESTATION_DIGEST_KEY,
                  attestation.subject().digest())));
    }
    RawManifest index = ManifestJson.ociIndex(entries);
    platformImages.forEach(i -> store(repository, i.raw(), EstateManifest.Kind.IMAGE, i.digest()));
    for (Attestation attestation : attested) {
      RawManifest manifest = attestation.manifest();
      store(repository, manifest, EstateManifest.Kind.ATTESTATION, manifest.digest());
      attestations.add(
          new EstateAttestation(
              repository,
              manifest.digest(),
              index.digest(),
              attestation.subject().digest(),
              ManifestJson.PROVENANCE_PREDICATE));
    }
    storeIndex(repository, tag, index, platformImages, attested);
    return index.digest();
  }

  /** Pushes an artifact with a subject under the referrers tag schema tag of that subject. */
  void attach(String repository, RawManifest artifact, String artifactType, ImageManifest subject) {
    String tag = subject.digest().replace(':', '-');
    store(repository, artifact, EstateManifest.Kind.ARTIFACT, tag);
    tags.add(new EstateTag(repository, tag, artifact.digest(), artifact.mediaType()));
    attachments.add(
        new EstateAttachment(repository, artifact.digest(), artifactType, subject.digest(), tag));
  }

  List<RepositoryContent> repositories() {
    return List.copyOf(repositories.values());
  }

  EstateTruth truth() {
    return new EstateTruth(
        tags,
        images,
        indexes,
        attestations,
        attachments,
        List.copyOf(manifests.values()),
        List.copyOf(blobs.values()));
  }

  private void storeIndex(
      String repository,
      String tag,
      RawManifest index,
      List<ImageManifest> platformImages,
      List<Attestation> attested) {
    store(repository, index, EstateManifest.Kind.INDEX, tag);
    List<String> listed = new ArrayList<>();
    platformImages.forEach(i -> listed.add(i.digest()));
    attested.forEach(a -> listed.add(a.manifest().digest()));
    indexes.add(new EstateIndex(repository, index.digest(), index.mediaType(), listed));
    tags.add(new EstateTag(repository, tag, index.digest(), index.mediaType()));
    platformImages.forEach(i -> images.add(imageTruth(repository, i, index.digest())));
  }

  private void store(
      String repository, RawManifest manifest, EstateManifest.Kind kind, String reference) {
    RepositoryContent content =
        repositories.computeIfAbsent(
            repository, r -> new RepositoryContent(r, new LinkedHashMap<>(), new ArrayList<>()));
    for (RawBlob blob : manifest.blobs()) {
      content.blobsByDigest().putIfAbsent(blob.digest(), blob);
      blobs.putIfAbsent(
          repository + "@" + blob.digest(),
          new EstateBlob(repository, blob.digest(), blob.size(), blob.kind()));
    }
    upload(repository, reference, manifest);
    manifests.putIfAbsent(
        repository + "@" + manifest.digest(),
        new EstateManifest(
            repository, manifest.digest(), manifest.mediaType(), manifest.size(), kind));
  }

  private void upload(String repository, String reference, RawManifest manifest) {
    repositories.get(repository).uploads().add(new ManifestUpload(reference, manifest));
  }

  private static EstateImage imageTruth(
      String repository, ImageManifest manifest, String indexDigest) {
    BuiltImage image = manifest.image();
    List<EstateLayer> layers = new ArrayList<>();
    for (HistoryStep step : image.layerSteps()) {
      LayerTar layer = step.layer();
      layers.add(
          new EstateLayer(
              layer.digest(),
              layer.diffId(),
              layer.compressedSize(),
              layer.uncompressedSize(),
              manifest.format().layerType,
              step.createdBy()));
    }
    return new EstateImage(
        repository,
        manifest.digest(),
        indexDigest,
        manifest.mediaType(),
        image.platform().os(),
        image.platform().architecture(),
        image.platform().variant(),
        image.configDigest(),
        image.created(),
        image.runtime().user(),
        image.runtime().labels(),
        layers,
        image.runtime().healthcheck() != null,
        manifest.annotations().get(ManifestJson.BASE_NAME_KEY),
        manifest.annotations().get(ManifestJson.BASE_DIGEST_KEY),
        image.builtFrom());
  }
}
