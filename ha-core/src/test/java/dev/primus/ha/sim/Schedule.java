package dev.primus.ha.sim;

import dev.primus.ha.Timings;
import java.time.Duration;
import java.util.List;
import java.util.Random;

/**
 * The shape of one simulated run, drawn from its seed: how many members, which timings, how long, how
 * hard the application writes. Mostly Patroni's defaults (3 members, ttl 30 / loop_wait 10 /
 * retry_timeout 10); some schedules use other member counts and tighter timings, down to Primus's fast
 * settings (ttl 6 / loop_wait 1 / retry_timeout 2).
 */
record Schedule(
    long seed,
    int members,
    Timings timings,
    Duration length,
    long maximumLagOnFailover,
    long writeRate,
    boolean watchdog) {

  /** Timings other than the default, each keeping loop_wait + 2 * retry_timeout <= ttl. */
  private static final List<long[]> OTHER_TIMINGS = List.of(
      new long[] {6, 1, 2},
      new long[] {10, 2, 3},
      new long[] {20, 5, 5},
      new long[] {15, 3, 6},
      new long[] {40, 10, 15});

  static final Duration DEFAULT_LENGTH = Duration.ofMinutes(30);

  /** Draws a schedule from {@code random} (seeded with {@code seed}); the run goes on with the same source. */
  static Schedule draw(long seed, Random random) {
    int members = switch (random.nextInt(10)) {
      case 0 -> 2;
      case 1 -> 4;
      case 2 -> 5;
      default -> 3;
    };
    Timings timings;
    int t = random.nextInt(100);
    if (t < 75) {
      timings = timings(30, 10, 10);
    } else if (t < 85) {
      // Primus's fast settings: ten times the cycles, so at most three members keep the run short.
      timings = timings(6, 1, 2);
      members = Math.min(members, 3);
    } else {
      long[] x = OTHER_TIMINGS.get(random.nextInt(OTHER_TIMINGS.size()));
      timings = timings(x[0], x[1], x[2]);
    }
    return new Schedule(seed, members, timings, DEFAULT_LENGTH, 1_048_576, drawWriteRate(random), true);
  }

  /**
   * This schedule with the watchdog configured off ({@code watchdog.mode: off}): the executor accepts
   * the engine's watchdog actions and does nothing. Then nothing fences a frozen primary, so the fault
   * injector freezes no agent in such a schedule.
   */
  Schedule withoutWatchdog() {
    return new Schedule(seed, members, timings, length, maximumLagOnFailover, writeRate, false);
  }

  /** Idle, light, busy or heavy: bytes per second the application writes to the primary. */
  static long drawWriteRate(Random random) {
    return switch (random.nextInt(4)) {
      case 0 -> 0;
      case 1 -> 64 * 1024;
      case 2 -> 1024 * 1024;
      default -> 4 * 1024 * 1024;
    };
  }

  static Timings timings(long ttl, long loopWait, long retryTimeout) {
    return new Timings(Duration.ofSeconds(ttl), Duration.ofSeconds(loopWait), Duration.ofSeconds(retryTimeout));
  }

  @Override
  public String toString() {
    return "seed " + seed + ": " + members + " members, ttl " + timings.ttl().getSeconds() + " / loop_wait "
        + timings.loopWait().getSeconds() + " / retry_timeout " + timings.retryTimeout().getSeconds() + ", "
        + length.toMinutes() + " min, writes " + writeRate + " B/s" + (watchdog ? "" : ", no watchdog");
  }
}
