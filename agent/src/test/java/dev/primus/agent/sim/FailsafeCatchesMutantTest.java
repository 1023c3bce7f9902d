package dev.primus.agent.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.model.ClusterView;
import dev.primus.ha.FailsafeAnswer;
import dev.primus.ha.FailsafeAnswers;
import dev.primus.ha.Observation;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Invariant 1 (never two writable primaries) is only worth its green run under failsafe_mode if it goes
 * red when the engine breaks a failsafe rule. Each test breaks one rule, runs schedules with failsafe_mode
 * on until one reports invariant 1, and requires that the real engine keeps that same schedule free of it
 * (the pattern of {@link SimulatorCatchesMutantTest}).
 */
class FailsafeCatchesMutantTest {

  /**
   * A replica ignores the POST /failsafe it accepted and the failsafe key, and races as soon as it sees no
   * leader key. (Ignoring only the request is not enough to break it in the simulated network: the race
   * also asks the key's members, and the primary on failsafe answers that it is alive.)
   */
  static final Engine IGNORES_FAILSAFE = (o, memory, config, now) -> {
    if (o.local().isRunningPrimary()) {
      return Engine.real().decide(o, memory, config, now);
    }
    ClusterView v = o.cluster();
    ClusterView withoutKey = new ClusterView(v.initialize(), v.config(), v.leader(), v.members(), v.failover(),
        v.sync(), v.history(), v.status(), Optional.empty(), v.invalid(), v.connection());
    return Engine.real().decide(
        new Observation(withoutKey, o.local(), o.inProgress(), o.peers(), o.failsafeAnswers(), Optional.empty()),
        memory, config, now);
  };

  /** The primary without the DCS counts every answer as accepted, refusals and silence included. */
  static final Engine KEEPS_ROLE_WITHOUT_CONSENT = (o, memory, config, now) -> {
    Observation seen = o;
    if (o.failsafeAnswers().isPresent()) {
      FailsafeAnswers a = o.failsafeAnswers().get();
      Map<String, FailsafeAnswer> all = new HashMap<>();
      o.cluster().failsafe().orElse(Map.of()).keySet()
          .forEach(m -> all.put(m, new FailsafeAnswer.Accepted(Optional.empty())));
      seen = new Observation(o.cluster(), o.local(), o.inProgress(), o.peers(),
          Optional.of(new FailsafeAnswers(a.askedAt(), all)), o.failsafeReceived());
    }
    return Engine.real().decide(seen, memory, config, now);
  };

  @Test
  void aReplicaIgnoringFailsafeAndRacingIsCaught() throws InterruptedException, ExecutionException {
    assertCaught(IGNORES_FAILSAFE, "a replica ignoring the failsafe request and key and racing");
  }

  @Test
  void aPrimaryKeepingTheRoleWhenAPeerDidNotAcceptIsCaught() throws InterruptedException, ExecutionException {
    assertCaught(KEEPS_ROLE_WITHOUT_CONSENT, "the primary keeping its role when a member did not accept");
  }

  private static void assertCaught(Engine mutant, String what) throws InterruptedException, ExecutionException {
    UnaryOperator<Schedule> failsafe = Schedule::withFailsafe;
    Optional<ScheduleResult> caught = SimulationTest.firstCaught(mutant, failsafe, r -> r.failed()
        && r.violations().get(0).invariant() == 1 && realEngineKeepsOnePrimary(r.schedule().seed(), failsafe));
    assertTrue(caught.isPresent(), "the mutant (" + what + ") survived " + SimulationTest.DEFAULT_SCHEDULES + " schedules");
    System.out.println("failsafe mutant (" + what + ") caught by " + caught.get().schedule() + ": "
        + caught.get().violations().get(0).toString().lines().findFirst().orElse(""));
  }

  private static boolean realEngineKeepsOnePrimary(long seed, UnaryOperator<Schedule> failsafe) {
    return Simulation.run(seed, Engine.real(), Simulation.TRACE_TAIL, failsafe).violations().stream()
        .noneMatch(v -> v.invariant() == 1);
  }
}
