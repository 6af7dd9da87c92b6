package io.imagecensus.report;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import com.github.mustachejava.MustacheFactory;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders the quarterly report: {@code image-census-2026-Q4.html} (self-contained, charts inline),
 * its Markdown twin {@code image-census-2026-Q4.md}, and the Markdown's charts as SVG files next
 * to it.
 */
public final class QuarterlyReport {
  private static final String TEMPLATES = "io/imagecensus/report";

  private QuarterlyReport() {}

  /** The report's files by name, rendered in memory. */
  static Map<String, String> render(ReportContent content) {
    String baseName = "image-census-" + content.quarter();
    List<ReportCharts.Chart> charts = ReportCharts.draw(content, baseName);
    ReportView view = ReportView.of(content, charts);
    Map<String, String> files = new LinkedHashMap<>();
    files.put(baseName + ".html", render(new DefaultMustacheFactory(TEMPLATES), "report.html.mustache", view));
    files.put(baseName + ".md", render(new MarkdownFactory(), "report.md.mustache", view));
    for (ReportCharts.Chart chart : charts) {
      files.put(chart.fileName(), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + chart.svg() + "\n");
    }
    return files;
  }

  /**
   * Renders the report and writes its files into {@code directory}, each to a temporary file
   * first and then moved into place, so a failed run leaves no half-written report.
   */
  public static List<Path> write(ReportContent content, Path directory) {
    Map<String, String> files = render(content);
    List<Path> written = new ArrayList<>();
    try {
      Files.createDirectories(directory);
      for (Map.Entry<String, String> file : files.entrySet()) {
        Path target = directory.resolve(file.getKey());
        Path temporary = Files.createTempFile(directory, "." + file.getKey(), ".tmp");
        try {
          Files.writeString(temporary, file.getValue(), StandardCharsets.UTF_8);
          Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
          Files.deleteIfExists(temporary);
        }
        written.add(target);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Tried to write the report into " + directory + " but failed because: " + e, e);
    }
    return written;
  }

  private static String render(MustacheFactory factory, String template, ReportView view) {
    Mustache mustache = factory.compile(template);
    StringWriter out = new StringWriter();
    mustache.execute(out, view);
    return out.toString();
  }

  /** Templates for Markdown: values are escaped for Markdown (and its tables) instead of HTML. */
  static final class MarkdownFactory extends DefaultMustacheFactory {
    MarkdownFactory() {
      super(TEMPLATES);
    }

    @Override
    public void encode(String value, Writer writer) {
      try {
        writer.write(escapeMarkdown(value));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Backslash-escapes the characters that Markdown or a table cell would read as syntax. */
  static String escapeMarkdown(String value) {
    StringBuilder out = new StringBuilder(value.length());
    for (char c : value.toCharArray()) {
      if ("\\|*_`[]<>".indexOf(c) >= 0) {
        out.append('\\');
      }
      out.append(c == '\n' ? ' ' : c);
    }
    return out.toString();
  }
}
