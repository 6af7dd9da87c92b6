package io.imagecensus.config;

import java.io.Serializable;
import java.net.URI;

/** One registry: where it is and where its credentials come from (never the credentials). */
public record RegistrySettings(String name, URI url, boolean insecure, AuthSettings auth)
    implements Serializable {

  /** Host and port as they appear in image references, e.g. {@code 127.0.0.1:5000}. */
  public String host() {
    return url.getPort() < 0 ? url.getHost() : url.getHost() + ":" + url.getPort();
  }
}
