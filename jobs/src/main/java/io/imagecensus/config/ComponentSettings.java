package io.imagecensus.config;

import java.io.Serializable;
import java.util.List;

/**
 * One ERP component and its repositories; a repository may be a glob such as {@code erp/*},
 * expanded through the registry's catalog.
 */
public record ComponentSettings(String name, String registry, List<String> repositories)
    implements Serializable {

  public ComponentSettings {
    repositories = List.copyOf(repositories);
  }
}
