package io.imagecensus.demo;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One platform image manifest of the sample estate, as a crawler should report it.
 *
 * <p>{@code indexDigest} is null when a tag points at the image directly; {@code variant}, {@code
 * baseNameAnnotation} and {@code baseDigestAnnotation} are null when absent; {@code user} is the
 * config's User as written ("" when unset); {@code builtFrom} names the estate image
 * ("repository:tag") the image was built on, or null when it was built from scratch or from an
 * image outside the estate.
 */
public record EstateImage(
    String repository,
    String digest,
    String indexDigest,
    String mediaType,
    String os,
    String architecture,
    String variant,
    String configDigest,
    Instant created,
    String user,
    Map<String, String> labels,
    List<EstateLayer> layers,
    boolean hasHealthcheck,
    String baseNameAnnotation,
    String baseDigestAnnotation,
    String builtFrom) {

  public EstateImage {
    Truths.requireText("repository", repository);
    Truths.requireDigest("image digest", digest);
    Truths.requireDigestOrNull("index digest", indexDigest);
    Truths.requireText("media type", mediaType);
    Truths.requireText("os", os);
    Truths.requireText("architecture", architecture);
    Truths.requireDigest("config digest", configDigest);
    if (created == null) {
      throw new IllegalArgumentException("created is null for image " + digest);
    }
    if (user == null) {
      throw new IllegalArgumentException("user is null for image " + digest + ", use \"\"");
    }
    labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    layers = List.copyOf(layers);
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("Image " + digest + " has no layers");
    }
    Truths.requireDigestOrNull("base digest annotation", baseDigestAnnotation);
  }

  public int layerCount() {
    return layers.size();
  }

  /** Sum of the layers' compressed sizes, as listed in the manifest. */
  public long compressedBytes() {
    return layers.stream().mapToLong(EstateLayer::compressedSize).sum();
  }

  /** Sum of the layers' uncompressed (tar) sizes. */
  public long uncompressedBytes() {
    return layers.stream().mapToLong(EstateLayer::uncompressedSize).sum();
  }

  /** True when the config's User is empty, "root" or uid 0, with or without a group. */
  public boolean runsAsRoot() {
    String name = user.contains(":") ? user.substring(0, user.indexOf(':')) : user;
    return name.isEmpty() || name.equals("root") || name.equals("0");
  }
}
