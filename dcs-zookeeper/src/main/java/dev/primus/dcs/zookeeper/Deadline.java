package dev.primus.dcs.zookeeper;

import java.time.Duration;

/**
 * A point on the monotonic clock by which a store call must be answered, and how long one attempt of
 * it may wait for an answer before the server is deemed silent ({@link #attemptNanos}).
 *
 * <p>A network client cannot avoid a clock: every call is bounded by {@code retry_timeout}. The
 * monotonic one is used so wall-clock jumps cannot stretch or cut a deadline.
 */
record Deadline(long atNanos, long attemptNanos) {

  static Deadline after(Duration d) {
    long now = System.nanoTime();
    long nanos;
    try {
      nanos = d.toNanos();
    } catch (ArithmeticException e) {
      nanos = Long.MAX_VALUE / 4;
    }
    nanos = Math.max(0, Math.min(nanos, Long.MAX_VALUE / 4));
    return new Deadline(now + nanos, attemptNanos(nanos));
  }

  /**
   * One attempt: a third of the call's time, or half of it (up to 500 ms) when that is more, so at
   * least two attempts fit and the second can go to another server.
   */
  static long attemptNanos(long totalNanos) {
    long half = Math.min(totalNanos / 2, 500_000_000L);
    return Math.max(1_000_000L, Math.max(totalNanos / 3, half));
  }

  /** The end of an attempt that starts now: {@link #attemptNanos} from now, or this deadline if sooner. */
  Deadline attempt() {
    long end = System.nanoTime() + attemptNanos;
    return end - atNanos < 0 ? new Deadline(end, attemptNanos) : this;
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
