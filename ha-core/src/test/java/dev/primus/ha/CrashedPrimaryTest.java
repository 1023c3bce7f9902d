package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.Decisions.kinds;
import static dev.primus.ha.Decisions.only;
import static dev.primus.ha.LocalBuilder.crashedPrimary;
import static dev.primus.ha.LocalBuilder.stoppedPrimary;
import static dev.primus.ha.LocalBuilder.stoppedReplica;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The lock holder's database is down: restart it, for at most primary_start_timeout. */
class CrashedPrimaryTest {

  private static ClusterBuilder ledByNode1() {
    return cluster().leader("node1").optime(1000)
        .members(member("node1").primary().wal(1000), member("node2").wal(1000));
  }

  private static Scenario crashedLeader() {
    return node("node1").in(ledByNode1()).with(crashedPrimary().wal(1000)).lockUpdatedAt(T0.minusSeconds(5));
  }

  @Test
  void crashedPrimaryHoldingTheLockIsRestartedAsPrimaryKeepingTheLock() {
    Decision d = crashedLeader().decide();
    assertEquals(Reason.PRIMARY_RESTARTING, d.reason());
    assertEquals(List.of(Action.RenewLeaderLock.class, Action.ActivateWatchdog.class, Action.TouchMember.class,
        Action.StartDatabase.class), kinds(d));
    Action.StartDatabase start = only(d, Action.StartDatabase.class);
    assertEquals(DatabaseRole.PRIMARY, start.role());
    assertEquals(Optional.empty(), start.upstream());
    assertEquals("starting primary after failure", d.message());
  }

  @Test
  void theCrashIsRememberedFromTheMemberStatusOfThatCycle() {
    Decision d = crashedLeader().decide();
    AgentMemory m = AgentMemory.initial();
    for (Action a : d.actions()) {
      m = m.record(a, new ActionOutcome.Succeeded(), T0);
    }
    // The start succeeded (recorded after the member key), so the crash clock is reset again.
    assertEquals(Optional.empty(), m.crashedPrimarySince());
    AgentMemory beforeStart = AgentMemory.initial().record(only(d, Action.TouchMember.class), new ActionOutcome.Succeeded(), T0);
    assertEquals(Optional.of(T0), beforeStart.crashedPrimarySince());
  }

  @Test
  void releasesTheLockOncePrimaryStartTimeoutHasPassedSinceTheCrash() {
    Action.TouchMember crashSeen = only(crashedLeader().decide(), Action.TouchMember.class);
    Scenario s = crashedLeader()
        .after(crashSeen, new ActionOutcome.Succeeded(), T0.minusSeconds(300))
        .after(new Action.StartDatabase(DatabaseRole.PRIMARY, Optional.empty()), new ActionOutcome.Failed("could not start"),
            T0.minusSeconds(1));
    Decision d = s.decide();
    assertEquals(Reason.PRIMARY_START_TIMED_OUT, d.reason());
    Action.Demote demote = only(d, Action.Demote.class);
    assertEquals(DemoteMode.IMMEDIATE, demote.mode(), "stop leftovers, then release");
    assertFalse(d.has(Action.StartDatabase.class));
    assertEquals(Duration.ZERO, d.recheckAfter());
  }

  @Test
  void waitsOnlyAsLongAsTheRemainingStartTimeout() {
    Scenario s = crashedLeader().in(ledByNode1().set("primary_start_timeout", 20))
        .after(only(crashedLeader().decide(), Action.TouchMember.class), new ActionOutcome.Succeeded(), T0.minusSeconds(16));
    Decision d = s.decide();
    assertEquals(Reason.PRIMARY_RESTARTING, d.reason());
    assertEquals(Duration.ofSeconds(4), d.recheckAfter());
  }

  @Test
  void primaryStartTimeoutZeroReleasesAtOnceSoAReplicaTakesOver() {
    Decision d = crashedLeader().in(ledByNode1().set("primary_start_timeout", 0)).decide();
    assertEquals(Reason.PRIMARY_START_TIMED_OUT, d.reason());
    assertEquals(DemoteMode.IMMEDIATE, only(d, Action.Demote.class).mode());
  }

  @Test
  void cleanlyStoppedPrimaryJustReleasesTheLockOnTimeout() {
    Decision d = node("node1").in(ledByNode1().set("primary_start_timeout", 0)).with(stoppedPrimary())
        .lockUpdatedAt(T0.minusSeconds(5)).decide();
    assertEquals(List.of(Action.ReleaseLeaderLock.class, Action.TouchMember.class), kinds(d));
  }

  @Test
  void keepsRestartingWhenNoOtherMemberCouldTakeOver() {
    Decision d = crashedLeader().in(cluster().leader("node1").set("primary_start_timeout", 0)
        .members(member("node1").primary(), member("node2").nofailover())).decide();
    assertEquals(Reason.PRIMARY_RESTARTING, d.reason());
    assertTrue(d.has(Action.StartDatabase.class));
  }

  @Test
  void lockHolderThatNeverRanAsPrimaryGivesTheLockToSomebodyWhoCan() {
    Decision d = node("node1").in(ledByNode1()).with(stoppedReplica().wal(1000)).lockUpdatedAt(T0.minusSeconds(2)).decide();
    assertEquals(Reason.PRIMARY_START_TIMED_OUT, d.reason());
    assertTrue(d.has(Action.ReleaseLeaderLock.class));
  }

  @Test
  void pausedClusterReleasesTheLockOfAStoppedPrimaryAndDoesNotStartIt() {
    Decision d = crashedLeader().in(ledByNode1().paused()).decide();
    assertEquals(Reason.PAUSED_RELEASED_LOCK, d.reason());
    assertFalse(d.has(Action.StartDatabase.class));
    assertTrue(d.has(Action.ReleaseLeaderLock.class));
  }

  @Test
  void startInProgressKeepsTheLockRenewed() {
    Decision d = crashedLeader().with(crashedPrimary().process(LocalState.ProcessState.STARTING))
        .running(new Action.StartDatabase(DatabaseRole.PRIMARY, Optional.empty()), T0.minusSeconds(3)).decide();
    assertEquals(Reason.LONG_ACTION_WITH_LOCK, d.reason());
    assertEquals(List.of(Action.RenewLeaderLock.class, Action.ActivateWatchdog.class, Action.TouchMember.class), kinds(d));
  }
}
