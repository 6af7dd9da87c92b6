package io.imagecensus.config;

import java.io.Serializable;
import java.util.List;

/** A catalogue entry of known base images: a repository, tag globs and the family they belong to. */
public record BaseImageSettings(String registry, String repository, List<String> tags, String family)
    implements Serializable {

  public BaseImageSettings {
    tags = List.copyOf(tags);
  }
}
