package dev.primus.agent.sim;

import java.time.Duration;
import java.util.Random;

/**
 * How long simulated database operations take, as [min, max] millisecond ranges drawn uniformly from
 * the schedule's random source. The maxima matter to the invariants: the liveness bound adds
 * {@link #promoteMax()}, and a demote only stops writes once its signal delay has passed.
 */
record DbLatencies(
    long startMin, long startMax,
    long crashRecoveryMin, long crashRecoveryMax,
    long signalMin, long signalMax,
    long fastStopMin, long fastStopMax,
    long immediateStopMin, long immediateStopMax,
    long promoteMin, long promoteMax,
    long followMin, long followMax,
    long rewindMin, long rewindMax,
    long baseBackupMin, long baseBackupMax,
    long initdbMin, long initdbMax) {

  /** Figures of a small PostgreSQL on local disks. */
  static DbLatencies defaults() {
    return new DbLatencies(
        500, 3_000,
        500, 5_000,
        10, 200,
        200, 2_000,
        20, 300,
        300, 2_000,
        100, 1_000,
        3_000, 20_000,
        5_000, 40_000,
        2_000, 8_000);
  }

  Duration promoteLongest() {
    return Duration.ofMillis(promoteMax);
  }

  static Duration draw(Random random, long min, long max) {
    return Duration.ofMillis(min + (max > min ? (long) (random.nextDouble() * (max - min)) : 0));
  }
}
