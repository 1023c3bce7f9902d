package dev.primus.agent.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.ha.Action;
import dev.primus.ha.Decision;
import dev.primus.ha.Reason;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * The simulator is only worth its green run if it goes red when the engine is wrong. This test takes
 * the real engine, removes one rule that safety rests on (a primary that lost its lock, failed to renew
 * it, or lost the DCS demotes itself), and requires the simulator to report a safety violation
 * (invariant 1 or 3) within the default number of schedules, on a schedule that the real engine runs
 * without one. The schedules run with the watchdog off: with it on, the watchdog resets a leader that
 * stops renewing before its lease expires and so hides the missing rule in almost every schedule
 * (defence in depth working as meant), which would only make this test slow.
 */
class SimulatorCatchesMutantTest {

  /** The reasons under which the engine steps a primary down because its lock is lost or in doubt. */
  static final Set<Reason> LOST_LOCK = EnumSet.of(
      Reason.LOCK_RENEWAL_FAILED, Reason.DCS_UNREACHABLE_DEMOTING, Reason.DEMOTING_NOT_LEADER);

  /** The real engine without the demote-on-lost-lock rule. */
  static final Engine MUTANT = (o, memory, config, now) -> {
    Decision d = Engine.real().decide(o, memory, config, now);
    if (!LOST_LOCK.contains(d.reason())) {
      return d;
    }
    List<Action> kept = new ArrayList<>();
    for (Action a : d.actions()) {
      if (!(a instanceof Action.Demote)) {
        kept.add(a);
      }
    }
    return new Decision(kept, d.reason(), d.member(), d.leader(), d.recheckAfter());
  };

  @Test
  void removingDemoteOnLostLockIsCaught() throws InterruptedException, ExecutionException {
    Optional<ScheduleResult> caught = SimulationTest.firstCaught(MUTANT, Schedule::withoutWatchdog,
        r -> r.failed() && isSafety(r.violations().get(0)) && realEngineKeepsSafety(r.schedule().seed()));
    assertTrue(caught.isPresent(), "the mutant survived " + SimulationTest.DEFAULT_SCHEDULES + " schedules");
    Violation v = caught.get().violations().get(0);
    assertTrue(v.invariant() == 1 || v.invariant() == 3, "caught as a safety violation, got " + v);
  }

  /** Two writable primaries, or a primary still writable when its lock expired: what the rule prevents. */
  private static boolean isSafety(Violation v) {
    return v.invariant() == 1 || v.invariant() == 3;
  }

  /** The same schedule with the unmodified engine shows no such violation, so the mutation is what failed. */
  private static boolean realEngineKeepsSafety(long seed) {
    return Simulation.run(seed, Engine.real(), Simulation.TRACE_TAIL, Schedule::withoutWatchdog).violations().stream()
        .noneMatch(SimulatorCatchesMutantTest::isSafety);
  }
}
