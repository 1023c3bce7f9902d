package dev.primus.agent.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.ha.Action;
import dev.primus.ha.Decision;
import dev.primus.ha.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * Issue 11's two liveness rules, each removed from the real engine in turn; the simulator must then report
 * the invariant that watches it, on a schedule the real engine runs without any violation:
 * <ul>
 *   <li>a replica whose WAL went past the new primary's fork is stopped and rewound; the mutant leaves it
 *       running where it is (as the engine did when it only re-pointed it), and invariant 7 (every member
 *       rejoins the primary) must catch it;</li>
 *   <li>a demotion that keeps the lock does not renew it while its stop runs, and the stop is bounded; the
 *       mutant renews it (as the engine did, "updated leader lock during long action") and lets the stop
 *       run a whole day unless it ends by itself, and invariant 4 (a primary again within the failover
 *       bound, also when the old primary's shutdown hangs) must catch it.</li>
 * </ul>
 */
class RejoinCatchesMutantTest {

  /** A diverged running replica is left as it is instead of being stopped for a rewind. */
  static final Engine LEAVES_DIVERGED_REPLICAS = (o, memory, config, now) -> {
    Decision d = Engine.real().decide(o, memory, config, now);
    boolean runningReplica = o.local().isRunning() && !o.local().isRunningPrimary();
    if (!runningReplica || d.reason() != Reason.DIVERGED_STOPPING && d.reason() != Reason.REINITIALIZING) {
      return d;
    }
    List<Action> kept = d.actions().stream()
        .filter(a -> !(a instanceof Action.StopDatabase || a instanceof Action.Rewind || a instanceof Action.Reinitialize))
        .toList();
    return new Decision(kept, Reason.FOLLOWING, d.member(), d.leader(), d.recheckAfter());
  };

  /** The lock renewed through a demotion's stop, and the stop unbounded (a day). */
  static final Engine RENEWS_THROUGH_AN_UNBOUNDED_STOP = (o, memory, config, now) -> {
    Decision d = Engine.real().decide(o, memory, config, now);
    List<Action> out = new ArrayList<>();
    if (d.reason() == Reason.DEMOTING_LOCK_NOT_RENEWED) {
      out.add(new Action.RenewLeaderLock());
    }
    for (Action a : d.actions()) {
      out.add(a instanceof Action.Demote demote
          ? new Action.Demote(demote.mode(), demote.newUpstream(), Duration.ofDays(1))
          : a);
    }
    return new Decision(out, d.reason() == Reason.DEMOTING_LOCK_NOT_RENEWED ? Reason.LONG_ACTION_WITH_LOCK : d.reason(),
        d.member(), d.leader(), d.recheckAfter());
  };

  @Test
  void leavingADivergedReplicaWhereItIsIsCaughtByTheRejoinInvariant() throws InterruptedException, ExecutionException {
    Optional<ScheduleResult> caught = SimulationTest.firstCaught(LEAVES_DIVERGED_REPLICAS, s -> s,
        r -> r.failed() && r.violations().get(0).invariant() == 7 && realEngineHasNoViolation(r.schedule().seed()));
    assertTrue(caught.isPresent(), "the mutant survived " + SimulationTest.DEFAULT_SCHEDULES + " schedules");
    System.out.println("diverged-replica mutant caught by seed " + caught.get().schedule().seed() + ": "
        + caught.get().violations().get(0).toString().lines().findFirst().orElse(""));
  }

  @Test
  void renewingThroughAnUnboundedStopIsCaughtByLiveness() throws InterruptedException, ExecutionException {
    Optional<ScheduleResult> caught = SimulationTest.firstCaught(RENEWS_THROUGH_AN_UNBOUNDED_STOP, s -> s,
        r -> r.failed() && r.violations().get(0).invariant() == 4 && realEngineHasNoViolation(r.schedule().seed()));
    assertTrue(caught.isPresent(), "the mutant survived " + SimulationTest.DEFAULT_SCHEDULES + " schedules");
    assertEquals(4, caught.get().violations().get(0).invariant());
    System.out.println("unbounded-demote mutant caught by seed " + caught.get().schedule().seed() + ": "
        + caught.get().violations().get(0).toString().lines().findFirst().orElse(""));
  }

  private static boolean realEngineHasNoViolation(long seed) {
    return Simulation.run(seed, Engine.real(), Simulation.TRACE_TAIL).violations().isEmpty();
  }
}
