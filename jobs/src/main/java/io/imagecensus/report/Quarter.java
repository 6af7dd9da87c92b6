package io.imagecensus.report;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A calendar quarter in UTC, written as the tables write it: {@code 2026-Q4}. */
public record Quarter(int year, int number) implements Comparable<Quarter> {
  private static final Pattern TEXT = Pattern.compile("(\\d{4})-Q(\\d)");

  public Quarter {
    if (number < 1 || number > 4) {
      throw new IllegalArgumentException("quarter number " + number + " is not between 1 and 4");
    }
  }

  /** Parses {@code YYYY-QN}; the message of a failure says how to write it. */
  public static Quarter parse(String text) {
    Matcher matcher = TEXT.matcher(text);
    if (!matcher.matches() || matcher.group(2).charAt(0) < '1' || matcher.group(2).charAt(0) > '4') {
      throw new IllegalArgumentException(
          "'" + text + "' is not a quarter; write it as YYYY-QN with N from 1 to 4, e.g. 2026-Q4");
    }
    return new Quarter(Integer.parseInt(matcher.group(1)), matcher.group(2).charAt(0) - '0');
  }

  /** The first day of the quarter. */
  public LocalDate start() {
    return LocalDate.of(year, (number - 1) * 3 + 1, 1);
  }

  /** The quarter's first instant: midnight UTC of its first day. */
  public Instant startInstant() {
    return start().atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  /** The first instant after the quarter: midnight UTC of the next quarter's first day. */
  public Instant endInstant() {
    return start().plusMonths(3).atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  @Override
  public int compareTo(Quarter other) {
    return Integer.compare(year * 4 + number, other.year * 4 + other.number);
  }

  @Override
  public String toString() {
    return year + "-Q" + number;
  }
}
