package io.imagecensus.demo;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Everything the sample estate pushed, computed from the pushed bytes themselves: what a correct
 * crawl of the registry must find, in push order.
 */
public record EstateTruth(
    List<EstateTag> tags,
    List<EstateImage> images,
    List<EstateIndex> indexes,
    List<EstateAttestation> attestations,
    List<EstateAttachment> attachments,
    List<EstateManifest> manifests,
    List<EstateBlob> blobs) {

  public EstateTruth {
    tags = List.copyOf(tags);
    images = List.copyOf(images);
    indexes = List.copyOf(indexes);
    attestations = List.copyOf(attestations);
    attachments = List.copyOf(attachments);
    manifests = List.copyOf(manifests);
    blobs = List.copyOf(blobs);
  }

  /** The repositories, sorted, as a registry catalog lists them. */
  public List<String> repositories() {
    TreeSet<String> repositories = new TreeSet<>();
    manifests.forEach(m -> repositories.add(m.repository()));
    return List.copyOf(repositories);
  }

  /** The tag names of one repository, sorted (registries list them in any order). */
  public List<String> tagNames(String repository) {
    TreeSet<String> names = new TreeSet<>();
    tags.stream().filter(t -> t.repository().equals(repository)).forEach(t -> names.add(t.tag()));
    return List.copyOf(names);
  }

  public EstateTag tag(String repository, String tag) {
    return tags.stream()
        .filter(t -> t.repository().equals(repository) && t.tag().equals(tag))
        .findFirst()
        .orElseThrow(
            () -> new NoSuchElementException("The estate has no tag " + repository + ":" + tag));
  }

  /** The image a tag points to directly (not through an index). */
  public EstateImage image(String repository, String tag) {
    return image(repository, tag(repository, tag).digest(), null);
  }

  /**
   * The image with this digest in this repository, reached through {@code indexDigest} or directly
   * (null).
   */
  public EstateImage image(String repository, String digest, String indexDigest) {
    return images.stream()
        .filter(
            i ->
                i.repository().equals(repository)
                    && i.digest().equals(digest)
                    && Objects.equals(i.indexDigest(), indexDigest))
        .findFirst()
        .orElseThrow(
            () ->
                new NoSuchElementException(
                    "The estate has no image "
                        + repository
                        + "@"
                        + digest
                        + " in index "
                        + indexDigest));
  }

  public List<EstateImage> images(String repository) {
    return images.stream().filter(i -> i.repository().equals(repository)).toList();
  }

  /** Sum of the sizes of all distinct blobs: what the registry stores once per digest. */
  public long distinctBlobBytes() {
    Map<String, Long> sizeByDigest = new HashMap<>();
    blobs.forEach(b -> sizeByDigest.put(b.digest(), b.size()));
    return sizeByDigest.values().stream().mapToLong(Long::longValue).sum();
  }
}
