package dev.primus.agent.sim;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Runs one schedule: draws it from its seed, starts the members, injects faults until the end, and
 * stops at the first violation. Single-threaded and deterministic: the same seed and engine give the
 * same run, event for event, so a failing seed replays alone.
 */
final class Simulation {
  /** Trace lines kept in a failure report. */
  static final int TRACE_TAIL = 40;

  private Simulation() {}

  static ScheduleResult run(long seed, Engine engine) {
    return run(seed, engine, TRACE_TAIL);
  }

  static ScheduleResult run(long seed, Engine engine, int traceLines) {
    return run(seed, engine, traceLines, UnaryOperator.identity());
  }

  /** A run whose drawn schedule {@code adjust} changes first (e.g. {@link Schedule#withoutWatchdog}). */
  static ScheduleResult run(long seed, Engine engine, int traceLines, UnaryOperator<Schedule> adjust) {
    return run(seed, engine, traceLines, adjust, Set.of());
  }

  /** A run that draws but does not apply the faults whose indices are in {@code skipped} (minimising). */
  static ScheduleResult run(long seed, Engine engine, int traceLines, UnaryOperator<Schedule> adjust,
      Set<Integer> skipped) {
    Random random = new Random(seed);
    Schedule schedule = adjust.apply(Schedule.draw(seed, random));
    SimCluster world = new SimCluster(schedule, random, engine);
    FaultInjector faults = new FaultInjector(world, skipped);
    Instant end = world.now().plus(schedule.length());
    try {
      world.start();
      faults.begin();
      world.runUntil(end);
    } catch (RuntimeException | AssertionError e) {
      StringWriter w = new StringWriter();
      e.printStackTrace(new PrintWriter(w));
      world.violations().report(0, "the engine or the simulator threw: " + w.toString().lines().limit(12)
          .reduce("", (a, b) -> a + "\n      " + b) + "\n" + world.describe());
    }
    boolean failed = world.violations().any();
    InvariantChecker c = world.checker();
    return new ScheduleResult(schedule, world.violations().all(), world.elapsed(), world.events(), faults.applied(),
        c.failovers(), c.longestOutage(), c.worstFailoverLoss(), failed ? faults.log() : List.of(),
        failed || traceLines > TRACE_TAIL ? world.traceLog().last(traceLines) : List.of(), world.tally());
  }
}
