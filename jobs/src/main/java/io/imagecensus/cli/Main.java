package io.imagecensus.cli;

import io.imagecensus.compare.CompareCommand;
import io.imagecensus.config.CensusConfig;
import io.imagecensus.config.ConfigException;
import io.imagecensus.config.ConfigLoader;
import io.imagecensus.job.CensusRun;
import io.imagecensus.job.RunSummary;
import io.imagecensus.job.SparkSessions;
import io.imagecensus.report.Quarter;
import io.imagecensus.report.QuarterlyReport;
import io.imagecensus.report.ReportContent;
import io.imagecensus.report.ReportData;
import io.imagecensus.warehouse.Warehouse;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/** The command line: {@code image-census COMMAND [options]}; argument parsing and exit codes only. */
public final class Main {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;

  private static final String USAGE_TEXT = """
      usage: image-census COMMAND [options]

      Commands:
        run      crawl the registries and compute the analytics for one snapshot date
        crawl    crawl the registries into the tags, images, image_layers, attachments,
                 crawl_errors and runs tables
        analyze  compute the analytics tables of a snapshot that was crawled before
        compare  compare two images on a registry layer by layer and fail when the second
                 grew past a limit (a size gate for CI; no Spark)
        report   write the quarterly report (HTML and Markdown) from the analytics tables
      Run 'image-census COMMAND --help' for a command's options.

      Exit codes: 0 success, 1 the run failed, 2 bad arguments or configuration,
      3 compare: the second image grew past --max-growth.
      """;

  private static final String CRAWL_HELP = """
      usage: image-census %s --config FILE [--snapshot-date YYYY-MM-DD]

      %s
        --config FILE            the YAML configuration (conf/image-census.yaml)
        --snapshot-date DATE     the snapshot to write (default: today in UTC); rerunning a
                                 date replaces its snapshot
        --help                   show this help
      Credentials come from the environment variables the configuration names, or from the
      Docker config; never from the command line.
      """;

  private static final String REPORT_HELP = """
      usage: image-census report --config FILE --quarter YYYY-QN [--snapshot-date YYYY-MM-DD] [--out DIR]

      Write the quarterly report from the analytics tables: DIR/image-census-YYYY-QN.html (one
      self-contained file, charts inline) and DIR/image-census-YYYY-QN.md (its Markdown twin, with
      its charts as SVG files next to it).
        --config FILE            the YAML configuration (conf/image-census.yaml)
        --quarter YYYY-QN        the quarter, e.g. 2026-Q4
        --snapshot-date DATE     the analytics snapshot to read (default: the latest one that has
                                 the quarter)
        --out DIR                where to write the files (default: reports)
        --help                   show this help
      """;

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, System.getenv()));
  }

  /** Runs a command and returns its exit code; all output goes to {@code out} and {@code err}. */
  static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> environment) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
      (args.length == 0 ? err : out).print(USAGE_TEXT);
      return args.length == 0 ? USAGE : OK;
    }
    String command = args[0];
    List<String> rest = List.of(args).subList(1, args.length);
    try {
      return switch (command) {
        case "run" -> snapshot(command, "Crawl the registries and compute the analytics.", rest, out, environment);
        case "crawl" -> snapshot(command, "Crawl the registries into the warehouse.", rest, out, environment);
        case "analyze" -> snapshot(command, "Compute the analytics of a crawled snapshot (no registry requests).", rest, out, environment);
        case "compare" -> CompareCommand.run(rest, out, err, environment);
        case "report" -> report(rest, out);
        default -> throw new UsageException("unknown command '" + command + "'; run image-census --help");
      };
    } catch (UsageException | ConfigException e) {
      err.println("image-census: " + e.getMessage());
      return USAGE;
    } catch (RuntimeException e) {
      err.println("image-census " + command + " failed: " + firstLine(e));
      return FAILED;
    }
  }

  private static int snapshot(String command, String purpose, List<String> args, PrintStream out,
      Map<String, String> environment) {
    Options options = Options.parse(args, List.of("--config", "--snapshot-date"));
    if (options.help()) {
      out.printf(CRAWL_HELP, command, purpose);
      return OK;
    }
    CensusConfig config = ConfigLoader.load(Path.of(options.require("--config")));
    LocalDate date = options.value("--snapshot-date").map(Main::date).orElse(LocalDate.now(ZoneOffset.UTC));
    SparkSession spark = SparkSessions.getOrCreate();
    CensusRun run = new CensusRun(spark, config, environment, out);
    RunSummary summary = switch (command) {
      case "crawl" -> run.crawl(date);
      case "analyze" -> run.analyze(date);
      default -> run.run(date);
    };
    out.println(summary.line());
    return OK;
  }

  private static int report(List<String> args, PrintStream out) {
    Options options = Options.parse(args, List.of("--config", "--quarter", "--snapshot-date", "--out"));
    if (options.help()) {
      out.print(REPORT_HELP);
      return OK;
    }
    Quarter quarter = quarter(options.require("--quarter"));
    CensusConfig config = ConfigLoader.load(Path.of(options.require("--config")));
    Optional<LocalDate> date = options.value("--snapshot-date").map(Main::date);
    Path directory = Path.of(options.value("--out").orElse("reports"));
    Warehouse warehouse = new Warehouse(SparkSessions.getOrCreate(), config.warehouse());
    ReportContent content = ReportData.load(warehouse, quarter, date, config.analytics().regressionThreshold());
    for (Path file : QuarterlyReport.write(content, directory)) {
      out.println("wrote " + file);
    }
    return OK;
  }

  private static Quarter quarter(String text) {
    try {
      return Quarter.parse(text);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--quarter " + e.getMessage());
    }
  }

  private static LocalDate date(String text) {
    try {
      return LocalDate.parse(text);
    } catch (DateTimeParseException e) {
      throw new UsageException("--snapshot-date '" + text + "' is not a date; write it as YYYY-MM-DD");
    }
  }

  private static String firstLine(Throwable e) {
    Throwable cause = e;
    while (cause.getMessage() == null && cause.getCause() != null) {
      cause = cause.getCause();
    }
    String message = cause.getMessage() == null ? cause.getClass().getName() : cause.getMessage();
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  /** A wrong command line; the message says what to write instead. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  /** Parsed {@code --name value} options and the {@code --help} flag. */
  record Options(Map<String, String> values, boolean help) {
    static Options parse(List<String> args, List<String> known) {
      Map<String, String> values = new java.util.LinkedHashMap<>();
      boolean help = false;
      List<String> positional = new ArrayList<>();
      for (int i = 0; i < args.size(); i++) {
        String arg = args.get(i);
        if (arg.equals("--help") || arg.equals("-h")) {
          help = true;
        } else if (arg.startsWith("--")) {
          String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
          if (!known.contains(name)) {
            throw new UsageException("unknown option " + name + "; known: " + String.join(", ", known) + ", --help");
          }
          String value;
          if (arg.contains("=")) {
            value = arg.substring(arg.indexOf('=') + 1);
          } else if (i + 1 < args.size()) {
            value = args.get(++i);
          } else {
            throw new UsageException(name + " needs a value");
          }
          values.put(name, value);
        } else {
          positional.add(arg);
        }
      }
      if (!positional.isEmpty() && !help) {
        throw new UsageException("unexpected argument '" + positional.get(0) + "'");
      }
      return new Options(values, help);
    }

    java.util.Optional<String> value(String name) {
      return java.util.Optional.ofNullable(values.get(name));
    }

    String require(String name) {
      return value(name).orElseThrow(() -> new UsageException(name + " is required; see --help"));
    }
  }
}
