package dev.primus.runner.rest;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;

/** The text forms Patroni clients expect: LSNs, timestamps, versions, host and port of a conn_url. */
final class Formats {
  private Formats() {}

  /** An LSN the way PostgreSQL prints it: {@code 0/4000060}. */
  static String lsn(long lsn) {
    return Long.toHexString(lsn >>> 32).toUpperCase(Locale.ROOT) + "/"
        + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase(Locale.ROOT);
  }

  /**
   * {@code 2026-11-22 04:15:33.805367+00:00}, as in {@code postmaster_start_time}: Python's
   * {@code str()} of an aware timestamp, in UTC, with microseconds only when non-zero.
   */
  static String timestamp(Instant t) {
    java.time.LocalDateTime d = java.time.LocalDateTime.ofInstant(t, ZoneOffset.UTC);
    int micros = t.getNano() / 1000;
    return String.format(Locale.ROOT, "%04d-%02d-%02d %02d:%02d:%02d", d.getYear(), d.getMonthValue(),
        d.getDayOfMonth(), d.getHour(), d.getMinute(), d.getSecond())
        + (micros == 0 ? "" : String.format(Locale.ROOT, ".%06d", micros)) + "+00:00";
  }

  /** {@code 2026-11-22T05:16:00+00:00}: ISO-8601 with seconds and a numeric offset, as Python's isoformat(). */
  static String isoTimestamp(OffsetDateTime t) {
    int micros = t.getNano() / 1000;
    return String.format(Locale.ROOT, "%04d-%02d-%02dT%02d:%02d:%02d", t.getYear(), t.getMonthValue(),
        t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond())
        + (micros == 0 ? "" : String.format(Locale.ROOT, ".%06d", micros))
        + java.time.format.DateTimeFormatter.ofPattern("xxx", Locale.ROOT).format(t);
  }

  /** Seconds since the epoch with the microseconds as a fraction, as Prometheus gauges show them. */
  static String epochSeconds(Instant t) {
    BigDecimal s = BigDecimal.valueOf(t.getEpochSecond()).add(BigDecimal.valueOf(t.getNano() / 1000, 6));
    return s.stripTrailingZeros().toPlainString();
  }

  /** {@code 3.0.2} as {@code 030002}: each part padded to two digits (Patroni's patroni_version). */
  static String paddedVersion(String version) {
    StringBuilder sb = new StringBuilder();
    for (String part : version.split("\\.")) {
      String digits = part.replaceAll("\\D.*$", "");
      if (digits.isEmpty()) {
        return "0";
      }
      sb.append(digits.length() < 2 ? "0" + digits : digits);
    }
    return sb.length() == 0 ? "0" : sb.toString();
  }

  /** Parses a schedule: ISO-8601 with an offset ({@code T} or a space between date and time). */
  static Schedule parseSchedule(String text) {
    String t = text.trim().replace(' ', 'T');
    try {
      return new Schedule.At(OffsetDateTime.parse(t));
    } catch (DateTimeParseException e) {
      try {
        java.time.LocalDateTime.parse(t);
        return new Schedule.NoTimezone();
      } catch (DateTimeParseException e2) {
        return new Schedule.Unparsable();
      }
    }
  }

  /** The outcome of parsing a schedule. */
  sealed interface Schedule {
    record At(OffsetDateTime at) implements Schedule {}

    record NoTimezone() implements Schedule {}

    record Unparsable() implements Schedule {}
  }

  /** Host and port of {@code postgres://host:port/db}; the port defaults to 5432. */
  static Optional<HostAndPort> hostPort(String connUrl) {
    if (connUrl == null || connUrl.isEmpty()) {
      return Optional.empty();
    }
    try {
      URI u = URI.create(connUrl);
      String host = u.getHost();
      if (host == null) {
        return Optional.empty();
      }
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      return Optional.of(new HostAndPort(host, u.getPort() < 0 ? 5432 : u.getPort()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  record HostAndPort(String host, int port) {}

  /**
   * PostgreSQL's version text as an integer: {@code 15.2} is 150002, {@code 9.6.3} is 90603. Empty
   * when the text is not a version.
   */
  static Optional<Integer> postgresVersion(String text) {
    String[] parts = text.trim().split("\\.");
    try {
      int[] n = new int[parts.length];
      for (int i = 0; i < parts.length; i++) {
        if (!parts[i].matches("\\d{1,3}")) {
          return Optional.empty();
        }
        n[i] = Integer.parseInt(parts[i]);
      }
      if (n.length == 0 || n.length > 3) {
        return Optional.empty();
      }
      if (n[0] >= 10) {
        // since 10 the second number is the minor release
        return n.length <= 2 ? Optional.of(n[0] * 10000 + (n.length == 2 ? n[1] : 0)) : Optional.empty();
      }
      if (n.length < 2) {
        return Optional.empty();
      }
      return Optional.of(n[0] * 10000 + n[1] * 100 + (n.length == 3 ? n[2] : 0));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
