package dev.primus.ha;

import static dev.primus.ha.Scenario.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.MemberStatus;
import dev.primus.dcs.model.Tags;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How outcomes fold into the memory. */
class AgentMemoryTest {

  private static final ActionOutcome OK = new ActionOutcome.Succeeded();

  private static MemberStatus status(MemberRole role, MemberState state, boolean pause) {
    return new MemberStatus("", "", state, role, Optional.empty(), Optional.of(42L), Optional.of(3L), Optional.empty(),
        Optional.empty(), Optional.empty(), Tags.NONE, false, Map.of(), Optional.empty(), Optional.empty(), pause, Map.of());
  }

  @Test
  void initialMemoryKnowsNothing() {
    AgentMemory m = AgentMemory.initial();
    assertEquals(Optional.empty(), m.lastLockUpdate());
    assertEquals(AgentMemory.BootstrapState.NONE, m.bootstrap());
    assertFalse(m.watchdogActive());
    assertEquals(m, new AgentMemory(Optional.empty()), "the one-argument constructor is kept");
  }

  @Test
  void successfulLockUpdateIsRemembered() {
    AgentMemory m = AgentMemory.initial().record(new Action.AcquireLeaderLock(), OK, T0);
    assertEquals(Optional.of(T0), m.lastLockUpdate());
    m = m.record(new Action.RenewLeaderLock(), OK, T0.plusSeconds(10));
    assertEquals(Optional.of(T0.plusSeconds(10)), m.lastLockUpdate());
  }

  @Test
  void refusedRenewalMeansTheLockIsLost() {
    AgentMemory m = AgentMemory.initial().record(new Action.RenewLeaderLock(), OK, T0)
        .record(new Action.RenewLeaderLock(), new ActionOutcome.Conflict("held by node2"), T0.plusSeconds(10));
    assertEquals(Optional.empty(), m.lastLockUpdate());
    assertEquals(Optional.of(T0.plusSeconds(10)), m.lockLostAt());
  }

  @Test
  void unavailableDcsDuringRenewalKeepsTheLastSuccessAndFlagsTheFailure() {
    AgentMemory m = AgentMemory.initial().record(new Action.RenewLeaderLock(), OK, T0)
        .record(new Action.RenewLeaderLock(), new ActionOutcome.DcsUnavailable("timeout"), T0.plusSeconds(10));
    assertEquals(Optional.of(T0), m.lastLockUpdate(), "validity still counts from the last success");
    assertTrue(m.lastRenewFailed());
    assertFalse(m.record(new Action.RenewLeaderLock(), OK, T0.plusSeconds(11)).lastRenewFailed());
  }

  @Test
  void releasingTheLockForgetsIt() {
    AgentMemory m = AgentMemory.initial().record(new Action.AcquireLeaderLock(), OK, T0)
        .record(new Action.ReleaseLeaderLock(), OK, T0.plusSeconds(1));
    assertEquals(Optional.empty(), m.lastLockUpdate());
    assertEquals(Optional.of(T0.plusSeconds(1)), m.lockLostAt());
  }

  @Test
  void aDemotionsStopIsRememberedUntilItsReleaseAndStartAreDone() {
    AgentMemory leader = AgentMemory.initial().record(new Action.AcquireLeaderLock(), OK, T0);
    AgentMemory stopped = leader.record(new Action.Demote(DemoteMode.GRACEFUL, Optional.of("node2")), OK, T0.plusSeconds(1));
    assertEquals(Optional.of(T0), stopped.lastLockUpdate(), "the stop alone gives nothing up");
    assertEquals(Optional.of(new AgentMemory.Demotion(DemoteMode.GRACEFUL, Optional.of("node2"))), stopped.demotion());

    AgentMemory released = stopped.record(new Action.ReleaseLeaderLock(), OK, T0.plusSeconds(2));
    assertEquals(Optional.empty(), released.lastLockUpdate());
    assertEquals(Optional.of(new AgentMemory.Demotion(DemoteMode.IMMEDIATE_NOLOCK, Optional.of("node2"))),
        released.demotion(), "the start as a replica is still owed");
    AgentMemory started = released.record(new Action.StartDatabase(DatabaseRole.REPLICA, Optional.of("node2")), OK,
        T0.plusSeconds(3));
    assertEquals(Optional.empty(), started.demotion());

    AgentMemory failedStop = leader.record(new Action.Demote(DemoteMode.GRACEFUL, Optional.empty()),
        new ActionOutcome.Failed("pg_ctl timed out"), T0.plusSeconds(1));
    assertEquals(Optional.empty(), failedStop.demotion(), "a stop that failed owes nothing");
  }

  @Test
  void lostRaceIsRememberedUntilTheNextMemberUpdate() {
    AgentMemory m = AgentMemory.initial().record(new Action.AcquireLeaderLock(), new ActionOutcome.Conflict("taken"), T0);
    assertTrue(m.lostLastRace());
    assertFalse(m.record(new Action.TouchMember(status(MemberRole.REPLICA, MemberState.RUNNING, false)), OK, T0).lostLastRace());
  }

