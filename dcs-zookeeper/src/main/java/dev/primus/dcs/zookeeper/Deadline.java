package dev.primus.dcs.zookeeper;

import java.time.Duration;

/**
 * A point on the monotonic clock by which a store call must be answered.
 *
 * <p>A network client cannot avoid a clock: every call is bounded by {@code retry_timeout}. The
 * monotonic one is used so wall-clock jumps cannot stretch or cut a deadline.
 */
record Deadline(long atNanos) {

  static Deadline after(Duration d) {
    long now = System.nanoTime();
    long nanos;
    try {
      nanos = d.toNanos();
    } catch (ArithmeticException e) {
      nanos = Long.MAX_VALUE / 4;
    }
    return new Deadline(now + Math.max(0, Math.min(nanos, Long.MAX_VALUE / 4)));
  }

  long remainingNanos() {
    return atNanos - System.nanoTime();
  }

  long remainingMillis() {
    return Math.max(0, (remainingNanos() + 999_999) / 1_000_000);
  }

  boolean passed() {
    return remainingNanos() <= 0;
  }

  /** The earlier of the two. */
  Deadline min(Deadline other) {
    return atNanos - other.atNanos <= 0 ? this : other;
  }
}
