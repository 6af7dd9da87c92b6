package io.imagecensus.report;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The report's content as the text the templates print: every size, share and sentence is
 * formatted here, so the templates only place it.
 */
record ReportView(
    String title,
    String quarter,
    String period,
    String snapshotDate,
    String headline,
    List<ReductionLine> reductions,
    ReductionLine total,
    String methodNote,
    String yearTitle,
    List<ReductionLine> year,
    ReductionLine yearTotal,
    ReportCharts.Chart sizeTrendChart,
    List<RegressionLine> regressions,
    String regressionThreshold,
    ReportCharts.Chart adoptionChart,
    ReportCharts.Chart dedupChart,
    List<DedupLine> dedup,
    List<LayerLine> sharedLayers,
    ReportCharts.Chart postureChart,
    List<PostureLine> posture,
    String unitsNote) {

  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("d MMMM yyyy", Locale.ENGLISH);

  /** Whether any build of the quarter grew past the threshold; the templates print a table then. */
  boolean hasRegressions() {
    return !regressions.isEmpty();
  }

  record ReductionLine(String component, String quarter, String before, String after, String reduction,
      String reductionPct, String beforeCompressed, String afterCompressed, String beforeFamily, String afterFamily,
      String fromBase) {}

  record RegressionLine(String component, String image, String platform, String created, String size,
      String growth, String responsible) {}

  record DedupLine(String component, long images, String logical, String unique, String exclusive,
      String ratio) {}

  record LayerLine(String digest, String size, long images, long components, String base) {}

  record PostureLine(String component, long images, String nonRoot, String healthcheck) {}

  /** Formats the content; {@code charts} are the ones {@link ReportCharts#draw} made of it. */
  static ReportView of(ReportContent content, List<ReportCharts.Chart> charts) {
    Quarter quarter = content.quarter();
    List<ReductionLine> reductions = content.reductions().stream().map(ReportView::reductionLine).toList();
    ReductionLine total = reductions.size() > 1 ? reductionLine(total(content.reductions())) : null;
    List<ReportContent.Reduction> sinceYearStart = sinceYearStart(content);
    return new ReportView(
        "Container image sizes, " + quarter,
        quarter.toString(),
        DAY.format(quarter.start()) + " to " + DAY.format(quarter.start().plusMonths(3).minusDays(1)),
        content.snapshotDate().toString(),
        headline(content),
        reductions,
        total,
        methodNote(content.reductions()),
        "Since the start of " + quarter.year(),
        sinceYearStart.stream().map(ReportView::reductionLine).toList(),
        sinceYearStart.size() > 1 ? reductionLine(total(sinceYearStart)) : null,
        chart(charts, "size-trend"),
        content.regressions().stream().map(ReportView::regressionLine).toList(),
        SizeFormat.share(content.regressionThreshold()),
        chart(charts, "base-adoption"),
        chart(charts, "dedup"),
        content.dedup().stream().map(d -> new DedupLine(d.component(), d.images(), SizeFormat.bytes(d.logicalBytes()),
            SizeFormat.bytes(d.uniqueBytes()), SizeFormat.bytes(d.exclusiveBytes()), ratio(d))).toList(),
        content.sharedLayers().stream().map(l -> new LayerLine(shortDigest(l.layerDigest()),
            SizeFormat.bytes(l.compressedBytes()), l.images(), l.components(), l.inBaseCatalogue() ? "yes" : "no"))
            .toList(),
        chart(charts, "posture"),
        content.posture().stream().map(p -> new PostureLine(p.component(), p.images(),
            SizeFormat.share(p.nonRootShare()), SizeFormat.share(p.healthcheckShare()))).toList(),
        SizeFormat.UNITS_NOTE);
  }

  static ReductionLine reductionLine(ReportContent.Reduction r) {
    return new ReductionLine(r.component(), r.quarter(), SizeFormat.bytes(r.beforeUncompressedBytes()),
        SizeFormat.bytes(r.afterUncompressedBytes()), SizeFormat.bytes(r.reductionBytes()),
        SizeFormat.percent(r.reductionPct()), SizeFormat.bytes(r.beforeCompressedBytes()),
        SizeFormat.bytes(r.afterCompressedBytes()), r.beforeFamily(), r.afterFamily(),
        SizeFormat.bytes(r.baseReductionBytes()));
  }

  /** The components together; sizes that are unknown for any component leave the total unknown. */
  static ReportContent.Reduction total(List<ReportContent.Reduction> rows) {
    Long before = sum(rows.stream().map(ReportContent.Reduction::beforeUncompressedBytes).toList());
    Long after = sum(rows.stream().map(ReportContent.Reduction::afterUncompressedBytes).toList());
    Long reduction = before == null || after == null ? null : before - after;
    Double pct = reduction == null || before == 0 ? null : reduction * 100.0 / before;
    return new ReportContent.Reduction("all components", "", "",
        rows.stream().mapToLong(ReportContent.Reduction::beforeCompressedBytes).sum(),
        rows.stream().mapToLong(ReportContent.Reduction::afterCompressedBytes).sum(), before, after, reduction, pct,
        "", "", sum(rows.stream().map(ReportContent.Reduction::baseReductionBytes).toList()));
  }

  /**
   * Per component, the image before its first quarter of the year next to the image after the
   * report's quarter: the whole year's change, as the team's own table shows it.
   */
  static List<ReportContent.Reduction> sinceYearStart(ReportContent content) {
    List<ReportContent.Reduction> rows = new ArrayList<>();
    for (ReportContent.Reduction now : content.reductions()) {
      content.yearStarts().stream().filter(start -> start.component().equals(now.component())).findFirst()
          .ifPresent(start -> {
            Long reduction = start.beforeUncompressedBytes() == null || now.afterUncompressedBytes() == null ? null
                : start.beforeUncompressedBytes() - now.afterUncompressedBytes();
            Double pct = reduction == null || start.beforeUncompressedBytes() == 0 ? null
                : reduction * 100.0 / start.beforeUncompressedBytes();
            rows.add(new ReportContent.Reduction(now.component(), start.quarter(), now.method(),
                start.beforeCompressedBytes(), now.afterCompressedBytes(), start.beforeUncompressedBytes(),
                now.afterUncompressedBytes(), reduction, pct, start.beforeFamily(), now.afterFamily(), null));
          });
    }
    return rows;
  }

  private static Long sum(List<Long> values) {
    return values.stream().anyMatch(Objects::isNull) ? null : values.stream().mapToLong(Long::longValue).sum();
  }

  private static String headline(ReportContent content) {
    ReportContent.Reduction total = total(content.reductions());
    if (total.reductionBytes() == null) {
      return "Uncompressed sizes are not known for every component in " + content.quarter() + ".";
    }
    String components = content.reductions().size() == 1 ? "1 component" : content.reductions().size() + " components";
    String change = change(total);
    String quarterText = "In " + content.quarter() + " the images of " + components + " went from "
        + SizeFormat.bytes(total.beforeUncompressedBytes()) + " to " + SizeFormat.bytes(total.afterUncompressedBytes())
        + " uncompressed: " + change + ".";
    ReportContent.Reduction year = total(sinceYearStart(content));
    if (content.quarter().number() == 1 || year.reductionBytes() == null) {
      return quarterText;
    }
    return quarterText + " Since the start of " + content.quarter().year() + ": "
        + SizeFormat.bytes(year.beforeUncompressedBytes()) + " to " + SizeFormat.bytes(year.afterUncompressedBytes())
        + ", " + change(year) + ".";
  }

  private static String change(ReportContent.Reduction total) {
    Double pct = total.reductionPct();
    return total.reductionBytes() >= 0
        ? SizeFormat.percent(pct) + " smaller"
        : SizeFormat.percent(pct == null ? null : -pct) + " larger";
  }

  private static String methodNote(List<ReportContent.Reduction> rows) {
    boolean tags = rows.stream().anyMatch(r -> r.method().equals("tags"));
    boolean builds = rows.stream().anyMatch(r -> r.method().equals("builds"));
    String byBuilds = "by build date: before is the last build before the quarter began, after the last build before it ended";
    String byTags = "by tag history: what the tags pointed to on the quarter's first and last night";
    String how = tags && builds ? byTags + " where the warehouse has it, otherwise " + byBuilds
        : tags ? byTags : byBuilds;
    return "Before and after are chosen " + how
        + ". Sizes are uncompressed (as docker images shows them); one platform per component, linux/amd64 where it exists.";
  }

  private static RegressionLine regressionLine(ReportContent.Regression r) {
    return new RegressionLine(r.component(), r.repository() + "@" + shortDigest(r.digest()), r.platform(),
        r.created().toString().substring(0, 10), SizeFormat.bytes(r.compressedBytes() - r.deltaBytes()) + " to "
            + SizeFormat.bytes(r.compressedBytes()), SizeFormat.signedBytes(r.deltaBytes()), responsible(r));
  }

  /** Which part of the image grew: its base image or the application's own layers. */
  static String responsible(ReportContent.Regression r) {
    if (r.baseDeltaBytes() == null || r.appDeltaBytes() == null) {
      return "unknown: no base image identified";
    }
    String base = "base " + SizeFormat.signedBytes(r.baseDeltaBytes());
    String app = "app " + SizeFormat.signedBytes(r.appDeltaBytes());
    return r.baseDeltaBytes() > r.appDeltaBytes()
        ? "base image (" + base + ", " + app + ")"
        : "app layers (" + app + ", " + base + ")";
  }

  private static String ratio(ReportContent.Dedup d) {
    if (d.uniqueBytes() == 0) {
      return "n/a";
    }
    return new BigDecimal(d.logicalBytes()).divide(new BigDecimal(d.uniqueBytes()), 1,
        RoundingMode.HALF_UP).toPlainString() + "x";
  }

  /** "sha256:0123456789ab": enough of a digest to find it, short enough for a table. */
  static String shortDigest(String digest) {
    int colon = digest.indexOf(':');
    return digest.length() > colon + 13 ? digest.substring(0, colon + 13) : digest;
  }

  private static ReportCharts.Chart chart(List<ReportCharts.Chart> charts, String id) {
    return charts.stream().filter(c -> c.id().equals(id)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no chart " + id));
  }
}