  @Test
  void bootstrapStatesFollowTheRaceAndTheResult() {
    AgentMemory won = AgentMemory.initial().record(new Action.RaceInitialize(), OK, T0);
    assertEquals(AgentMemory.BootstrapState.RACE_WON, won.bootstrap());
    assertEquals(AgentMemory.BootstrapState.NONE,
        AgentMemory.initial().record(new Action.RaceInitialize(), new ActionOutcome.Conflict("exists"), T0).bootstrap());
    AgentMemory done = won.record(new Action.Bootstrap(), OK, T0);
    assertEquals(AgentMemory.BootstrapState.BOOTSTRAPPED, done.bootstrap());
    assertEquals(AgentMemory.BootstrapState.NONE,
        done.record(new Action.WriteInitialize("1", Optional.of(3L)), OK, T0).bootstrap());
    AgentMemory failed = won.record(new Action.Bootstrap(), new ActionOutcome.Failed("initdb"), T0);
    assertEquals(AgentMemory.BootstrapState.FAILED, failed.bootstrap());
    assertEquals(AgentMemory.BootstrapState.CANCELLED, failed.record(new Action.CancelInitialize(), OK, T0).bootstrap());
  }

  @Test
  void crashedPrimaryIsDatedByTheFirstMemberStatusThatShowsIt() {
    AgentMemory m = AgentMemory.initial()
        .record(new Action.TouchMember(status(MemberRole.PRIMARY, MemberState.CRASHED, false)), OK, T0)
        .record(new Action.TouchMember(status(MemberRole.PRIMARY, MemberState.CRASHED, false)), OK, T0.plusSeconds(10));
    assertEquals(Optional.of(T0), m.crashedPrimarySince());
    m = m.record(new Action.TouchMember(status(MemberRole.PRIMARY, MemberState.RUNNING, false)), OK, T0.plusSeconds(20));
    assertEquals(Optional.empty(), m.crashedPrimarySince());
  }

  @Test
  void lastReplicaPositionComesFromRunningReplicaStatus() {
    AgentMemory m = AgentMemory.initial()
        .record(new Action.TouchMember(status(MemberRole.REPLICA, MemberState.RUNNING, false)), OK, T0);
    assertEquals(Optional.of(new AgentMemory.WalPoint(3, 42)), m.lastReplicaPosition());
    m = m.record(new Action.TouchMember(status(MemberRole.PRIMARY, MemberState.RUNNING, false)), OK, T0);
    assertEquals(Optional.of(new AgentMemory.WalPoint(3, 42)), m.lastReplicaPosition(), "kept after the promotion");
  }

  @Test
  void watchdogStateFollowsItsActions() {
    AgentMemory armed = AgentMemory.initial().record(new Action.ActivateWatchdog(), OK, T0);
    assertTrue(armed.watchdogActive());
    assertFalse(armed.record(new Action.DisableWatchdog(), OK, T0).watchdogActive());
    AgentMemory failed = AgentMemory.initial().record(new Action.ActivateWatchdog(), new ActionOutcome.Failed("no device"), T0);
    assertTrue(failed.watchdogFailed());
    AgentMemory released = failed.record(new Action.ReleaseLeaderLock(), OK, T0.plusSeconds(1));
    assertFalse(released.watchdogFailed());
    assertEquals(Optional.of(T0.plusSeconds(1)), released.leadershipDeclinedAt());
  }

  @Test
  void rewindStatesFollowTheirActions() {
    AgentMemory failed = AgentMemory.initial().record(new Action.Rewind("node1"), new ActionOutcome.Failed("x"), T0);
    assertEquals(AgentMemory.RewindState.FAILED, failed.rewind());
    assertEquals(AgentMemory.RewindState.NONE, failed.record(new Action.Reinitialize("node1"), OK, T0).rewind());
    AgentMemory done = AgentMemory.initial().record(new Action.Rewind("node1"), OK, T0);
    assertEquals(AgentMemory.RewindState.DONE, done.rewind());
    AgentMemory started = done.record(new Action.StartDatabase(DatabaseRole.REPLICA, Optional.of("node1")), OK, T0);
    assertEquals(AgentMemory.RewindState.DONE, started.rewind(),
        "a rewound replica may report a position past its checkpoint's timeline until it streams");
    assertEquals(AgentMemory.RewindState.NONE, started.record(new Action.Follow("node3"), OK, T0).rewind());
  }

  @Test
  void timelineLastRunAsPrimaryIsRememberedUntilResynchronised() {
    AgentMemory m = AgentMemory.initial()
        .record(new Action.TouchMember(status(MemberRole.PRIMARY, MemberState.CRASHED, false)), OK, T0)
        .record(new Action.TouchMember(status(MemberRole.REPLICA, MemberState.RUNNING, false)), OK, T0);
    assertEquals(Optional.of(3L), m.lastPrimaryTimeline(), "still known after it started as a replica");
    assertEquals(Optional.empty(), m.record(new Action.Rewind("node2"), OK, T0).lastPrimaryTimeline());
    assertEquals(Optional.empty(), m.record(new Action.Reinitialize("node2"), OK, T0).lastPrimaryTimeline());
  }

  @Test
  void pauseOfTheLastCycleIsRemembered() {
    AgentMemory m = AgentMemory.initial()
        .record(new Action.TouchMember(status(MemberRole.REPLICA, MemberState.RUNNING, true)), OK, T0);
    assertTrue(m.pausedLastCycle());
  }

  @Test
  void outcomesOfOtherActionsChangeNothing() {
    AgentMemory m = AgentMemory.initial().record(new Action.AcquireLeaderLock(), OK, T0);
    assertEquals(m, m.record(new Action.ReloadDatabase(), OK, T0.plusSeconds(1)));
    assertEquals(m, m.record(new Action.QueryPeers(java.util.List.of("node2")), OK, T0.plusSeconds(1)));
  }
}
