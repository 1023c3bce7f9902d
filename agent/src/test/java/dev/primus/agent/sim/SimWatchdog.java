package dev.primus.agent.sim;

import java.time.Duration;
import java.util.Objects;

/**
 * A hardware watchdog as the agent sees it (Linux {@code /dev/watchdog}): once activated, it must be
 * kept alive within its timeout or it resets the machine. What the reset does is the owner's business
 * ({@link SimNode} stops the database at once and reboots the node): the part that matters for safety
 * is that a frozen agent's primary stops taking writes although nobody told it to.
 *
 * <p>Timeout, as Patroni: {@code ttl - safety_margin} with a safety margin of 5 s. For small ttls that
 * would leave less than a loop, so the margin is {@code min(5 s, ttl / 3)}: ttl 30 gives 25 s, ttl 6
 * gives 4 s (Primus's fast settings, loop_wait 1). Either way the reset comes before the leader's lease
 * can expire, because the agent keeps the watchdog alive only right after renewing the lock.
 */
final class SimWatchdog {
  private final Scheduler scheduler;
  private final String member;
  private final Duration timeout;
  private final Runnable reset;
  private Scheduler.Event deadline;
  private int resets;

  SimWatchdog(Scheduler scheduler, String member, Duration timeout, Runnable reset) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.member = member;
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.reset = Objects.requireNonNull(reset, "reset");
  }

  /** Patroni's {@code ttl - safety_margin}, with the margin shrunk for small ttls (see the class comment). */
  static Duration timeoutFor(Duration ttl) {
    Duration margin = Duration.ofSeconds(5);
    Duration third = ttl.dividedBy(3);
    if (third.compareTo(margin) < 0) {
      margin = third;
    }
    return ttl.minus(margin);
  }

  Duration timeout() {
    return timeout;
  }

  boolean active() {
    return deadline != null;
  }

  int resets() {
    return resets;
  }

  /** Opens the device and starts counting; activating an active watchdog is a keepalive. */
  void activate() {
    arm();
  }

  /** Pets it; a no-op while inactive (as writing to a closed device would be refused). */
  void keepalive() {
    if (active()) {
      arm();
    }
  }

  /** Closes the device properly (magic close): no reset will come. */
  void disable() {
    if (deadline != null) {
      deadline.cancel();
      deadline = null;
    }
  }

  private void arm() {
    if (deadline != null) {
      deadline.cancel();
    }
    deadline = scheduler.after(timeout, member + " watchdog expires", () -> {
      deadline = null;
      resets++;
      reset.run();
    });
  }
}
