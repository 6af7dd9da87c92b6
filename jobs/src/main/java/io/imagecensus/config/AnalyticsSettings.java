package io.imagecensus.config;

import java.io.Serializable;

/**
 * Settings of the analytics: a build is a size regression when it grew by more than
 * {@code regressionThreshold} (a fraction: 0.10 is 10 %) over the previous build.
 */
public record AnalyticsSettings(double regressionThreshold) implements Serializable {
  public static final AnalyticsSettings DEFAULTS = new AnalyticsSettings(0.10);
}
