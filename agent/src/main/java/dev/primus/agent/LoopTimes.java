package dev.primus.agent;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * How long the HA loop's cycles take and how late they begin, since the agent started: two cumulative
 * histograms (count, sum, maximum and the count at or below each of {@link #BOUNDS}), as {@code GET /metrics}
 * exposes them. A cycle is one observe-decide-act pass, from the moment it begins until the next one is
 * scheduled; long actions (a promotion, a restart) run beside the loop and are not part of it. The delay is
 * how long after it was due a cycle began: a loop held up by a busy machine or a busy REST API shows it
 * there. Both are read off the agent's clock. Thread-safe; recording is a few additions under a lock, once
 * per cycle.
 */
public final class LoopTimes {
  /** Upper bounds of the buckets, in seconds (Prometheus' default buckets); the last bucket is +Inf. */
  private static final double[] BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private final Counts duration = new Counts();
  private final Counts delay = new Counts();

  /** The upper bounds of the buckets, in seconds, smallest first; +Inf is implied after the last. */
  public static double[] bounds() {
    return BOUNDS.clone();
  }

  /** Records one cycle; negative values (a clock stepped back) count as zero. */
  public synchronized void record(Duration cycle, Duration lateBy) {
    duration.add(seconds(cycle));
    delay.add(seconds(lateBy));
  }

  /** The figures so far. */
  public synchronized Snapshot snapshot() {
    return new Snapshot(duration.series(), delay.series());
  }

  /**
   * Both histograms at one moment.
   *
   * @param duration how long the cycles took
   * @param delay    how long after it was due each cycle began
   */
  public record Snapshot(Series duration, Series delay) {
    public Snapshot {
      Objects.requireNonNull(duration, "duration");
      Objects.requireNonNull(delay, "delay");
    }
  }

  /**
   * One histogram.
   *
   * @param count      values recorded
   * @param sumSeconds their sum
   * @param maxSeconds the largest (0 when none)
   * @param atOrBelow  for each of {@link #bounds()}, how many values were at most that bound (cumulative, as
   *                   Prometheus' {@code _bucket{le=...}}); the +Inf bucket is {@code count}
   */
  public record Series(long count, double sumSeconds, double maxSeconds, long[] atOrBelow) {
    public Series {
      atOrBelow = atOrBelow.clone();
      if (atOrBelow.length != BOUNDS.length) {
        throw new IllegalArgumentException("one count per bound: " + BOUNDS.length + ", got " + atOrBelow.length);
      }
    }

    @Override
    public long[] atOrBelow() {
      return atOrBelow.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Series s && count == s.count && Double.compare(sumSeconds, s.sumSeconds) == 0
          && Double.compare(maxSeconds, s.maxSeconds) == 0 && Arrays.equals(atOrBelow, s.atOrBelow);
    }

    @Override
    public int hashCode() {
      return Objects.hash(count, sumSeconds, maxSeconds, Arrays.hashCode(atOrBelow));
    }

    @Override
    public String toString() {
      return "Series[count=" + count + ", sumSeconds=" + sumSeconds + ", maxSeconds=" + maxSeconds + ", atOrBelow="
          + Arrays.toString(atOrBelow) + "]";
    }
  }

  private static double seconds(Duration d) {
    return d.isNegative() ? 0 : d.toNanos() / 1e9;
  }

  /** Per-bucket counts (not cumulative) while recording; made cumulative in {@link #series()}. */
  private static final class Counts {
    private final long[] buckets = new long[BOUNDS.length];
    private long count;
    private double sum;
    private double max;

    void add(double v) {
      count++;
      sum += v;
      max = Math.max(max, v);
      for (int i = 0; i < BOUNDS.length; i++) {
        if (v <= BOUNDS[i]) {
          buckets[i]++;
          return;
        }
      }
    }

    Series series() {
      long[] cumulative = new long[BOUNDS.length];
      long running = 0;
      for (int i = 0; i < BOUNDS.length; i++) {
        running += buckets[i];
        cumulative[i] = running;
      }
      return new Series(count, sum, max, cumulative);
    }
  }
}
