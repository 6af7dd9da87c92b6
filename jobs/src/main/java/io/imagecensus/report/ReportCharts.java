package io.imagecensus.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Paint;
import java.awt.Rectangle;
import java.awt.geom.Rectangle2D;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartHints;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.StandardChartTheme;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.DefaultDrawingSupplier;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.CategoryItemRendererState;
import org.jfree.chart.renderer.category.LineAndShapeRenderer;
import org.jfree.chart.renderer.category.StackedBarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.KeyedValues2DItemKey;
import org.jfree.data.category.CategoryDataset;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.ViewBox;

/**
 * The report's charts, drawn by JFreeChart into SVG with JFreeSVG. Every data item is wrapped in
 * a group whose {@code jfreesvg:ref} names its series and category, so a reader (or a test) can
 * find each data point in the page.
 */
final class ReportCharts {
  static final int WIDTH = 560;
  static final int HEIGHT = 320;

  /** Base families in the order they are stacked, from the largest base to none. */
  static final List<String> FAMILIES = List.of("full", "slim", "alpine", "distroless", "scratch", "unknown");

  private static final Map<String, Color> FAMILY_COLORS = Map.of(
      "full", new Color(0xC0504D), "slim", new Color(0xF0A030), "alpine", new Color(0x2E86C1),
      "distroless", new Color(0x27AE60), "scratch", new Color(0x8E44AD), "unknown", new Color(0xB0B0B0));
  private static final Paint[] SERIES_COLORS = {
      new Color(0x1F4E79), new Color(0x2E86C1), new Color(0x27AE60), new Color(0xF0A030), new Color(0xC0504D),
      new Color(0x8E44AD), new Color(0x7F8C8D)};
  private static final Font FONT = new Font("SansSerif", Font.PLAIN, 12);

  private ReportCharts() {}

  /** A drawn chart: an id unique in the page, the file name of its SVG twin, the SVG element. */
  record Chart(String id, String fileName, String svg) {}

  /** All charts of the report; the SVG file names start with {@code baseName}. */
  static List<Chart> draw(ReportContent content, String baseName) {
    return List.of(
        sizeTrend(content.sizes(), baseName),
        adoption(content.adoption(), baseName),
        dedup(content.dedup(), baseName),
        posture(content.posture(), baseName));
  }

  /** Size of each component's last build per quarter, one line per component. */
  static Chart sizeTrend(List<ReportContent.QuarterSize> sizes, String baseName) {
    long largest = sizes.stream().filter(s -> s.lastUncompressedBytes() != null)
        .mapToLong(ReportContent.QuarterSize::lastUncompressedBytes).max().orElse(0);
    SizeFormat.Unit unit = SizeFormat.Unit.of(largest);
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    // Every quarter is a category even where a component has no build, so the axis has no gaps.
    for (String quarter : new TreeSet<>(sizes.stream().map(ReportContent.QuarterSize::quarter).toList())) {
      for (ReportContent.QuarterSize size : sizes) {
        if (size.quarter().equals(quarter) && size.lastUncompressedBytes() != null) {
          data.addValue(unit.scale(size.lastUncompressedBytes()), size.component(), quarter);
        }
      }
    }
    JFreeChart chart = ChartFactory.createLineChart(null, null,
        "Uncompressed size of the last build (" + unit.label() + ")", data);
    MarkedLineRenderer renderer = new MarkedLineRenderer();
    chart.getCategoryPlot().setRenderer(renderer);
    renderer.setDefaultShapesVisible(true);
    renderer.setDefaultStroke(new BasicStroke(2.5f));
    renderer.setAutoPopulateSeriesStroke(false);
    return svg(style(chart), "size-trend", baseName);
  }

