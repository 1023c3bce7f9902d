package dev.primus.agent.sim;

import dev.primus.ha.Timings;
import java.time.Duration;
import java.util.List;
import java.util.Random;

/**
 * The shape of one simulated run, drawn from its seed: how many members, which timings, how long, how
 * hard the application writes, whether replication is synchronous. Mostly Patroni's defaults (3 members,
 * ttl 30 / loop_wait 10 / retry_timeout 10); some schedules use other member counts and tighter timings,
 * down to Primus's fast settings (ttl 6 / loop_wait 1 / retry_timeout 2). One schedule in three runs
 * with {@code synchronous_mode} (half of those strict), chosen from the seed alone so that the other
 * draws, and so every schedule without it, stay what they were.
 *
 * @param sync                  {@code synchronous_mode}, and whether strict
 * @param syncNodeCount         {@code synchronous_node_count}
 * @param maximumLagOnSyncnode  {@code maximum_lag_on_syncnode} (bytes; -1 off)
 * @param failsafe              {@code failsafe_mode} on: one schedule in four, from the seed alone as for
 *                              synchronous mode; only in those may a cut take a node off the DCS alone
 */
record Schedule(
    long seed,
    int members,
    Timings timings,
    Duration length,
    long maximumLagOnFailover,
    long writeRate,
    boolean watchdog,
    Sync sync,
    int syncNodeCount,
    long maximumLagOnSyncnode,
    boolean failsafe) {

  /** Synchronous replication as configured in {@code config}. */
  enum Sync {
    OFF,
    /** {@code synchronous_mode: on} */
    ON,
    /** {@code synchronous_mode: on} and {@code synchronous_mode_strict: true} */
    STRICT
  }

  /** Asynchronous replication. */
  Schedule(long seed, int members, Timings timings, Duration length, long maximumLagOnFailover, long writeRate,
      boolean watchdog) {
    this(seed, members, timings, length, maximumLagOnFailover, writeRate, watchdog, Sync.OFF, 1, -1, false);
  }

  /**
   * Timings other than the default. The last two break loop_wait + 2 * retry_timeout <= ttl, as Patroni
   * lets an operator set them: the store keeps the configured retry_timeout as its deadline, and only the
   * agent's own bound ({@code Timings.inEffect}, {@link SimRuntime#callWithin}) keeps a primary safe.
   */
  private static final List<long[]> OTHER_TIMINGS = List.of(
      new long[] {6, 1, 2},
      new long[] {10, 2, 3},
      new long[] {20, 5, 5},
      new long[] {15, 3, 6},
      new long[] {40, 10, 15},
      new long[] {10, 5, 10},
      new long[] {20, 10, 10});

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
    Schedule drawn = new Schedule(seed, members, timings, DEFAULT_LENGTH, 1_048_576, drawWriteRate(random), true);
    Schedule s = switch ((int) Math.floorMod(seed, 6L)) {
      case 0 -> drawn.withSync(Sync.STRICT);
      case 3 -> drawn.withSync(Sync.ON);
      default -> drawn;
    };
    return Math.floorMod(seed, 4L) == 1 ? s.withFailsafe() : s;
  }

  /** This schedule with {@code failsafe_mode} on. */
  Schedule withFailsafe() {
    return new Schedule(seed, members, timings, length, maximumLagOnFailover, writeRate, watchdog, sync, syncNodeCount,
        maximumLagOnSyncnode, true);
  }

  /**
   * This schedule with synchronous replication: {@code synchronous_node_count} 2 for some of those with
   * four or more members, {@code maximum_lag_on_syncnode} 2 MB for some, both from the seed.
   */
  Schedule withSync(Sync mode) {
    if (mode == Sync.OFF) {
      return new Schedule(seed, members, timings, length, maximumLagOnFailover, writeRate, watchdog, Sync.OFF, 1, -1,
          failsafe);
    }
    long variant = Math.floorMod(seed / 6, 6L);
    int nodeCount = members >= 4 && variant % 2 == 0 ? 2 : 1;
    long lagOnSyncnode = variant % 3 == 1 ? 2L << 20 : -1;
    return new Schedule(seed, members, timings, length, maximumLagOnFailover, writeRate, watchdog, mode, nodeCount,
        lagOnSyncnode, failsafe);
  }

  /**
   * This schedule with the watchdog configured off ({@code watchdog.mode: off}): the executor accepts
   * the engine's watchdog actions and does nothing. Then nothing fences a frozen primary, so the fault
   * injector freezes no agent in such a schedule.
   */
  Schedule withoutWatchdog() {
    return new Schedule(seed, members, timings, length, maximumLagOnFailover, writeRate, false, sync, syncNodeCount,
        maximumLagOnSyncnode, failsafe);
  }

  /**
   * This schedule on Primus's fast settings (ttl 6 / loop_wait 1 / retry_timeout 2) with three members and
   * a busy writer: ten times the cycles of the default timings, so a race that needs a rare interleaving
   * (a mutant's window between two cycles) meets the fault injector far more often.
   */
  Schedule withFastTimings() {
    return new Schedule(seed, 3, timings(6, 1, 2), length, maximumLagOnFailover, Math.max(writeRate, 1024 * 1024),
        watchdog, sync, syncNodeCount, maximumLagOnSyncnode, failsafe);
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
        + length.toMinutes() + " min, writes " + writeRate + " B/s" + (watchdog ? "" : ", no watchdog")
        + (sync == Sync.OFF ? "" : ", synchronous_mode on" + (sync == Sync.STRICT ? " (strict)" : "")
            + (syncNodeCount > 1 ? ", synchronous_node_count " + syncNodeCount : "")
            + (maximumLagOnSyncnode > 0 ? ", maximum_lag_on_syncnode " + maximumLagOnSyncnode : ""))
        + (failsafe ? ", failsafe_mode on" : "");
  }
}
