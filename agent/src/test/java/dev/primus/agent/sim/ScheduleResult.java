package dev.primus.agent.sim;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What one schedule found. A passing schedule keeps only its figures; a failing one also keeps the end
 * of its trace and the world's state, so its report stands on its own.
 *
 * @param schedule     the drawn parameters, seed first
 * @param violations   every violation seen (the run stops after the first event that produced any)
 * @param simulated    the simulated time actually run
 * @param events       events processed
 * @param faults       faults applied, by kind
 * @param failovers    promotions of a replica to primary
 * @param longestOutage the longest time without a writable primary after the first one
 * @param worstLoss    the most WAL a promoted replica lacked against the old primary's true end (not judged)
 * @param faultLog     every fault applied, in order (failing schedules only)
 * @param traceTail    the last trace lines (failing schedules only)
 * @param tally        counted occurrences ({@link SimCluster#tally()}): hung shutdowns, escalated stops,
 *                     replicas stopped for a rewind, rewinds, namesake branches, ...
 */
record ScheduleResult(
    Schedule schedule,
    List<Violation> violations,
    Duration simulated,
    long events,
    Map<FaultInjector.Kind, Integer> faults,
    int failovers,
    Duration longestOutage,
    long worstLoss,
    List<FaultInjector.Applied> faultLog,
    List<String> traceTail,
    Map<String, Integer> tally) {

  boolean failed() {
    return !violations.isEmpty();
  }

  /** The failure report: seed, schedule, the violations, the last trace lines, how to replay. */
  String report() {
    StringBuilder b = new StringBuilder();
    b.append("=== simulation FAILED: ").append(schedule).append('\n');
    for (Violation v : violations) {
      b.append("  at ").append(v.at()).append(": ").append(v).append('\n');
    }
    b.append("  faults applied: ").append(faults).append('\n');
    if (!faultLog.isEmpty()) {
      FaultInjector.Applied last = faultLog.get(faultLog.size() - 1);
      b.append("  last fault: #").append(last.index()).append(' ').append(last.what()).append('\n');
    }
    b.append("  last trace lines:\n");
    for (String line : traceTail) {
      b.append("    ").append(line).append('\n');
    }
    b.append("  replay: mvn -pl agent -am test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=SimulationTest -Dprimus.sim.seed=").append(schedule.seed()).append('\n');
    return b.toString();
  }
}
