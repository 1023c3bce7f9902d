package dev.primus.agent.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.Collectors;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Runs the real engine through thousands of seeded schedules of faults and checks DESIGN section 6
 * after every event.
 *
 * <ul>
 *   <li>{@code -Dprimus.sim.schedules=N}: how many schedules (seeds 1..N), 2,000 by default.</li>
 *   <li>{@code -Dprimus.sim.seed=S}: replay schedule S alone, printing its whole trace tail (400 lines, or
 *       {@code -Dprimus.sim.traceLines=N}).</li>
 *   <li>{@code -Dprimus.sim.seed=S -Dprimus.sim.minimize=true}: also shrink it to the faults it needs.</li>
 *   <li>{@code -Dprimus.sim.pauseHazards=true}: let the operator resume while the primary's agent is
 *       frozen or cut off (a known hazard, see {@link FaultInjector}).</li>
 * </ul>
 *
 * <p>Prints to stdout {@code simulation: <N> schedules, <H> simulated hours, <V> invariant violations},
 * and a line for the schedules with {@code synchronous_mode} (how many, how many promotions, how many of
 * those lost acknowledged commits), one for demotions and rejoins (hung shutdowns, escalated stops, diverged
 * replicas stopped for a rewind, rewinds, namesake branches); each failing schedule's report (seed, violation, last trace lines,
 * replay command) goes to stderr.
 */
class SimulationTest {
  static final int DEFAULT_SCHEDULES = 2_000;

  @Test
  void everyScheduleKeepsTheInvariants() throws InterruptedException, ExecutionException {
    String one = System.getProperty("primus.sim.seed", "").trim();
    List<Long> seeds = one.isEmpty()
        ? LongStream.rangeClosed(1, Integer.getInteger("primus.sim.schedules", DEFAULT_SCHEDULES)).boxed().toList()
        : List.of(Long.parseLong(one));
    int traceLines = one.isEmpty() ? Simulation.TRACE_TAIL : Integer.getInteger("primus.sim.traceLines", 400);

    List<ScheduleResult> results = runAll(seeds, Engine.real(), traceLines);

    long violations = results.stream().mapToLong(r -> r.violations().size()).sum();
    double hours = results.stream().mapToLong(r -> r.simulated().toMillis()).sum() / 3_600_000.0;
    List<ScheduleResult> failed = results.stream().filter(ScheduleResult::failed).toList();
    failed.stream().limit(5).forEach(r -> System.err.println(r.report()));
    if (!one.isEmpty() && !failed.isEmpty() && Boolean.getBoolean("primus.sim.minimize")) {
      Minimizer.Minimal m = Minimizer.minimize(Long.parseLong(one), Engine.real(), traceLines, UnaryOperator.identity());
      System.err.println("=== minimised in " + m.runs() + " runs: the violation needs only these faults:");
      m.faults().forEach(f -> System.err.println("  #" + f.index() + " at " + f.at() + ": " + f.what()));
      System.err.println(m.result().report());
    }
    if (!one.isEmpty() && failed.isEmpty()) {
      System.err.println(results.get(0).schedule() + ": no violation; last trace lines:\n  "
          + String.join("\n  ", results.get(0).traceTail()));
    }
    System.out.println(String.format(java.util.Locale.ROOT, "simulation: %d schedules, %.1f simulated hours, %d invariant violations",
        results.size(), hours, violations));
    List<ScheduleResult> sync = results.stream().filter(r -> r.schedule().sync() != Schedule.Sync.OFF).toList();
    if (!sync.isEmpty()) {
      System.out.println(String.format(java.util.Locale.ROOT,
          "simulation, synchronous_mode on: %d schedules (%d strict), %d promotions, %d of them losing acknowledged commits",
          sync.size(), sync.stream().filter(r -> r.schedule().sync() == Schedule.Sync.STRICT).count(),
          sync.stream().mapToLong(ScheduleResult::failovers).sum(),
          sync.stream().flatMap(r -> r.violations().stream()).filter(v -> v.invariant() == 6).count()));
    }

    List<ScheduleResult> failsafe = results.stream().filter(r -> r.schedule().failsafe()).toList();
    if (!failsafe.isEmpty()) {
      System.out.println(String.format(java.util.Locale.ROOT,
          "simulation, failsafe_mode on: %d schedules, %d cuts (half of them from the DCS only), %d DCS outages, %d promotions",
          failsafe.size(), failsafe.stream().mapToLong(r -> r.faults().getOrDefault(FaultInjector.Kind.CUT, 0)).sum(),
          failsafe.stream().mapToLong(r -> r.faults().getOrDefault(FaultInjector.Kind.OUTAGE, 0)).sum(),
          failsafe.stream().mapToLong(ScheduleResult::failovers).sum()));
    }

    java.util.Map<String, Integer> tally = new java.util.TreeMap<>();
    results.forEach(r -> r.tally().forEach((k, v) -> tally.merge(k, v, Integer::sum)));
    System.out.println(String.format(java.util.Locale.ROOT,
        "simulation, demotions and rejoins: %d demotion shutdowns hung, %d stops escalated at their bound, %d cycles"
            + " not renewing the lock during a demotion, %d diverged running replicas stopped for a rewind, %d rewinds,"
            + " %d namesake branches (not judged)",
        tally.getOrDefault("hung shutdowns", 0), tally.getOrDefault("escalated stops", 0),
        tally.getOrDefault("DEMOTING_LOCK_NOT_RENEWED", 0), tally.getOrDefault("DIVERGED_STOPPING", 0),
        tally.getOrDefault("rewinds", 0), tally.getOrDefault("namesake branches", 0)));

    assertTrue(hours >= results.size() * 0.5 - 1e-9 || !failed.isEmpty(), "each schedule runs 30 simulated minutes");
    assertEquals(0, violations, () -> "failing seeds: "
        + failed.stream().map(r -> r.schedule().seed() + " (" + r.violations().get(0) .toString().lines().findFirst().orElse("") + ")")
            .limit(20).collect(Collectors.joining(", ")));
  }

