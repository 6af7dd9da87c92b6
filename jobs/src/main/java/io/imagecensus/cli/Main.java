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
import io.imagecensus.warehouse.RunLock;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
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
  static final int PARTIAL = RunSummary.PARTIAL_EXIT;
  /** Another run holds the warehouse's lock; this one did nothing. */
  static final int LOCKED = 4;

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
        prune    delete the snapshots older than the newest N
      Run 'image-census COMMAND --help' for a command's options.

      Exit codes: 0 success, 1 the run failed, 2 bad arguments or configuration, 3 partial (the
      tables were written but the crawl error rate is over crawl.max-error-rate) or, for compare,
      the second image grew past --max-growth, 4 another run holds the warehouse's lock.
      """;

  private static final String CRAWL_HELP = """
      usage: image-census %s --config FILE [--snapshot-date YYYY-MM-DD] [--summary-file PATH]
                                 [--lock-timeout 6h] [--force-unlock]

      %s
        --config FILE            the YAML configuration (conf/image-census.yaml)
        --snapshot-date DATE     the snapshot to write (default: today in UTC); rerunning a
                                 date replaces its snapshot
        --summary-file PATH      also write the run's JSON summary here (it is always written
                                 to WAREHOUSE/_runs/RUN_ID.json)
        --lock-timeout DURATION  take over a lock whose heartbeat is older (default 6h)
        --force-unlock           take over the warehouse's lock whoever holds it
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
        case "prune" -> prune(rest, out);
        default -> throw new UsageException("unknown command '" + command + "'; run image-census --help");
      };
    } catch (UsageException | ConfigException e) {
      err.println("image-census: " + e.getMessage());
      return USAGE;
    } catch (RunLock.BusyException e) {
      err.println("image-census " + command + " refused: " + e.getMessage());
      return LOCKED;
    } catch (RuntimeException e) {
      err.println("image-census " + command + " failed: " + firstLine(e));
      return FAILED;
    }
  }

  private static int snapshot(String command, String purpose, List<String> args, PrintStream out,
      Map<String, String> environment) {
    Options options = Options.parse(args, List.of("--config", "--snapshot-date", "--summary-file", "--lock-timeout"),
        List.of("--force-unlock"));
    if (options.help()) {
      out.printf(CRAWL_HELP, command, purpose);
      return OK;
    }
    CensusConfig config = ConfigLoader.load(Path.of(options.require("--config")));
    LocalDate date = options.value("--snapshot-date").map(Main::date).orElse(LocalDate.now(ZoneOffset.UTC));
    CensusRun.Options runOptions = runOptions(options);
    SparkSession spark = SparkSessions.getOrCreate();
    CensusRun run = new CensusRun(spark, config, environment, out, runOptions);
    RunSummary summary = switch (command) {
      case "crawl" -> run.crawl(date);
      case "analyze" -> run.analyze(date);
      default -> run.run(date);
    };
    out.println(summary.line());
    return summary.exitCode();
  }

  private static final String PRUNE_HELP = """
      usage: image-census prune --config FILE --keep N [--lock-timeout 6h] [--force-unlock]

      Delete every snapshot older than the newest N from each snapshot table (and its
      _snapshots/DATE.json). The content stores (store/*, layers) and the runs log are kept.
      Takes the warehouse's lock, so it never runs while a run writes.
        --config FILE            the YAML configuration (its warehouse is pruned)
        --keep N                 how many of the newest snapshot dates to keep (1 or more)
        --lock-timeout DURATION  take over a lock whose heartbeat is older (default 6h)
        --force-unlock           take over the warehouse's lock whoever holds it
        --help                   show this help
      """;

  private static int prune(List<String> args, PrintStream out) {
    Options options = Options.parse(args, List.of("--config", "--keep", "--lock-timeout"), List.of("--force-unlock"));
    if (options.help()) {
      out.print(PRUNE_HELP);
      return OK;
    }
    CensusConfig config = ConfigLoader.load(Path.of(options.require("--config")));
    String keepText = options.require("--keep");
    if (!keepText.matches("[1-9]\\d{0,5}")) {
      throw new UsageException("--keep '" + keepText + "' is not a whole number of 1 or more; write e.g. --keep 30");
    }
    CensusRun.Options runOptions = runOptions(options);
    List<LocalDate> pruned = new CensusRun(SparkSessions.getOrCreate(), config, Map.of(), out, runOptions).prune(Integer.parseInt(keepText));
    out.println("image-census prune: deleted " + pruned.size() + " snapshots " + pruned + " from " + config.warehouse());
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

  private static CensusRun.Options runOptions(Options options) {
    Duration timeout = options.value("--lock-timeout").map(Main::lockTimeout).orElse(CensusRun.Options.DEFAULTS.lockTimeout());
    return new CensusRun.Options(timeout, options.flag("--force-unlock"), options.value("--summary-file").map(Path::of));
  }

  private static Duration lockTimeout(String text) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("([1-9]\\d{0,6})([smh])").matcher(text);
    if (!m.matches()) {
      throw new UsageException("--lock-timeout '" + text + "' is not a duration; write e.g. 6h, 90m or 600s");
    }
    long amount = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      default -> Duration.ofHours(amount);
    };
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
      return parse(args, known, List.of());
    }

    /** {@code flags} are options without a value, such as {@code --force-unlock}. */
    static Options parse(List<String> args, List<String> known, List<String> flags) {
      Map<String, String> values = new java.util.LinkedHashMap<>();
      boolean help = false;
      List<String> positional = new ArrayList<>();
      for (int i = 0; i < args.size(); i++) {
        String arg = args.get(i);
        if (arg.equals("--help") || arg.equals("-h")) {
          help = true;
        } else if (flags.contains(arg)) {
          values.put(arg, "true");
        } else if (arg.startsWith("--")) {
          String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
          if (!known.contains(name)) {
            List<String> all = new ArrayList<>(known);
            all.addAll(flags);
            throw new UsageException("unknown option " + name + "; known: " + String.join(", ", all) + ", --help");
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

    boolean flag(String name) {
      return values.containsKey(name);
    }

    java.util.Optional<String> value(String name) {
      return java.util.Optional.ofNullable(values.get(name));
    }

    String require(String name) {
      return value(name).orElseThrow(() -> new UsageException(name + " is required; see --help"));
    }
  }
}
