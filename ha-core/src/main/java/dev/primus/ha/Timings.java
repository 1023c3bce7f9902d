package dev.primus.ha;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The three timings of the leader lock, as configured.
 *
 * <p>The rule {@code loop_wait + 2 * retry_timeout <= ttl} guarantees that a primary which cannot
 * renew its lock notices (within one loop plus a DCS retry) and stops taking writes before the lock
 * can expire and be taken by another member. Patroni accepts values that break it, and so does Primus:
 * the lock keeps the configured {@code ttl} (what every member sees), while the agent runs by
 * {@link #inEffect()}, which shortens its own {@code retry_timeout} — and {@code loop_wait} when that is
 * not enough — until the rule holds for them. {@link #boundedWarning()} says so, naming the three keys.
 *
 * @param ttl          leader lock TTL ({@code ttl})
 * @param loopWait     time between cycles ({@code loop_wait})
 * @param retryTimeout deadline of one DCS or database request with retries ({@code retry_timeout})
 */
public record Timings(Duration ttl, Duration loopWait, Duration retryTimeout) {
  /** The shortest DCS deadline the agent bounds itself to: a request needs a moment to be answered. */
  static final Duration SHORTEST_RETRY = Duration.ofSeconds(1);

  public Timings {
    Objects.requireNonNull(ttl, "ttl");
    Objects.requireNonNull(loopWait, "loopWait");
    Objects.requireNonNull(retryTimeout, "retryTimeout");
    requirePositive("ttl", ttl);
    requirePositive("loop_wait", loopWait);
    requirePositive("retry_timeout", retryTimeout);
  }

  private static void requirePositive(String key, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + " must be positive, got " + seconds(d));
    }
  }

  /** Whether {@code loop_wait + 2 * retry_timeout <= ttl}. */
  public boolean followsRule() {
    return loopWait.plus(retryTimeout.multipliedBy(2)).compareTo(ttl) <= 0;
  }

  /**
   * The timings the agent runs by: these when they follow the rule; otherwise the same {@code ttl} with
   * {@code retry_timeout} cut to {@code (ttl - loop_wait) / 2} (but not below {@code min(1 s, ttl / 4)}),
   * and {@code loop_wait} cut to {@code ttl - 2 * retry_timeout} if the rule still does not hold.
   */
  public Timings inEffect() {
    if (followsRule()) {
      return this;
    }
    Duration shortest = min(SHORTEST_RETRY, ttl.dividedBy(4));
    Duration room = ttl.minus(loopWait).dividedBy(2);
    Duration retry = min(retryTimeout, room.compareTo(shortest) < 0 ? shortest : room);
    Duration loop = min(loopWait, ttl.minus(retry.multipliedBy(2)));
    return new Timings(ttl, loop, retry);
  }

  /**
   * When these break the rule: a warning naming the three keys, the configured values and those in
   * effect; empty when they follow it.
   */
  public Optional<String> boundedWarning() {
    if (followsRule()) {
      return Optional.empty();
    }
    Timings e = inEffect();
    return Optional.of("ttl " + seconds(ttl) + ", loop_wait " + seconds(loopWait) + " and retry_timeout "
        + seconds(retryTimeout) + " break loop_wait + 2*retry_timeout <= ttl (" + seconds(loopWait) + " + 2*"
        + seconds(retryTimeout) + " > " + seconds(ttl) + "); applied as Patroni does, with this agent's own"
        + " deadlines bounded so that a primary still steps down before its lock can expire: in effect ttl "
        + seconds(e.ttl) + ", loop_wait " + seconds(e.loopWait) + ", retry_timeout " + seconds(e.retryTimeout));
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? (d.toMillis() / 1000) + " s" : (d.toMillis() / 1000.0) + " s";
  }
}
