package io.imagecensus.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.imagecensus.model.Table;
import io.imagecensus.warehouse.Warehouse;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Reads the analytics tables of one snapshot from the warehouse into a {@link ReportContent}. */
public final class ReportData {
  /** How many of the most shared layers the report lists. */
  static final int TOP_SHARED_LAYERS = 10;

  private ReportData() {}

  /**
   * The report's content for {@code quarter}, from {@code snapshotDate} or, when empty, from the
   * latest snapshot whose quarterly_size_reduction has the quarter.
   */
  public static ReportContent load(Warehouse warehouse, Quarter quarter, Optional<LocalDate> snapshotDate,
      double regressionThreshold) {
    LocalDate night = snapshotDate.orElseGet(() -> latestSnapshot(warehouse, quarter));
    String upTo = quarter.toString();
    // The year's rows up to the quarter: the quarter's own, and each component's first of the year.
    List<Row> yearRows = warehouse.readSnapshot(Table.QUARTERLY_SIZE_REDUCTION, night)
        .filter(col("quarter").geq(new Quarter(quarter.year(), 1).toString()).and(col("quarter").leq(upTo)))
        .orderBy("component", "quarter").collectAsList();
    List<Row> reductionRows = yearRows.stream().filter(r -> upTo.equals(r.getAs("quarter"))).toList();
    if (reductionRows.isEmpty()) {
      throw new IllegalStateException(missing(warehouse, quarter, " in snapshot " + night)
          + "; run image-census analyze --snapshot-date " + night + " first, or pick another --snapshot-date");
    }
    Map<String, ReportContent.Reduction> yearStarts = new LinkedHashMap<>();
    yearRows.forEach(r -> yearStarts.putIfAbsent(r.getAs("component"), reduction(r)));
    return new ReportContent(quarter, night, regressionThreshold,
        reductionRows.stream().map(ReportData::reduction).toList(),
        List.copyOf(yearStarts.values()),
        warehouse.readSnapshot(Table.SIZE_TREND_PERIODS, night)
            .filter(col("period_type").equalTo("quarter").and(col("period").leq(upTo)))
            .orderBy("component", "period").collectAsList().stream()
            .map(r -> new ReportContent.QuarterSize(r.getAs("component"), r.getAs("period"), r.getAs("builds"),
                r.getAs("last_compressed_bytes"), r.getAs("last_uncompressed_bytes"), r.getAs("regressions")))
            .toList(),
        warehouse.readSnapshot(Table.BASE_IMAGE_ADOPTION, night)
            .filter(col("period_type").equalTo("quarter").and(col("period").leq(upTo)))
            .orderBy("period", "component", "base_family").collectAsList().stream()
            .map(r -> new ReportContent.FamilyCount(r.getAs("component"), r.getAs("period"), r.getAs("base_family"),
                r.getAs("images")))
            .toList(),
        warehouse.readSnapshot(Table.DEDUP_SUMMARY, night)
            .filter(col("scope").equalTo("tagged").and(col("level").equalTo("component")))
            .orderBy("name").collectAsList().stream()
            .map(r -> new ReportContent.Dedup(r.getAs("name"), r.getAs("images"), r.getAs("logical_bytes"),
                r.getAs("unique_bytes"), r.getAs("exclusive_bytes")))
            .toList(),
        warehouse.readSnapshot(Table.LAYER_SHARING, night)
            .filter(col("scope").equalTo("tagged").and(col("images").gt(1)))
            .orderBy(col("images").desc(), col("compressed_bytes").desc(), col("layer_digest"))
            .limit(TOP_SHARED_LAYERS).collectAsList().stream()
            .map(r -> new ReportContent.SharedLayer(r.getAs("layer_digest"), r.getAs("compressed_bytes"),
                r.getAs("images"), r.getAs("components"), r.getAs("in_base_catalogue")))
            .toList(),
        warehouse.readSnapshot(Table.POSTURE_SUMMARY, night)
            .orderBy("component").collectAsList().stream()
            .map(r -> new ReportContent.Posture(r.getAs("component"), r.getAs("images"), r.getAs("non_root_share"),
                r.getAs("healthcheck_share")))
            .toList(),
        regressions(warehouse.readSnapshot(Table.SIZE_TRENDS, night), quarter));
  }

  private static ReportContent.Reduction reduction(Row r) {
    return new ReportContent.Reduction(r.getAs("component"), r.getAs("quarter"), r.getAs("method"),
        r.getAs("before_compressed_bytes"), r.getAs("after_compressed_bytes"), r.getAs("before_uncompressed_bytes"),
        r.getAs("after_uncompressed_bytes"), r.getAs("reduction_bytes"), r.getAs("reduction_pct"),
        r.getAs("before_family"), r.getAs("after_family"), r.getAs("base_reduction_bytes"));
  }

  /** The regressions among the builds created in the quarter, of components only. */
  static List<ReportContent.Regression> regressions(Dataset<Row> sizeTrends, Quarter quarter) {
    return sizeTrends
        .filter(col("regression").and(col("component").isNotNull())
            .and(col("created").geq(lit(Timestamp.from(quarter.startInstant()))))
            .and(col("created").lt(lit(Timestamp.from(quarter.endInstant())))))
        .orderBy("component", "repository", "platform", "created", "digest")
        .collectAsList().stream()
        .map(r -> new ReportContent.Regression(r.getAs("component"), r.getAs("repository"), r.getAs("platform"),
            r.getAs("digest"), ((Timestamp) r.getAs("created")).toInstant(), r.getAs("compressed_bytes"),
            r.getAs("delta_bytes"), r.getAs("base_delta_bytes"), r.getAs("app_delta_bytes")))
        .toList();
  }

  /** The latest snapshot whose quarterly_size_reduction has rows for the quarter. */
  private static LocalDate latestSnapshot(Warehouse warehouse, Quarter quarter) {
    List<Row> nights = warehouse.read(Table.QUARTERLY_SIZE_REDUCTION)
        .filter(col("quarter").equalTo(quarter.toString()))
        .select(col(Table.SNAPSHOT_DATE)).distinct()
        .orderBy(col(Table.SNAPSHOT_DATE).desc()).limit(1).collectAsList();
    if (nights.isEmpty()) {
      throw new IllegalStateException(missing(warehouse, quarter, "")
          + "; run image-census analyze (or run) for a snapshot date in or after that quarter first");
    }
    return ((Date) nights.get(0).get(0)).toLocalDate();
  }

  /** "the warehouse X has no quarterly_size_reduction rows for Q", with the quarters it does have. */
  private static String missing(Warehouse warehouse, Quarter quarter, String where) {
    TreeSet<String> quarters = new TreeSet<>();
    warehouse.read(Table.QUARTERLY_SIZE_REDUCTION).select("quarter").distinct().collectAsList()
        .forEach(r -> quarters.add(r.getString(0)));
    String has = quarters.isEmpty() ? " (it has no analytics at all)"
        : " (it has " + quarters.first() + (quarters.size() > 1 ? " to " + quarters.last() : "") + ")";
    return "the warehouse " + warehouse.root() + " has no quarterly_size_reduction rows for " + quarter + where + has;
  }
}
