package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.Decisions.kinds;
import static dev.primus.ha.Decisions.only;
import static dev.primus.ha.LocalBuilder.runningPrimary;
import static dev.primus.ha.LocalBuilder.runningReplica;
import static dev.primus.ha.LocalBuilder.stoppedPrimary;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A long action runs in the executor: the lock stays renewed, nothing new is started. */
class LongActionTest {

  @Test
  void holderRenewsTheLockDuringAPromotion() {
    Decision d = node("node2").in(cluster().leader("node2").members(member("node2")))
        .with(runningReplica()).lockUpdatedAt(T0.minusSeconds(1))
        .after(new Action.ActivateWatchdog(), new ActionOutcome.Succeeded(), T0.minusSeconds(1))
        .running(new Action.Promote(), T0.minusSeconds(1)).decide();
    assertEquals(Reason.PROMOTION_IN_PROGRESS, d.reason());
    assertEquals(List.of(Action.RenewLeaderLock.class, Action.KeepaliveWatchdog.class, Action.TouchMember.class), kinds(d));
    assertEquals("updated leader lock during promote", d.message());
  }

  @Test
  void holderRenewsTheLockDuringAGracefulDemotion() {
    Decision d = node("node1").in(cluster().leader("node1")).with(runningPrimary()).lockUpdatedAt(T0.minusSeconds(1))
        .running(new Action.Demote(DemoteMode.GRACEFUL, Optional.of("node2")), T0.minusSeconds(1)).decide();
    assertEquals(Reason.LONG_ACTION_WITH_LOCK, d.reason());
    assertEquals(Action.RenewLeaderLock.class, d.actions().get(0).getClass());
  }

  @Test
  void noNewDatabaseActionWhileOneRuns() {
    Decision d = node("node3").in(cluster().leader("node1").members(member("node1").primary()))
        .with(stoppedPrimary()).running(new Action.Rewind("node1"), T0).decide();
    assertEquals(Reason.LONG_ACTION_IN_PROGRESS, d.reason());
    assertEquals(List.of(Action.TouchMember.class), kinds(d));
  }

  @Test
  void promotionInProgressWhenTheLockIsLostIsAnsweredWithADemotion() {
    Decision d = node("node2").in(cluster().leader("node3").members(member("node3").primary()))
        .with(runningReplica()).running(new Action.Promote(), T0.minusSeconds(1)).decide();
    assertEquals(Reason.LOST_LOCK_DURING_PROMOTE, d.reason());
    Action.Demote demote = only(d, Action.Demote.class);
    assertEquals(DemoteMode.IMMEDIATE_NOLOCK, demote.mode());
    assertEquals(Optional.of("node3"), demote.newUpstream());
    assertEquals("lost leader before promote", d.message());
  }

  @Test
  void runningPrimaryWithoutLockIsDemotedEvenDuringAnotherAction() {
    Decision d = node("node1").in(cluster().leader("node3").members(member("node3").primary()))
        .with(runningPrimary()).running(new Action.RestartDatabase(), T0.minusSeconds(1)).decide();
    assertEquals(Reason.DEMOTING_NOT_LEADER, d.reason());
  }

  @Test
  void aDemotionUnderWayIsNotDemotedAgain() {
    Decision d = node("node1").in(cluster().leader("node3").members(member("node3").primary()))
        .with(runningPrimary()).running(new Action.Demote(DemoteMode.IMMEDIATE_NOLOCK, Optional.of("node3")), T0).decide();
    assertEquals(Reason.LONG_ACTION_IN_PROGRESS, d.reason());
    assertFalse(d.has(Action.Demote.class));
  }

  @Test
  void pausedClusterDoesNotDemoteDuringALongAction() {
    Decision d = node("node2").in(cluster().paused().leader("node3").members(member("node3").primary()))
        .with(runningReplica()).running(new Action.Promote(), T0).decide();
    assertEquals(Reason.LONG_ACTION_IN_PROGRESS, d.reason());
    assertFalse(d.has(Action.Demote.class));
  }
}
