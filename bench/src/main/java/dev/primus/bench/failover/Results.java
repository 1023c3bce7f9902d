package dev.primus.bench.failover;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** What one run of the scenario measured, as plain values for the report. */
final class Results {
  private Results() {}

  /**
   * One failover or switchover.
   *
   * @param unavailableSeconds the longest time without an acknowledged write, from the last commit before
   *                           the event to the first commit on the new primary
   * @param newLeaderSeconds   from the event (the kill, or the switchover request) until the DCS leader key
   *                           names another member
   * @param reactionSeconds    failovers: from the old leader key's expiry until the new key; what the agents
   *                           add to the lease running out (NaN for switchovers)
   * @param lostWrites         acknowledged writes the new primary does not have, once the cluster is whole again
   * @param note               what went wrong, if the round did not complete (its figures are then not counted)
   */
  record Round(double unavailableSeconds, double newLeaderSeconds, double reactionSeconds, int lostWrites,
      Optional<String> note) {
    Round {
      Objects.requireNonNull(note, "note");
    }

    static Round failed(String why) {
      return new Round(Double.NaN, Double.NaN, Double.NaN, 0, Optional.of(why));
    }

    boolean ok() {
      return note.isEmpty();
    }
  }

  /**
   * The agents while the cluster is idle: no client writes, no failover, all three members up.
   *
   * @param idleSeconds              the measured window
   * @param rssMib                   resident memory per agent at the end of the window
   * @param rssAnonMib               its anonymous part (heap, stacks, malloc), per agent
   * @param pssMib                   proportional set size per agent ({@code Pss} of {@code smaps_rollup}): shared
   *                                 pages (the JVM's or Python's libraries, a class archive) divided among the
   *                                 processes that map them; NaN when the kernel does not say
   * @param threads                  threads per agent
   * @param cpuSecondsPerMinute      user + system CPU per agent over the window, per minute
   * @param dcsRequestsPerAgentMinute etcd gRPC messages received over the window, per agent and minute
   * @param dcsByMethod              the same, per gRPC method
   * @param leaderChanged            whether the leader key was re-created during the window (a spurious failover)
   */
  record Footprint(double idleSeconds, double[] rssMib, double[] rssAnonMib, double[] pssMib, long[] threads,
      double[] cpuSecondsPerMinute, double dcsRequestsPerAgentMinute, Map<String, Double> dcsByMethod,
      boolean leaderChanged) {
    Footprint {
      rssMib = rssMib.clone();
      rssAnonMib = rssAnonMib.clone();
      pssMib = pssMib.clone();
      threads = threads.clone();
      cpuSecondsPerMinute = cpuSecondsPerMinute.clone();
      dcsByMethod = Map.copyOf(dcsByMethod);
    }

    double meanRss() {
      return mean(rssMib);
    }

    double meanCpu() {
      return mean(cpuSecondsPerMinute);
    }
  }

  /**
   * One agent at one setting.
   *
   * @param system      Primus or Patroni
   * @param timing      the settings it ran with
   * @param agentCommand the agent's command line as the kernel shows it ({@code /proc/<pid>/cmdline})
   * @param footprint   the idle figures, if measured
   * @param failovers   the unplanned failovers
   * @param switchovers the switchovers
   * @param loadBefore  {@code /proc/loadavg} when it started
   * @param loadAfter   and when it ended
   * @param error       why the run stopped early, if it did
   * @param seconds     how long the scenario took, bootstrap to teardown
   * @param restLoad    health checks per second and member sent during the rounds (0: none)
   * @param phases      the failover rounds and the switchover rounds as phases, with the health checks' answers
   *                    and the HA loop's cycles in each (empty unless measured: {@code --rest-load})
   */
  record Scenario(String system, Timing timing, String agentCommand, Optional<Footprint> footprint,
      List<Round> failovers, List<Round> switchovers, String loadBefore, String loadAfter, Optional<String> error,
      double seconds, int restLoad, List<Phase> phases) {
    Scenario {
      failovers = List.copyOf(failovers);
      switchovers = List.copyOf(switchovers);
      phases = List.copyOf(phases);
    }
  }

  /**
   * The rounds of one kind, start of the first to the end of the last (rejoins included), seen from outside.
   *
   * @param name   failover or switchover
   * @param rest   what the health checks got, if any were sent
   * @param cycles how long the HA loop's cycles took, all members together (their log lines)
   * @param delays how long after it was due each cycle began
   */
  record Phase(String name, Optional<RestLoad.Figures> rest, RestLoad.Quantiles cycles, RestLoad.Quantiles delays) {}

  /** Median, minimum and maximum of the completed rounds' values; empty when none completed. */
  record Spread(double median, double min, double max, int count) {
    static Optional<Spread> of(double[] values) {
      double[] v = Arrays.stream(values).filter(d -> !Double.isNaN(d)).sorted().toArray();
      if (v.length == 0) {
        return Optional.empty();
      }
      int n = v.length;
      double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
      return Optional.of(new Spread(median, v[0], v[n - 1], n));
    }
  }

  static double mean(double[] v) {
    return Arrays.stream(v).average().orElse(Double.NaN);
  }
}
