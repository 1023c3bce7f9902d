package dev.primus.agent.watchdog;

import dev.primus.ha.Timings;
import java.time.Duration;
import java.util.Objects;

/**
 * The timeout a watchdog should have for the timings in force, and the room it leaves: the node must be
 * reset before the leader lock can pass to another member ({@code seconds <= ttl - safety_margin}), and a
 * healthy agent must be able to pet it between two cycles ({@code seconds >= loop_wait}).
 *
 * @param seconds  the wanted timeout ({@link SafetyMargin#timeoutSeconds})
 * @param ttl      the leader lock's ttl it was computed from
 * @param loopWait the time between two cycles, hence between two keepalives of a healthy leader
 */
public record WatchdogTimeout(int seconds, Duration ttl, Duration loopWait) {

  public WatchdogTimeout {
    Objects.requireNonNull(ttl, "ttl");
    Objects.requireNonNull(loopWait, "loopWait");
  }

  /** The timeout {@code margin} gives under {@code timings}. */
  public static WatchdogTimeout of(SafetyMargin margin, Timings timings) {
    Objects.requireNonNull(margin, "margin");
    return new WatchdogTimeout(margin.timeoutSeconds(timings.ttl().toSeconds()), timings.ttl(), timings.loopWait());
  }

  /** How long a healthy leader's keepalive may be late before the reset: the timeout minus {@code loop_wait}. */
  public Duration slack() {
    return Duration.ofSeconds(seconds).minus(loopWait);
  }

  /** Whether a healthy agent can pet a watchdog of this timeout in time (Patroni's "timing slack" is not negative). */
  public boolean leavesRoomForALoop() {
    return !slack().isNegative();
  }
}
