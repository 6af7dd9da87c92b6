package io.imagecensus.config;

import java.io.Serializable;

/** How many nightly snapshots the warehouse keeps after a run; 0 keeps them all. */
public record RetentionSettings(int snapshots) implements Serializable {
  public static final RetentionSettings KEEP_ALL = new RetentionSettings(0);

  public RetentionSettings {
    if (snapshots < 0) {
      throw new IllegalArgumentException("snapshots must be 0 (keep all) or more, was " + snapshots);
    }
  }
}
