package io.imagecensus.report;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Sizes and shares for people: decimal units (1 kB = 1,000 bytes, 1 MB = 10^6, 1 GB = 10^9) and
 * percentages, each with one decimal rounded half up, whatever the machine's locale.
 */
final class SizeFormat {
  static final String UNITS_NOTE =
      "Sizes use decimal units: 1 kB = 1,000 bytes, 1 MB = 1,000,000 bytes, 1 GB = 1,000,000,000 bytes.";

  private SizeFormat() {}

  /** A unit of size and how many bytes it holds. */
  enum Unit {
    B(1L), KB(1_000L), MB(1_000_000L), GB(1_000_000_000L), TB(1_000_000_000_000L);

    final long bytes;

    Unit(long bytes) {
      this.bytes = bytes;
    }

    /** The unit in which {@code bytes} reads as a number from 1 to under 1000 (B below 1 kB). */
    static Unit of(long bytes) {
      Unit chosen = B;
      for (Unit unit : values()) {
        if (Math.abs(bytes) >= unit.bytes) {
          chosen = unit;
        }
      }
      return chosen;
    }

    String label() {
      return this == KB ? "kB" : name();
    }

    double scale(long bytes) {
      return bytes / (double) this.bytes;
    }
  }

  /** "1.2 MB", "350.2 kB", "512 B"; "n/a" for an unknown size. */
  static String bytes(Long bytes) {
    if (bytes == null) {
      return "n/a";
    }
    Unit unit = Unit.of(bytes);
    if (unit == Unit.B) {
      return bytes + " B";
    }
    BigDecimal value = BigDecimal.valueOf(bytes).divide(BigDecimal.valueOf(unit.bytes), 1, RoundingMode.HALF_UP);
    // 999,960 bytes rounds to 1000.0 kB: say 1.0 MB instead.
    if (value.abs().compareTo(BigDecimal.valueOf(1000)) >= 0 && unit != Unit.TB) {
      unit = Unit.values()[unit.ordinal() + 1];
      value = BigDecimal.valueOf(bytes).divide(BigDecimal.valueOf(unit.bytes), 1, RoundingMode.HALF_UP);
    }
    return value.toPlainString() + " " + unit.label();
  }

  /** A change of size with its sign: "+1.2 MB", "-300.0 kB", "0 B". */
  static String signedBytes(Long bytes) {
    if (bytes == null) {
      return "n/a";
    }
    return (bytes > 0 ? "+" : "") + bytes(bytes);
  }

  /** A percentage that is already on the 0 to 100 scale: "71.4 %". */
  static String percent(Double percent) {
    if (percent == null) {
      return "n/a";
    }
    return BigDecimal.valueOf(percent).setScale(1, RoundingMode.HALF_UP).toPlainString() + " %";
  }

  /** A fraction from 0 to 1 as a percentage: 0.5 gives "50.0 %". */
  static String share(double fraction) {
    return percent(BigDecimal.valueOf(fraction).movePointRight(2).doubleValue());
  }
}
