package io.imagecensus.report;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;

/**
 * Everything the quarterly report shows, as plain values read from one snapshot of the
 * warehouse's analytics tables; rendering works from this alone.
 */
public record ReportContent(
    Quarter quarter,
    LocalDate snapshotDate,
    double regressionThreshold,
    List<Reduction> reductions,
    List<Reduction> yearStarts,
    List<QuarterSize> sizes,
    List<FamilyCount> adoption,
    List<Dedup> dedup,
    List<SharedLayer> sharedLayers,
    List<Posture> posture,
    List<Regression> regressions) {

  public ReportContent {
    Objects.requireNonNull(quarter, "quarter");
    Objects.requireNonNull(snapshotDate, "snapshotDate");
    reductions = List.copyOf(reductions);
    yearStarts = List.copyOf(yearStarts);
    sizes = List.copyOf(sizes);
    adoption = List.copyOf(adoption);
    dedup = List.copyOf(dedup);
    sharedLayers = List.copyOf(sharedLayers);
    posture = List.copyOf(posture);
    regressions = List.copyOf(regressions);
  }

  /**
   * One row of quarterly_size_reduction: a component's image at the quarter's start and end.
   * {@code reductions} holds the report quarter's rows; {@code yearStarts} each component's row
   * of the earliest quarter of the same year, up to the report's quarter.
   */
  record Reduction(
      String component,
      String quarter,
      String method,
      long beforeCompressedBytes,
      long afterCompressedBytes,
      Long beforeUncompressedBytes,
      Long afterUncompressedBytes,
      Long reductionBytes,
      Double reductionPct,
      String beforeFamily,
      String afterFamily,
      Long baseReductionBytes) {}

  /** A component's builds of one quarter (size_trend_periods, period_type quarter). */
  record QuarterSize(String component, String quarter, long builds, long lastCompressedBytes,
      Long lastUncompressedBytes, long regressions) {}

  /** Images of one component created in one quarter on one base family (base_image_adoption). */
  record FamilyCount(String component, String quarter, String family, long images) {}

  /** A component's bytes in tonight's images (dedup_summary, scope tagged, level component). */
  record Dedup(String component, long images, long logicalBytes, long uniqueBytes, long exclusiveBytes) {}

  /** A layer of tonight's images and how widely it is shared (layer_sharing, scope tagged). */
  record SharedLayer(String layerDigest, long compressedBytes, long images, long components,
      boolean inBaseCatalogue) {}

  /** A component's non-root and healthcheck shares (posture_summary), fractions from 0 to 1. */
  record Posture(String component, long images, double nonRootShare, double healthcheckShare) {}

  /** A build that grew past the threshold over the previous build (size_trends, regression). */
  record Regression(String component, String repository, String platform, String digest, Instant created,
      long compressedBytes, long deltaBytes, Long baseDeltaBytes, Long appDeltaBytes) {}
}
