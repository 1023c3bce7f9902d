package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.Decisions.kinds;
import static dev.primus.ha.LocalBuilder.runningPrimary;
import static dev.primus.ha.LocalBuilder.runningReplica;
import static dev.primus.ha.LocalBuilder.stoppedReplica;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Maintenance mode: no automatic action, the watchdog off, but the member key and the lock kept fresh. */
class PauseTest {

  private static ClusterBuilder paused() {
    return cluster().paused().leader("node1").members(member("node1").primary(), member("node2"));
  }

  private static AgentMemory armed() {
    return AgentMemory.initial()
        .record(new Action.RenewLeaderLock(), new ActionOutcome.Succeeded(), T0.minusSeconds(5))
        .record(new Action.ActivateWatchdog(), new ActionOutcome.Succeeded(), T0.minusSeconds(5));
  }

  @Test
  void pausedLeaderRenewsAndTouchesButDisablesTheWatchdog() {
    Decision d = node("node1").in(paused()).with(runningPrimary()).memory(armed()).decide();
    assertEquals(Reason.PAUSED_LEADER, d.reason());
    assertEquals(List.of(Action.DisableWatchdog.class, Action.RenewLeaderLock.class, Action.TouchMember.class), kinds(d));
    assertEquals("PAUSE: no action. I am (node1), the leader with the lock", d.message());
  }

  @Test
  void pausedLeaderWhoseLockExpiredIsNotDemoted() {
    Decision d = node("node1").in(paused()).with(runningPrimary())
        .lockUpdatedAt(T0.minusSeconds(60)).decide();
    assertFalse(d.has(Action.Demote.class));
    assertTrue(d.has(Action.RenewLeaderLock.class));
  }

  @Test
  void pausedReplicaWithoutLeaderDoesNotRace() {
    Decision d = node("node2").in(cluster().paused().members(member("node2"))).with(runningReplica()).decide();
    assertEquals(Reason.PAUSED, d.reason());
    assertEquals(List.of(Action.TouchMember.class), kinds(d));
  }

  @Test
  void pausedStoppedReplicaIsNotStarted() {
    Decision d = node("node2").in(paused()).with(stoppedReplica()).decide();
    assertEquals(Reason.PAUSED, d.reason());
    assertFalse(d.has(Action.StartDatabase.class));
  }

  @Test
  void pausedPrimaryWithoutLockTakesTheFreeLockWithoutPromotingAnybody() {
    Decision d = node("node1").in(cluster().paused().members(member("node1").primary())).with(runningPrimary()).decide();
    assertEquals(List.of(Action.AcquireLeaderLock.class, Action.TouchMember.class), kinds(d));
  }

  @Test
  void pausedLockHolderRunningAsReplicaGivesTheLockBack() {
    Decision d = node("node2").in(cluster().paused().leader("node2").members(member("node2")))
        .with(runningReplica()).lockUpdatedAt(T0.minusSeconds(1)).decide();
    assertEquals(Reason.PAUSED_RELEASED_LOCK, d.reason());
    assertTrue(d.has(Action.ReleaseLeaderLock.class));
    assertFalse(d.has(Action.Promote.class));
  }

  @Test
  void pausedMemberKeyCarriesThePauseFlag() {
    Decision d = node("node2").in(paused()).with(runningReplica()).decide();
    assertTrue(Decisions.only(d, Action.TouchMember.class).status().pause());
  }

  @Test
  void firstCycleAfterResumeForgetsAFailedRewind() {
    Decision pausedCycle = node("node2").in(paused()).with(stoppedReplica()).decide();
    AgentMemory m = AgentMemory.initial()
        .record(new Action.Rewind("node1"), new ActionOutcome.Failed("pg_rewind exited 1"), T0)
        .record(Decisions.only(pausedCycle, Action.TouchMember.class), new ActionOutcome.Succeeded(), T0);
    assertEquals(AgentMemory.RewindState.FAILED, m.rewind());
    Decision resumed = node("node2").in(cluster().leader("node1").members(member("node1").primary(), member("node2")))
        .with(stoppedReplica()).memory(m).decide();
    m = m.record(Decisions.only(resumed, Action.TouchMember.class), new ActionOutcome.Succeeded(), T0.plusSeconds(10));
    assertEquals(AgentMemory.RewindState.NONE, m.rewind());
  }
}
