package dev.primus.db.postgres;

import java.util.Locale;

/** Write-ahead log positions: PostgreSQL's {@code X/Y} text form and the 64-bit number Patroni publishes. */
final class Lsn {
  private Lsn() {}

  /** Parses {@code 16/B374D848}; the high and low halves are hexadecimal 32-bit words. */
  static long parse(String text) {
    String t = text.trim();
    int slash = t.indexOf('/');
    if (slash <= 0 || slash == t.length() - 1) {
      throw new IllegalArgumentException("not an LSN: '" + text + "'");
    }
    long high = Long.parseLong(t.substring(0, slash), 16);
    long low = Long.parseLong(t.substring(slash + 1), 16);
    if (high > 0xFFFFFFFFL || low > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("not an LSN: '" + text + "'");
    }
    return (high << 32) | low;
  }

  static String format(long lsn) {
    return String.format(Locale.ROOT, "%X/%X", lsn >>> 32, lsn & 0xFFFFFFFFL);
  }
}
