package dev.primus.agent.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * Shrinks a failing schedule to the faults it needs: drops the applied faults one at a time, latest
 * first, keeping each drop after which the schedule still breaks the same invariant. A dropped fault's
 * parameters are still drawn, so the rest of the run changes as little as the world allows (it does
 * change: the engine reacts differently, and later draws follow). What is left is a short list of
 * faults to read the trace against.
 */
final class Minimizer {
  private Minimizer() {}

  /** The smallest failing run found, and which fault indices it skips. */
  record Minimal(ScheduleResult result, Set<Integer> skipped, int runs) {
    /** The faults the minimal run still applies. */
    List<FaultInjector.Applied> faults() {
      return result.faultLog();
    }
  }

  static Minimal minimize(long seed, Engine engine, int traceLines, UnaryOperator<Schedule> adjust) {
    ScheduleResult best = Simulation.run(seed, engine, traceLines, adjust, Set.of());
    if (!best.failed()) {
      return new Minimal(best, Set.of(), 1);
    }
    int invariant = best.violations().get(0).invariant();
    Set<Integer> skipped = new TreeSet<>();
    int runs = 1;
    List<FaultInjector.Applied> candidates = new ArrayList<>(best.faultLog());
    for (int k = candidates.size() - 1; k >= 0; k--) {
      Set<Integer> trial = new TreeSet<>(skipped);
      trial.add(candidates.get(k).index());
      ScheduleResult r = Simulation.run(seed, engine, traceLines, adjust, trial);
      runs++;
      if (r.failed() && r.violations().get(0).invariant() == invariant) {
        skipped = trial;
        best = r;
      }
    }
    return new Minimal(best, skipped, runs);
  }
}
