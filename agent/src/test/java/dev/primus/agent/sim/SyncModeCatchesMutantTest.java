package dev.primus.agent.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.SyncState;
import dev.primus.dcs.model.Versioned;
import dev.primus.ha.Action;
import dev.primus.ha.Decision;
import dev.primus.ha.Observation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Invariant 6 (no acknowledged commit lost by a promotion in synchronous mode) is only worth its green
 * run if it goes red when the engine breaks a synchronous rule. Each test takes the real engine, breaks
 * one rule, runs schedules with {@code synchronous_mode} on until one reports invariant 6, and requires
 * that the unmodified engine keeps that same schedule free of it, so the mutation is what failed (the
 * pattern of {@link SimulatorCatchesMutantTest}).
 */
class SyncModeCatchesMutantTest {

  /**
   * A replica believes the {@code sync} key names it: every standby may race when the primary is gone,
   * not only the synchronous one.
   */
  static final Engine PROMOTES_ASYNC_STANDBYS = (o, memory, config, now) -> {
    Observation seen = o;
    if (!o.local().isRunningPrimary() && o.cluster().sync().isPresent()) {
      Versioned<SyncState> sync = o.cluster().sync().get();
      List<String> standbys = new ArrayList<>(sync.value().syncStandbys());
      if (!standbys.contains(config.name())) {
        standbys.add(config.name());
      }
      seen = withSync(o, new Versioned<>(new SyncState(sync.value().leader(), 0, standbys), sync.version()));
    }
    return Engine.real().decide(seen, memory, config, now);
  };

  /**
   * The primary names a standby in {@code sync} as soon as it puts it into synchronous_standby_names,
   * before the standby is confirmed synchronous and caught up.
   */
  static final Engine NAMES_UNCONFIRMED_STANDBYS = (o, memory, config, now) -> {
    Decision d = Engine.real().decide(o, memory, config, now);
    Optional<Action.SetSynchronousStandbys> set = d.first(Action.SetSynchronousStandbys.class)
        .filter(s -> !s.members().isEmpty() && !s.members().contains("*"));
    if (set.isEmpty() || o.cluster().sync().isEmpty()) {
      return d;
    }
    Action.WriteSyncState early = new Action.WriteSyncState(
        new SyncState(Optional.of(config.name()), 0, set.get().members()), Optional.of(o.cluster().sync().get().version()));
    List<Action> out = new ArrayList<>();
    boolean replaced = false;
    for (Action a : d.actions()) {
      if (a instanceof Action.WriteSyncState w && !replaced) {
        out.add(new Action.WriteSyncState(early.state(), w.expectedVersion()));
        replaced = true;
      } else {
        if (a == set.get() && !replaced) {
          out.add(early);
          replaced = true;
        }
        out.add(a);
      }
    }
    return new Decision(out, d.reason(), d.member(), d.leader(), d.recheckAfter());
  };

  @Test
  void promotingAStandbyTheSyncKeyDoesNotNameIsCaught() throws InterruptedException, ExecutionException {
    assertCaught(PROMOTES_ASYNC_STANDBYS, "promoting a standby the sync key does not name");
  }

  @Test
  void namingAStandbyBeforeItIsConfirmedIsCaught() throws InterruptedException, ExecutionException {
    // The window (the key names the standby, the standby has not caught up, the primary dies) lasts
    // less than a cycle, so this mutant is searched where cycles are many.
    assertCaught(NAMES_UNCONFIRMED_STANDBYS, "naming an unconfirmed standby in the sync key",
        s -> syncOn(s).withFastTimings());
  }

  private static Schedule syncOn(Schedule s) {
    return s.withSync(s.seed() % 2 == 0 ? Schedule.Sync.ON : Schedule.Sync.STRICT);
  }

  private static void assertCaught(Engine mutant, String what) throws InterruptedException, ExecutionException {
    assertCaught(mutant, what, SyncModeCatchesMutantTest::syncOn);
  }

  private static void assertCaught(Engine mutant, String what, UnaryOperator<Schedule> sync)
      throws InterruptedException, ExecutionException {
    Optional<ScheduleResult> caught = SimulationTest.firstCaught(mutant, sync, r -> r.failed()
        && r.violations().get(0).invariant() == 6 && realEngineKeepsAcknowledgedCommits(r.schedule().seed(), sync));
    assertTrue(caught.isPresent(), "the mutant (" + what + ") survived " + SimulationTest.DEFAULT_SCHEDULES + " schedules");
    System.out.println("sync mutant (" + what + ") caught by " + caught.get().schedule() + ": "
        + caught.get().violations().get(0).toString().lines().findFirst().orElse(""));
  }

  private static boolean realEngineKeepsAcknowledgedCommits(long seed, UnaryOperator<Schedule> sync) {
    return Simulation.run(seed, Engine.real(), Simulation.TRACE_TAIL, sync).violations().stream()
        .noneMatch(v -> v.invariant() == 6);
  }

  private static Observation withSync(Observation o, Versioned<SyncState> sync) {
    ClusterView v = o.cluster();
    ClusterView changed = new ClusterView(v.initialize(), v.config(), v.leader(), v.members(), v.failover(),
        Optional.of(sync), v.history(), v.status(), v.failsafe(), v.invalid(), v.connection());
    return new Observation(changed, o.local(), o.inProgress(), o.peers(), o.failsafeAnswers(), o.failsafeReceived());
  }
}
