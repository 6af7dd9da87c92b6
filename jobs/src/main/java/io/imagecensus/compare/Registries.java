package io.imagecensus.compare;

import io.imagecensus.config.AuthSettings;
import io.imagecensus.config.CensusConfig;
import io.imagecensus.config.CrawlSettings;
import io.imagecensus.config.RegistrySettings;
import io.imagecensus.crawl.CredentialResolver;
import io.imagecensus.crawl.RegistryClient;
import io.imagecensus.crawl.RequestCounter;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One {@link ImageReader} per registry: the configuration's settings and credentials when its
 * registries name the host, otherwise https with credentials from the Docker config (or plain http
 * with {@code --insecure}, for a registry on this machine only).
 */
final class Registries {
  private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "[::1]");

  private final Optional<CensusConfig> config;
  private final boolean insecure;
  private final CredentialResolver credentials;
  private final Map<String, ImageReader> readers = new HashMap<>();

  Registries(Optional<CensusConfig> config, boolean insecure, Map<String, String> environment) {
    this.config = config;
    this.insecure = insecure;
    this.credentials = new CredentialResolver(environment);
  }

  CrawlSettings crawl() {
    return config.map(CensusConfig::crawl).orElse(CrawlSettings.DEFAULTS);
  }

  /** The reader for the registry at {@code host} ("127.0.0.1:5000", "registry.erp.example"). */
  ImageReader forHost(String host) {
    Optional<RegistrySettings> configured = config.flatMap(c -> c.registries().stream()
        .filter(r -> r.host().equalsIgnoreCase(host)).findFirst());
    return reader(configured.orElseGet(() -> unconfigured(host)));
  }

  /** The reader for the configuration's registry of this name. */
  ImageReader forName(String name) {
    return reader(config.flatMap(c -> c.registry(name)).orElseThrow());
  }

  /** Checks before any request that {@code --insecure} is not asked for a remote registry. */
  void requireInsecureAllowed(String host) {
    boolean configured = config.map(c -> c.registries().stream().anyMatch(r -> r.host().equalsIgnoreCase(host))).orElse(false);
    if (insecure && !configured && !LOOPBACK.contains(hostName(host))) {
      throw new CompareCommand.UsageException("--insecure (plain http) is only for a registry on this machine, not " + host
          + "; for a trusted private registry give --config with url: http://" + host + " and insecure: true");
    }
  }

  private RegistrySettings unconfigured(String host) {
    URI url = URI.create((insecure ? "http://" : "https://") + host);
    return new RegistrySettings(host, url, insecure, new AuthSettings(null, null, true));
  }

  private ImageReader reader(RegistrySettings registry) {
    return readers.computeIfAbsent(registry.name() + "|" + registry.url(), key -> new ImageReader(
        new RegistryClient(registry, crawl(), credentials.resolve(registry), RequestCounter.NONE), crawl()));
  }

  private static String hostName(String host) {
    int colon = host.lastIndexOf(':');
    return colon > host.lastIndexOf(']') ? host.substring(0, colon) : host;
  }
}
