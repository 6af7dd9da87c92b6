package io.imagecensus.compare;

import io.imagecensus.config.AnalyticsSettings;
import io.imagecensus.config.BaseImageSettings;
import io.imagecensus.config.CensusConfig;
import io.imagecensus.config.ConfigException;
import io.imagecensus.config.ConfigLoader;
import io.imagecensus.model.Platform;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code image-census compare REF_A REF_B}: the size gate for CI. Reads both images straight from
 * the registry (no Spark), prints what changed layer by layer, and exits 3 when B grew past the limit.
 */
public final class CompareCommand {
  static final int PASSED = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;
  static final int GREW = 3;

  private static final Pattern PERCENT = Pattern.compile("(\\d{1,4}(?:\\.\\d{1,4})?)%");
  private static final Pattern PLATFORM = Pattern.compile("([a-z0-9_]+)/([a-z0-9_]+)(?:/([a-z0-9_]+))?");
  private static final List<String> VALUE_OPTIONS = List.of("--config", "--max-growth", "--measure", "--format", "--platform");

  static final String HELP = """
      usage: image-census compare REF_A REF_B [options]

      Compares image B with image A layer by layer, straight from the registry (no Spark), and
      fails when B grew past the limit: a size gate for a CI pipeline.
      REF is host[:port]/repository:tag or host[:port]/repository@sha256:<digest>.

        --max-growth PCT   growth of B over A that still passes, e.g. 5% or 0.5% (default: the
                           configuration's analytics.regression-threshold, else 10%)
        --measure WHAT     compressed (default) or uncompressed bytes
        --format FORMAT    text (default), markdown (for a pull-request comment) or json
        --platform P       the image taken from a multi-platform index: os/arch[/variant]
                           (default linux/amd64); attestations are never taken
        --config FILE      registries, credentials and the base-image catalogue, as for run;
                           a registry whose url has the REF's host is used with its auth
        --insecure         plain http for a registry on this machine that --config does not name
        --help             show this help
      Without --config the registry is reached over https with credentials from the Docker config
      (docker login), or anonymously.

      Exit codes: 0 B is within the limit, 3 B grew past the limit, 1 an image could not be
      read from the registry, 2 bad arguments or configuration.
      """;

  private CompareCommand() {}

  /** Runs the comparison and returns its exit code; the report goes to {@code out}, problems to {@code err}. */
  public static int run(List<String> args, PrintStream out, PrintStream err, Map<String, String> environment) {
    try {
      Arguments arguments = Arguments.parse(args);
      if (arguments.help()) {
        out.print(HELP);
        return PASSED;
      }
      return compare(arguments, out, err, environment);
    } catch (UsageException | ConfigException e) {
      err.println("image-census: " + e.getMessage());
      return USAGE;
    } catch (RuntimeException e) {
      // Registry and comparison errors are one line already; anything else is named by its type.
      String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage().lines().findFirst().orElse("");
      err.println("image-census compare failed: " + message);
      return FAILED;
    }
  }

  private static int compare(Arguments arguments, PrintStream out, PrintStream err, Map<String, String> environment) {
    Optional<CensusConfig> config = arguments.value("--config").map(file -> ConfigLoader.load(Path.of(file)));
    ImageReference refA = ImageReference.parse(arguments.positional().get(0), "REF_A");
    ImageReference refB = ImageReference.parse(arguments.positional().get(1), "REF_B");
    BigDecimal maxGrowth = arguments.value("--max-growth").map(CompareCommand::maxGrowth)
        .orElse(BigDecimal.valueOf(config.map(CensusConfig::analytics).orElse(AnalyticsSettings.DEFAULTS).regressionThreshold()));
    Comparison.Measure measure = arguments.choice("--measure", List.of("compressed", "uncompressed"), "compressed")
        .equals("compressed") ? Comparison.Measure.COMPRESSED : Comparison.Measure.UNCOMPRESSED;
    String format = arguments.choice("--format", ComparisonReport.formats(), "text");
    Platform platform = platform(arguments.value("--platform").orElse("linux/amd64"));

    Registries registries = new Registries(config, arguments.insecure(), environment);
    registries.requireInsecureAllowed(refA.host());
    registries.requireInsecureAllowed(refB.host());
    ComparedImage a = registries.forHost(refA.host()).read(refA, platform);
    ComparedImage b = registries.forHost(refB.host()).read(refB, platform);
    List<String> warnings = new ArrayList<>();
    List<BaseImageSettings> catalogue = config.map(CensusConfig::baseImages).orElse(List.of());
    BaseFinder bases = new BaseFinder(registries, catalogue, warnings);
    Comparison comparison = Comparison.of(a, b, bases.find(a), bases.find(b), measure, maxGrowth);

    ComparisonReport report = new ComparisonReport(comparison);
    warnings.forEach(w -> err.println("image-census compare: note: " + w));
    out.print(switch (format) {
      case "markdown" -> report.markdown();
      case "json" -> report.json();
      default -> report.text();
    });
    return comparison.passed() ? PASSED : GREW;
  }

