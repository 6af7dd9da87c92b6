package io.imagecensus.config;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** A catalogue entry of known base images: a repository, tag globs and the family they belong to. */
public record BaseImageSettings(String registry, String repository, List<String> tags, String family)
    implements Serializable {

  public BaseImageSettings {
    tags = List.copyOf(tags);
  }

  /**
   * One regular expression for a whole tag matching any of the tag globs: {@code *} matches any
   * characters, everything else literally. Java syntax, so Spark's {@code rlike} reads it too.
   */
  public String tagRegex() {
    return tags.stream()
        .map(glob -> Arrays.stream(glob.split("\\*", -1)).map(Pattern::quote).collect(Collectors.joining(".*")))
        .collect(Collectors.joining("|", "(?:", ")"));
  }
}
