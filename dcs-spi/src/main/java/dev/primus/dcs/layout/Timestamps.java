package dev.primus.dcs.layout;

import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** ISO-8601 timestamps as Python's {@code datetime.isoformat()} writes them and Patroni reads them. */
final class Timestamps {
  /** A trailing numeric offset without a colon, {@code +0100} or {@code +01}. */
  private static final Pattern COMPACT_OFFSET = Pattern.compile("([+-])(\\d{2})(\\d{2})?$");

  private Timestamps() {}

  /**
   * Parses a timestamp with a UTC offset: {@code 2026-11-22T05:16:00+00:00}, {@code ...Z},
   * fractional seconds, a space instead of {@code T}, and {@code +0000}/{@code +00} offsets.
   */
  static OffsetDateTime parse(String s, String field) throws BadValue {
    String t = s.strip();
    if (t.length() > 10 && t.charAt(10) == ' ') {
      t = t.substring(0, 10) + 'T' + t.substring(11);
    }
    Matcher m = COMPACT_OFFSET.matcher(t);
    if (t.indexOf('T') > 0 && m.find() && m.start() > t.indexOf('T') + 5) {
      t = t.substring(0, m.start()) + m.group(1) + m.group(2) + ":" + (m.group(3) == null ? "00" : m.group(3));
    }
    try {
      return OffsetDateTime.parse(t, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    } catch (DateTimeParseException e) {
      try {
        LocalDateTime.parse(t, DateTimeFormatter.ISO_LOCAL_DATE_TIME);
        throw new BadValue(field + ": timestamp has no UTC offset: \"" + s + "\"");
      } catch (DateTimeParseException e2) {
        throw new BadValue(field + ": not an ISO-8601 timestamp: \"" + s + "\"");
      }
    }
  }

  /**
   * Formats like Python's {@code isoformat()}: seconds always, microseconds only when non-zero, and
   * the offset as {@code +HH:MM} (never {@code Z}), e.g. {@code 2026-11-22T05:16:00+00:00}.
   */
  static String format(OffsetDateTime t) {
    StringBuilder b = new StringBuilder(32);
    b.append(DateTimeFormatter.ISO_LOCAL_DATE.format(t.toLocalDate())).append('T');
    b.append(String.format("%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond()));
    int nanos = t.getNano();
    if (nanos != 0) {
      // Python has microseconds; keep nanoseconds only when there are some, so nothing is lost.
      b.append('.').append(nanos % 1000 == 0 ? String.format("%06d", nanos / 1000) : String.format("%09d", nanos));
    }
    b.append(offset(t.getOffset()));
    return b.toString();
  }

  private static String offset(ZoneOffset o) {
    int total = o.getTotalSeconds();
    char sign = total < 0 ? '-' : '+';
    total = Math.abs(total);
    String s = String.format("%c%02d:%02d", sign, total / 3600, (total / 60) % 60);
    if (total % 60 != 0) {
      s += String.format(":%02d", total % 60);
    }
    return s;
  }
}
