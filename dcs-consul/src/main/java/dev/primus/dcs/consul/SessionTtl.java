package dev.primus.dcs.consul;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a lease ttl becomes a Consul session TTL and back.
 *
 * <p>Consul's servers arm a session's invalidation timer for <em>twice</em> its TTL (the
 * {@code SessionTTLMultiplier} grace in {@code agent/consul/session_ttl.go}, restarted on every renew
 * and after a leader election), and only promise "not before TTL". Patroni therefore asks for
 * {@code ttl/2} so that the leader key lives about {@code ttl}; Primus does the same, so a lease of
 * {@code ttl} keeps its keys for {@code 2 x TTL >= ttl} without renewal, exactly like Patroni's.
 *
 * <p>Consul refuses TTLs below its {@code session_ttl_min} (10 s by default) and above 24 h. A smaller
 * ask is rounded <em>up</em> to 10 s and the {@link dev.primus.dcs.spi.Lease} reports the ttl really
 * granted (20 s), never the one asked: a caller that planned for 2 s learns that its lock outlives a
 * crash by 20 s. Fractions of a second are rounded up too, since Consul's TTL string is in seconds.
 */
final class SessionTtl {
  /** Consul's default {@code session_ttl_min}. */
  static final Duration MIN = Duration.ofSeconds(10);
  /** Consul's hard upper bound ({@code structs.SessionTTLMax}). */
  static final Duration MAX = Duration.ofHours(24);
  /** Consul waits this many TTLs before it invalidates a session that is not renewed. */
  static final int MULTIPLIER = 2;

  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|us|\u00b5s|ns|h|m|s)");

  private SessionTtl() {}

  /** The session TTL to ask Consul for, so that keys live at least {@code leaseTtl}. */
  static Duration forLease(Duration leaseTtl) {
    long halfMillis = ceilDiv(leaseTtl.toMillis(), MULTIPLIER);
    Duration ttl = Duration.ofSeconds(ceilDiv(halfMillis, 1000));
    return ttl.compareTo(MIN) < 0 ? MIN : ttl;
  }

  /** How long keys of a session with this TTL live without renewal: the lease ttl to report. */
  static Duration leaseTtl(Duration sessionTtl) {
    return sessionTtl.multipliedBy(MULTIPLIER);
  }

  /** The TTL as Consul's session API takes it: whole seconds, e.g. {@code "15s"}. */
  static String format(Duration sessionTtl) {
    return sessionTtl.toSeconds() + "s";
  }

  /**
   * Parses the TTL Consul reports for a session, a Go duration such as {@code "15s"} or
   * {@code "1m30s"}; empty if it is missing or not a positive duration.
   */
  static Optional<Duration> parse(String goDuration) {
    if (goDuration == null || goDuration.isEmpty()) {
      return Optional.empty();
    }
    Matcher m = PART.matcher(goDuration);
    int at = 0;
    long nanos = 0;
    while (at < goDuration.length()) {
      if (!m.find(at) || m.start() != at) {
        return Optional.empty();
      }
      double amount = Double.parseDouble(m.group(1));
      long unitNanos = switch (m.group(2)) {
        case "h" -> 3_600_000_000_000L;
        case "m" -> 60_000_000_000L;
        case "s" -> 1_000_000_000L;
        case "ms" -> 1_000_000L;
        case "us", "\u00b5s" -> 1_000L;
        default -> 1L;
      };
      nanos += Math.round(amount * unitNanos);
      at = m.end();
    }
    return nanos > 0 ? Optional.of(Duration.ofNanos(nanos)) : Optional.empty();
  }

  private static long ceilDiv(long x, long y) {
    return -Math.floorDiv(-x, y);
  }
}