  /** "5%" as the fraction 0.05; a limit must be a percentage of 0 or more. */
  static BigDecimal maxGrowth(String text) {
    Matcher m = PERCENT.matcher(text.trim());
    if (!m.matches()) {
      String hint = text.trim().matches("\\d+(\\.\\d+)?") ? "add the %, e.g. " + text.trim() + "%"
          : "write a percentage of 0 or more, e.g. 5%";
      throw new UsageException("--max-growth '" + text + "' is not a growth limit; " + hint);
    }
    return new BigDecimal(m.group(1)).movePointLeft(2);
  }

  static Platform platform(String text) {
    Matcher m = PLATFORM.matcher(text);
    if (!m.matches()) {
      throw new UsageException("--platform '" + text + "' is not os/arch[/variant]; write e.g. linux/amd64 or linux/arm64/v8");
    }
    return new Platform(m.group(1), m.group(2), m.group(3));
  }

  /** "linux/arm64/v8", "linux/amd64". */
  static String platformName(Platform platform) {
    return platform.os() + "/" + platform.architecture() + (platform.variant() == null ? "" : "/" + platform.variant());
  }

  /** A wrong command line; the message names the argument and what to write instead. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  /** The parsed command line: two references, {@code --name value} options and flags. */
  record Arguments(List<String> positional, Map<String, String> values, boolean insecure, boolean help) {
    static Arguments parse(List<String> args) {
      List<String> positional = new ArrayList<>();
      Map<String, String> values = new HashMap<>();
      boolean insecure = false;
      boolean help = false;
      for (int i = 0; i < args.size(); i++) {
        String arg = args.get(i);
        String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
        if (arg.equals("--help") || arg.equals("-h")) {
          help = true;
        } else if (arg.equals("--insecure")) {
          insecure = true;
        } else if (VALUE_OPTIONS.contains(name)) {
          if (arg.contains("=")) {
            values.put(name, arg.substring(arg.indexOf('=') + 1));
          } else if (i + 1 < args.size()) {
            values.put(name, args.get(++i));
          } else {
            throw new UsageException(name + " needs a value; see image-census compare --help");
          }
        } else if (arg.startsWith("-")) {
          throw new UsageException("unknown option " + name + "; known: " + String.join(", ", VALUE_OPTIONS) + ", --insecure, --help");
        } else {
          positional.add(arg);
        }
      }
      if (!help && positional.size() != 2) {
        throw new UsageException(positional.size() < 2
            ? "compare needs two images, REF_A and REF_B (host:port/repository:tag); see image-census compare --help"
            : "unexpected argument '" + positional.get(2) + "'; compare takes exactly two images, REF_A and REF_B");
      }
      return new Arguments(List.copyOf(positional), Map.copyOf(values), insecure, help);
    }

    Optional<String> value(String name) {
      return Optional.ofNullable(values.get(name));
    }

    String choice(String name, List<String> allowed, String fallback) {
      String value = value(name).orElse(fallback).toLowerCase(Locale.ROOT);
      if (!allowed.contains(value)) {
        throw new UsageException(name + " '" + values.get(name) + "' is not one of " + String.join(", ", allowed));
      }
      return value;
    }
  }
}
