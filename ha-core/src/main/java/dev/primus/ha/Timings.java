package dev.primus.ha;

import java.time.Duration;
import java.util.Objects;

/**
 * The three timings that make the leader lock safe, validated together.
 *
 * <p>The rule {@code loop_wait + 2 * retry_timeout <= ttl} guarantees that a primary which cannot
 * renew its lock notices (within one loop plus a DCS retry) and stops taking writes before the lock
 * can expire and be taken by another member.
 *
 * @param ttl          leader lock TTL ({@code ttl})
 * @param loopWait     time between cycles ({@code loop_wait})
 * @param retryTimeout deadline of one DCS or database request with retries ({@code retry_timeout})
 */
public record Timings(Duration ttl, Duration loopWait, Duration retryTimeout) {
  public Timings {
    Objects.requireNonNull(ttl, "ttl");
    Objects.requireNonNull(loopWait, "loopWait");
    Objects.requireNonNull(retryTimeout, "retryTimeout");
    requirePositive("ttl", ttl);
    requirePositive("loop_wait", loopWait);
    requirePositive("retry_timeout", retryTimeout);
    Duration needed = loopWait.plus(retryTimeout.multipliedBy(2));
    if (needed.compareTo(ttl) > 0) {
      throw new TimingRuleViolation(ttl, loopWait, retryTimeout);
    }
  }

  private static void requirePositive(String key, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + " must be positive, got " + seconds(d));
    }
  }

  static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? (d.toMillis() / 1000) + " s" : (d.toMillis() / 1000.0) + " s";
  }

  /** {@code loop_wait + 2 * retry_timeout <= ttl} does not hold. The message names all three keys. */
  public static final class TimingRuleViolation extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    TimingRuleViolation(Duration ttl, Duration loopWait, Duration retryTimeout) {
      super("timing rule loop_wait + 2 * retry_timeout <= ttl does not hold: loop_wait (" + seconds(loopWait)
          + ") + 2 * retry_timeout (" + seconds(retryTimeout) + ") = "
          + seconds(loopWait.plus(retryTimeout.multipliedBy(2))) + " > ttl (" + seconds(ttl)
          + "); lower loop_wait or retry_timeout, or raise ttl");
    }
  }
}
