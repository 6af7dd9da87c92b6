package io.imagecensus.crawl;

import io.imagecensus.model.Digest;
import io.imagecensus.model.MediaTypes;
import java.util.Map;

/**
 * Reads manifests: a HEAD to learn a tag's digest, or a GET by tag or digest for the verified bytes.
 */
public final class ManifestFetcher {
  private static final Map<String, String> ACCEPT = Map.of("Accept", MediaTypes.ACCEPT);

  private final RegistryClient client;

  public ManifestFetcher(RegistryClient client) {
    this.client = client;
  }

  /** What a HEAD tells about a manifest without its body. */
  public record ManifestHead(String digest, String mediaType, long size) {}

  /** A manifest's verified bytes and media type. */
  public record FetchedManifest(String digest, String mediaType, byte[] content) {}

  /**
   * Asks for a tag's current digest with one HEAD; falls back to a GET (hashing the body) when the
   * registry's HEAD carries no {@code Docker-Content-Digest}.
   */
  public ManifestHead head(String repository, String tag) {
    String action = "read the manifest of " + repository + ":" + tag;
    RegistryClient.Response response = client.send("HEAD", path(repository, tag), ACCEPT, scope(repository), action);
    requireOk(response, action);
    String mediaType = MediaTypes.normalize(response.header("Content-Type").orElse(null));
    String digest = response.header("Docker-Content-Digest").orElse(null);
    if (digest == null) {
      FetchedManifest fetched = fetch(repository, tag, null);
      return new ManifestHead(fetched.digest(), fetched.mediaType(), fetched.content().length);
    }
    Digest.requireValid(digest, "the Docker-Content-Digest header of " + repository + ":" + tag);
    long size = response.header("Content-Length").map(Long::parseLong).orElse(-1L);
    return new ManifestHead(digest, mediaType, size);
  }

  /**
   * Fetches a manifest by digest (or by tag when {@code expectedDigest} is null) and checks that
   * the bytes hash to the requested digest and to the registry's {@code Docker-Content-Digest}.
   */
  public FetchedManifest fetch(String repository, String reference, String expectedDigest) {
    String action = "read the manifest " + repository + (reference.contains(":") ? "@" : ":") + reference;
    RegistryClient.Response response = client.send("GET", path(repository, reference), ACCEPT, scope(repository), action);
    requireOk(response, action);
    String mediaType = MediaTypes.normalize(response.header("Content-Type").orElse(null));
    byte[] content = response.body();
    String header = response.header("Docker-Content-Digest").orElse(null);
    String algorithmHint = expectedDigest != null ? expectedDigest : header != null ? header : "sha256:";
    String actual = Digest.of(content, algorithmHint);
    if (expectedDigest != null && !expectedDigest.equals(actual)) {
      throw new RegistryException(action, response.status(), "the bytes hash to " + actual + ", not the requested digest");
    }
    if (header != null && !header.equals(actual)) {
      throw new RegistryException(action, response.status(), "the bytes hash to " + actual
          + " but the registry's Docker-Content-Digest says " + header);
    }
    return new FetchedManifest(actual, mediaType, content);
  }

  static String scope(String repository) {
    return "repository:" + repository + ":pull";
  }

  private static String path(String repository, String reference) {
    return "/v2/" + repository + "/manifests/" + reference;
  }

  private void requireOk(RegistryClient.Response response, String action) {
    if (response.status() != 200) {
      String hint = response.status() == 401 || response.status() == 403 ? client.credentialHint() : "";
      throw new RegistryException(action, response.status(), "the registry answered " + response.status() + hint);
    }
  }
}
