package io.imagecensus.config;

import java.io.Serializable;
import java.util.List;
import java.util.Optional;

/** The whole configuration of a census run, as read from {@code conf/image-census.yaml}. */
public record CensusConfig(
    String warehouse,
    List<RegistrySettings> registries,
    List<ComponentSettings> components,
    List<BaseImageSettings> baseImages,
    CrawlSettings crawl,
    AnalyticsSettings analytics,
    RetentionSettings retention) implements Serializable {

  public CensusConfig {
    registries = List.copyOf(registries);
    components = List.copyOf(components);
    baseImages = List.copyOf(baseImages);
  }

  /** A configuration that keeps every snapshot. */
  public CensusConfig(String warehouse, List<RegistrySettings> registries, List<ComponentSettings> components,
      List<BaseImageSettings> baseImages, CrawlSettings crawl, AnalyticsSettings analytics) {
    this(warehouse, registries, components, baseImages, crawl, analytics, RetentionSettings.KEEP_ALL);
  }

  /** The registry with this name, if configured. */
  public Optional<RegistrySettings> registry(String name) {
    return registries.stream().filter(r -> r.name().equals(name)).findFirst();
  }
}
