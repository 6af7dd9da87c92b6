package io.imagecensus.crawl;

import io.imagecensus.model.Digest;
import java.util.Map;

/** Reads small blobs (image configs) by digest and verifies their bytes. */
public final class BlobFetcher {
  /** Image configs are a few KB; anything this large is not a config and is not read into memory. */
  static final long MAX_CONFIG_BYTES = 16L << 20;

  private final RegistryClient client;

  public BlobFetcher(RegistryClient client) {
    this.client = client;
  }

  /** The blob's bytes, checked against the digest. */
  public byte[] fetch(String repository, String digest, long declaredSize) {
    String action = "read blob " + repository + "@" + digest;
    if (declaredSize > MAX_CONFIG_BYTES) {
      throw new RegistryException(action, null, "its declared size " + declaredSize + " is over " + MAX_CONFIG_BYTES + " bytes");
    }
    RegistryClient.Response response = client.send("GET", "/v2/" + repository + "/blobs/" + digest,
        Map.of(), ManifestFetcher.scope(repository), action);
    if (response.status() != 200) {
      String hint = response.status() == 401 || response.status() == 403 ? client.credentialHint() : "";
      throw new RegistryException(action, response.status(), "the registry answered " + response.status() + hint);
    }
    String actual = Digest.of(response.body(), digest);
    if (!actual.equals(digest)) {
      throw new RegistryException(action, 200, "the bytes hash to " + actual);
    }
    return response.body();
  }
}
