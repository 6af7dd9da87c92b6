package io.imagecensus.compare;

import io.imagecensus.config.CrawlSettings;
import io.imagecensus.crawl.BlobFetcher;
import io.imagecensus.crawl.LayerSizeProbe;
import io.imagecensus.crawl.ManifestFetcher;
import io.imagecensus.crawl.RegistryClient;
import io.imagecensus.crawl.RegistryException;
import io.imagecensus.model.Descriptor;
import io.imagecensus.model.ImageConfigDocument;
import io.imagecensus.model.ManifestDocument;
import io.imagecensus.model.Platform;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads one image from a registry the way the crawl does, without Spark: the manifest (an index
 * leads to the image of the wanted platform, attestations skipped), the config, and each layer's
 * uncompressed size from one ranged request.
 */
final class ImageReader {
  /** An image manifest reached from a reference, with its parsed config. */
  record Resolved(String digest, String indexDigest, ManifestDocument manifest, ImageConfigDocument config) {}

  private final RegistryClient client;
  private final CrawlSettings crawl;
  private final Map<String, LayerSizeProbe.LayerSize> sizes = new HashMap<>();

  ImageReader(RegistryClient client, CrawlSettings crawl) {
    this.client = client;
    this.crawl = crawl;
  }

  RegistryClient client() {
    return client;
  }

  String host() {
    return client.registry().host();
  }

  /** The image {@code reference} leads to on the wanted platform, with every layer measured. */
  ComparedImage read(ImageReference reference, Platform wanted) {
    Resolved resolved = resolve(reference.repository(), reference.reference(), reference.digest(), wanted);
    List<Descriptor> layers = resolved.manifest().layers();
    List<String> diffIds = resolved.config().diffIds();
    List<String> createdBy = resolved.config().createdByPerLayer(layers.size());
    LayerSizeProbe probe = new LayerSizeProbe(client, crawl.layerSizeFallback());
    List<ImageLayer> measured = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      Descriptor layer = layers.get(i);
      LayerSizeProbe.LayerSize size = sizes.computeIfAbsent(layer.digest(),
          digest -> probe.measure(reference.repository(), digest, layer.mediaType(), layer.size()));
      measured.add(new ImageLayer(layer.digest(), i < diffIds.size() ? diffIds.get(i) : null, layer.size(),
          size.uncompressedBytes(), layer.mediaType(), createdBy.get(i)));
    }
    ImageConfigDocument config = resolved.config();
    Platform platform = new Platform(config.os(), config.architecture(), config.variant());
    return new ComparedImage(reference, resolved.digest(), resolved.indexDigest(), platform, config.created(),
        config.user() == null ? "" : config.user(), resolved.manifest().annotations(), measured);
  }

  /**
   * Fetches the manifest of {@code repository} at {@code reference} (checked against
   * {@code expectedDigest} when given), follows indexes to the wanted platform and reads the config.
   */
  Resolved resolve(String repository, String reference, String expectedDigest, Platform wanted) {
    String name = repository + (reference.contains(":") ? "@" : ":") + reference;
    ManifestFetcher manifests = new ManifestFetcher(client);
    ManifestFetcher.FetchedManifest fetched;
    try {
      fetched = manifests.fetch(repository, reference, expectedDigest);
    } catch (RegistryException e) {
      if (e.httpStatus() == null && e.getMessage().contains("SSL") && "https".equals(client.registry().url().getScheme())) {
        throw new CompareException(e.getMessage() + "; if " + host() + " speaks plain http, pass --insecure (a registry on"
            + " this machine) or --config with its url and insecure: true");
      }
      if (!Integer.valueOf(404).equals(e.httpStatus())) {
        throw e;
      }
      throw new CompareException("Tried to fetch the manifest of " + name + " on " + host() + " but it answered 404: check the "
          + (expectedDigest != null ? "digest" : "tag") + " and the repository name");
    }
    ManifestDocument document = ManifestDocument.parse(fetched.content(), fetched.mediaType());
    String digest = fetched.digest();
    String indexDigest = null;
    for (int depth = 0; document.kind() == ManifestDocument.Kind.INDEX; depth++) {
      if (depth == crawl.maxIndexDepth()) {
        throw new CompareException("Tried to read " + name + " on " + host() + " but failed because: indexes nest deeper than "
            + crawl.maxIndexDepth() + " (crawl.max-index-depth)");
      }
      Descriptor child = pick(document, wanted, name);
      indexDigest = indexDigest == null ? digest : indexDigest;
      fetched = manifests.fetch(repository, child.digest(), child.digest());
      document = ManifestDocument.parse(fetched.content(), fetched.mediaType());
      digest = fetched.digest();
    }
    if (document.kind() != ManifestDocument.Kind.IMAGE) {
      throw new CompareException("Tried to read " + name + " on " + host() + " but failed because: it is not an image but a "
          + document.kind().name().toLowerCase(java.util.Locale.ROOT) + " manifest (" + document.mediaType() + ")");
    }
    byte[] config = new BlobFetcher(client).fetch(repository, document.config().digest(), document.config().size());
    return new Resolved(digest, indexDigest, document, ImageConfigDocument.parse(config));
  }

  /**
   * The index entry for the wanted platform; attestation entries ({@code unknown/unknown}) are not
   * images. Without a wanted variant any variant matches, as {@code docker pull --platform} does.
   */
  private Descriptor pick(ManifestDocument index, Platform wanted, String name) {
    List<String> offered = new ArrayList<>();
    for (Descriptor child : index.manifests()) {
      if (child.isAttestation() || child.platform() == null) {
        continue;
      }
      Platform p = child.platform();
      offered.add(CompareCommand.platformName(p));
      if (Objects.equals(p.os(), wanted.os()) && Objects.equals(p.architecture(), wanted.architecture())
          && (wanted.variant() == null || wanted.variant().equals(p.variant()))) {
        return child;
      }
    }
    throw new CompareException("Tried to pick the " + CompareCommand.platformName(wanted) + " image of " + name + " on "
        + host() + " but failed because: the index only has " + (offered.isEmpty() ? "no platform images" : String.join(", ", offered))
        + "; pass --platform with one of them");
  }
}