  /** Share of the images built each quarter per base family, stacked to 100 %. */
  static Chart adoption(List<ReportContent.FamilyCount> counts, String baseName) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    TreeSet<String> quarters = new TreeSet<>(counts.stream().map(ReportContent.FamilyCount::quarter).toList());
    List<String> families = new ArrayList<>(FAMILIES);
    counts.stream().map(ReportContent.FamilyCount::family).filter(f -> !families.contains(f)).distinct()
        .sorted().forEach(families::add);
    for (String family : families) {
      for (String quarter : quarters) {
        long images = counts.stream().filter(c -> c.family().equals(family) && c.quarter().equals(quarter))
            .mapToLong(ReportContent.FamilyCount::images).sum();
        if (images > 0) {
          data.addValue(images, family, quarter);
        }
      }
    }
    JFreeChart chart = ChartFactory.createStackedBarChart(null, null, "Share of the images built", data);
    CategoryPlot plot = chart.getCategoryPlot();
    MarkedStackedBarRenderer renderer = new MarkedStackedBarRenderer();
    plot.setRenderer(renderer);
    style(chart);
    renderer.setRenderAsPercentages(true);
    renderer.setMaximumBarWidth(0.12);
    for (int i = 0; i < data.getRowCount(); i++) {
      renderer.setSeriesPaint(i, FAMILY_COLORS.getOrDefault((String) data.getRowKey(i), Color.DARK_GRAY));
    }
    NumberAxis axis = (NumberAxis) plot.getRangeAxis();
    axis.setNumberFormatOverride(new DecimalFormat("0 %", DecimalFormatSymbols.getInstance(Locale.ROOT)));
    axis.setRange(0, 1);
    return svg(chart, "base-adoption", baseName);
  }

  /** Per component: logical, unique and exclusive bytes of tonight's images. */
  static Chart dedup(List<ReportContent.Dedup> dedup, String baseName) {
    long largest = dedup.stream().mapToLong(ReportContent.Dedup::logicalBytes).max().orElse(0);
    SizeFormat.Unit unit = SizeFormat.Unit.of(largest);
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (ReportContent.Dedup row : dedup) {
      data.addValue(unit.scale(row.logicalBytes()), "logical", row.component());
      data.addValue(unit.scale(row.uniqueBytes()), "unique", row.component());
      data.addValue(unit.scale(row.exclusiveBytes()), "exclusive", row.component());
    }
    JFreeChart chart = ChartFactory.createBarChart(null, null, "Compressed bytes (" + unit.label() + ")", data);
    return svg(style(chart), "dedup", baseName);
  }

  /** Per component: the share of non-root images and of images with a healthcheck. */
  static Chart posture(List<ReportContent.Posture> posture, String baseName) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (ReportContent.Posture row : posture) {
      data.addValue(row.nonRootShare(), "non-root", row.component());
      data.addValue(row.healthcheckShare(), "healthcheck", row.component());
    }
    JFreeChart chart = ChartFactory.createBarChart(null, null, "Share of the images", data);
    style(chart);
    NumberAxis axis = (NumberAxis) chart.getCategoryPlot().getRangeAxis();
    axis.setNumberFormatOverride(new DecimalFormat("0 %", DecimalFormatSymbols.getInstance(Locale.ROOT)));
    axis.setRange(0, 1);
    return svg(chart, "posture", baseName);
  }

  /**
   * Lines with a marked group around each point's shape: JFreeChart's bar renderer marks its
   * items for SVG output, its line renderer does not.
   */
  static final class MarkedLineRenderer extends LineAndShapeRenderer {
    private static final int SHAPES_PASS = 1;

    @Override
    public void drawItem(Graphics2D g2, CategoryItemRendererState state, Rectangle2D dataArea, CategoryPlot plot,
        CategoryAxis domainAxis, ValueAxis rangeAxis, CategoryDataset dataset, int row, int column, int pass) {
      marked(g2, dataset, row, column, pass == SHAPES_PASS,
          () -> super.drawItem(g2, state, dataArea, plot, domainAxis, rangeAxis, dataset, row, column, pass));
    }
  }

  /** Stacked bars with a marked group around each bar, which JFreeChart's stacked renderer lacks. */
  static final class MarkedStackedBarRenderer extends StackedBarRenderer {
    private static final int BARS_PASS = 1;

    @Override
    public void drawItem(Graphics2D g2, CategoryItemRendererState state, Rectangle2D dataArea, CategoryPlot plot,
        CategoryAxis domainAxis, ValueAxis rangeAxis, CategoryDataset dataset, int row, int column, int pass) {
      marked(g2, dataset, row, column, pass == BARS_PASS,
          () -> super.drawItem(g2, state, dataArea, plot, domainAxis, rangeAxis, dataset, row, column, pass));
    }
  }

  /** Draws an item inside a group marked with its series and category, as JFreeChart's bar renderer does. */
  private static void marked(Graphics2D g2, CategoryDataset dataset, int row, int column, boolean itemPass,
      Runnable draw) {
    boolean marked = itemPass && dataset.getValue(row, column) != null;
    if (marked) {
      String ref = new KeyedValues2DItemKey<>(dataset.getRowKey(row), dataset.getColumnKey(column)).toJSONString();
      g2.setRenderingHint(ChartHints.KEY_BEGIN_ELEMENT, Map.of("ref", ref));
    }
    draw.run();
    if (marked) {
      g2.setRenderingHint(ChartHints.KEY_END_ELEMENT, Boolean.TRUE);
    }
  }

  /** A quiet look: white background, light grid, flat bars, legend at the bottom without a frame. */
  private static JFreeChart style(JFreeChart chart) {
    StandardChartTheme theme = new StandardChartTheme("image-census");
    theme.setExtraLargeFont(FONT.deriveFont(Font.BOLD, 16f));
    theme.setLargeFont(FONT.deriveFont(13f));
    theme.setRegularFont(FONT);
    theme.setSmallFont(FONT.deriveFont(11f));
    theme.setChartBackgroundPaint(Color.WHITE);
    theme.setPlotBackgroundPaint(Color.WHITE);
    theme.setPlotOutlinePaint(Color.WHITE);
    theme.setDomainGridlinePaint(new Color(0xE5E5E5));
    theme.setRangeGridlinePaint(new Color(0xE5E5E5));
    theme.setAxisLabelPaint(new Color(0x404040));
    theme.setTickLabelPaint(new Color(0x404040));
    theme.setLegendBackgroundPaint(Color.WHITE);
    theme.setBarPainter(new StandardBarPainter());
    theme.setShadowVisible(false);
    theme.setDrawingSupplier(new DefaultDrawingSupplier(SERIES_COLORS, SERIES_COLORS, SERIES_COLORS,
        DefaultDrawingSupplier.DEFAULT_STROKE_SEQUENCE, DefaultDrawingSupplier.DEFAULT_OUTLINE_STROKE_SEQUENCE,
        DefaultDrawingSupplier.DEFAULT_SHAPE_SEQUENCE));
    theme.apply(chart);
    CategoryPlot plot = chart.getCategoryPlot();
    plot.setOrientation(PlotOrientation.VERTICAL);
    plot.setRangeGridlinesVisible(true);
    plot.setInsets(new RectangleInsets(8, 4, 4, 12));
    // Long component names wrap onto a second line instead of being cut to "cele...".
    plot.getDomainAxis().setMaximumCategoryLabelLines(2);
    if (plot.getRenderer() instanceof BarRenderer bars) {
      bars.setItemMargin(0.05);
      bars.setMaximumBarWidth(0.08);
    }
    LegendTitle legend = chart.getLegend();
    legend.setFrame(BlockBorder.NONE);
    legend.setPosition(RectangleEdge.BOTTOM);
    chart.setPadding(new RectangleInsets(4, 4, 4, 4));
    return chart;
  }

  private static Chart svg(JFreeChart chart, String name, String baseName) {
    chart.setElementHinting(true);
    chart.setID(name + "-chart");
    SVGGraphics2D graphics = new SVGGraphics2D(WIDTH, HEIGHT);
    // Several SVGs share one HTML page: their clip-path ids must not collide, and must not
    // depend on the clock, so the same tables give the same report.
    graphics.setDefsKeyPrefix(name + "-");
    chart.draw(graphics, new Rectangle(0, 0, WIDTH, HEIGHT));
    String element = graphics.getSVGElement("chart-" + name, false, new ViewBox(0, 0, WIDTH, HEIGHT), null, null);
    return new Chart(name, baseName + "-" + name + ".svg", element);
  }
}