  @Test
  void aSeedReplaysEventForEvent() {
    ScheduleResult first = Simulation.run(3, Engine.real(), 300);
    ScheduleResult again = Simulation.run(3, Engine.real(), 300);
    assertEquals(first.events(), again.events());
    assertEquals(first.traceTail(), again.traceTail(), "same seed, same trace: a failure replays alone");
    assertTrue(first.events() > 500, "a 30-minute schedule is hundreds of events");
  }

  /** Runs the schedules in parallel, each single-threaded and deterministic; results in seed order. */
  static List<ScheduleResult> runAll(List<Long> seeds, Engine engine, int traceLines)
      throws InterruptedException, ExecutionException {
    return runAll(seeds, engine, traceLines, UnaryOperator.identity());
  }

  static List<ScheduleResult> runAll(List<Long> seeds, Engine engine, int traceLines, UnaryOperator<Schedule> adjust)
      throws InterruptedException, ExecutionException {
    ForkJoinPool pool = new ForkJoinPool(Math.max(1, Runtime.getRuntime().availableProcessors()));
    try {
      return pool.submit(() -> seeds.parallelStream().map(s -> Simulation.run(s, engine, traceLines, adjust)).toList())
          .get();
    } finally {
      pool.shutdown();
    }
  }

  /**
   * The first schedule, in seed order among the default number, that {@code engine} runs into a result
   * {@code caught} accepts; in batches, so a search that succeeds early stops early.
   */
  static Optional<ScheduleResult> firstCaught(Engine engine, UnaryOperator<Schedule> adjust,
      Predicate<ScheduleResult> caught) throws InterruptedException, ExecutionException {
    int batch = 2 * Runtime.getRuntime().availableProcessors();
    int last = Integer.getInteger("primus.sim.mutantSchedules", DEFAULT_SCHEDULES);
    for (long seed = 1; seed <= last; seed += batch) {
      long to = Math.min(last, seed + batch - 1);
      for (ScheduleResult r : runAll(LongStream.rangeClosed(seed, to).boxed().toList(), engine, Simulation.TRACE_TAIL, adjust)) {
        if (caught.test(r)) {
          return Optional.of(r);
        }
      }
    }
    return Optional.empty();
  }

  static Duration simulated(List<ScheduleResult> results) {
    return results.stream().map(ScheduleResult::simulated).reduce(Duration.ZERO, Duration::plus);
  }
}
