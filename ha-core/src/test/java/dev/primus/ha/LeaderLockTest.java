package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.Decisions.kinds;
import static dev.primus.ha.Decisions.only;
import static dev.primus.ha.LocalBuilder.runningPrimary;
import static dev.primus.ha.LocalBuilder.runningReplica;
import static dev.primus.ha.LocalBuilder.stoppedReplica;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.spi.ConnectionState;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The lock holder's cycle, lock validity, and the DCS becoming unreachable. */
class LeaderLockTest {

  private static Scenario leader() {
    return node("node1")
        .in(cluster().leader("node1").optime(500).members(member("node1").primary().wal(500), member("node2").wal(500)))
        .with(runningPrimary().wal(500))
        .lockUpdatedAt(T0.minusSeconds(10))
        .after(new Action.ActivateWatchdog(), new ActionOutcome.Succeeded(), T0.minusSeconds(10));
  }

  @Test
  void holderRenewsTheLockEveryCycleThenPetsTheWatchdogThenTouchesItsMember() {
    Decision d = leader().decide();
    assertEquals(Reason.LOCK_RENEWED, d.reason());
    assertEquals(List.of(Action.RenewLeaderLock.class, Action.KeepaliveWatchdog.class, Action.TouchMember.class), kinds(d));
    assertEquals("no action. I am (node1), the leader with the lock", d.message());
    assertEquals(Duration.ofSeconds(10), d.recheckAfter());
  }

  @Test
  void holderWritesStatusWhenTheOptimeMoved() {
    Decision d = leader().with(runningPrimary().wal(900)).decide();
    assertEquals(900, only(d, Action.WriteStatus.class).status().optime());
    assertTrue(d.actions().indexOf(only(d, Action.WriteStatus.class)) > 0, "after the renewal");
  }

  @Test
  void holderDoesNotWriteStatusWhenTheOptimeIsUnchanged() {
    assertFalse(leader().decide().has(Action.WriteStatus.class));
  }

  @Test
  void renewalRefusedDemotesImmediatelyWithoutTouchingTheLock() {
    Decision d = leader()
        .after(new Action.RenewLeaderLock(), new ActionOutcome.Conflict("leader key names node2"), T0.minusSeconds(1))
        .decide();
    assertEquals(Reason.LOCK_RENEWAL_FAILED, d.reason());
    Action.Demote demote = only(d, Action.Demote.class);
    assertEquals(DemoteMode.IMMEDIATE_NOLOCK, demote.mode());
    assertEquals("demoted self because failed to update leader lock in DCS", d.message());
    assertFalse(d.has(Action.RenewLeaderLock.class));
  }

  @Test
  void lockOlderThanTtlDemotesEvenIfTheViewStillNamesMe() {
    Decision d = leader().lockUpdatedAt(T0.minusSeconds(31)).decide();
    assertEquals(DemoteMode.IMMEDIATE_NOLOCK, only(d, Action.Demote.class).mode());
    assertEquals(Reason.LOCK_RENEWAL_FAILED, d.reason());
  }

  @Test
  void failedRenewalWithPlentyOfLeaseLeftRetriesSoon() {
    // ttl 30, loop_wait 5, retry 5: after a failed renewal 2 s into the lease, 28 s remain > 10 s margin.
    Decision d = leader().in(cluster().leader("node1").timings(30, 5, 5))
        .lockUpdatedAt(T0.minusSeconds(2))
        .after(new Action.RenewLeaderLock(), new ActionOutcome.DcsUnavailable("timeout"), T0.minusSeconds(1))
        .decide();
    assertEquals(Reason.LOCK_RENEWED, d.reason());
    assertTrue(d.has(Action.RenewLeaderLock.class));
    assertEquals(Duration.ofMillis(500), d.recheckAfter());
  }

  @Test
  void failedRenewalTooCloseToExpiryDemotesBeforeTheLeaseCanExpireElsewhere() {
    // 21 s after the last update with ttl 30: 9 s left, less than loop_wait + retry_timeout (10 s).
    Decision d = leader().in(cluster().leader("node1").timings(30, 5, 5))
        .lockUpdatedAt(T0.minusSeconds(21))
        .after(new Action.RenewLeaderLock(), new ActionOutcome.DcsUnavailable("timeout"), T0.minusSeconds(1))
        .decide();
    assertEquals(Reason.LOCK_RENEWAL_FAILED, d.reason());
    assertEquals(DemoteMode.IMMEDIATE_NOLOCK, only(d, Action.Demote.class).mode());
  }

  @Test
  void restartedAgentWhoseKeyStillNamesItRenewsInsteadOfDemoting() {
    Decision d = leader().memory(AgentMemory.initial()).decide();
    assertEquals(Reason.LOCK_RENEWED, d.reason());
    assertEquals(Action.RenewLeaderLock.class, d.actions().get(0).getClass());
  }

  @Test
  void primaryDemotesOfflineWhenTheDcsIsUnreachable() {
    Decision d = leader().in(cluster().leader("node1").disconnected()).decide();
    assertEquals(Reason.DCS_UNREACHABLE_DEMOTING, d.reason());
    assertEquals(List.of(Action.Demote.class), kinds(d), "no DCS writes, no member key");
    assertEquals(DemoteMode.OFFLINE, only(d, Action.Demote.class).mode());
    assertEquals(Optional.empty(), only(d, Action.Demote.class).newUpstream());
  }

  @Test
  void primaryDemotesOfflineWhenTheSessionIsLost() {
    Decision d = leader().in(cluster().leader("node1").connection(ConnectionState.LOST)).decide();
    assertEquals(DemoteMode.OFFLINE, only(d, Action.Demote.class).mode());
  }

  @Test
  void pausedPrimaryKeepsRunningWhenTheDcsIsUnreachable() {
    Decision d = leader().in(cluster().leader("node1").paused().disconnected()).decide();
    assertEquals(Reason.DCS_UNREACHABLE, d.reason());
    assertFalse(d.has(Action.Demote.class));
  }

  @Test
  void replicaDoesNothingDestructiveWhenTheDcsIsUnreachable() {
    Decision d = node("node2").in(cluster().leader("node1").disconnected()).with(runningReplica().upstream("node1")).decide();
    assertEquals(Reason.DCS_UNREACHABLE, d.reason());
    assertEquals(List.of(), d.actions());
    assertEquals("DCS is not accessible", d.message());
  }

  @Test
  void stoppedReplicaIsNotStartedWhileTheDcsIsUnreachable() {
    Decision d = node("node2").in(cluster().leader("node1").disconnected()).with(stoppedReplica()).decide();
    assertEquals(List.of(), d.actions());
  }

  @Test
  void reconnectedCountsAsConnected() {
    Decision d = leader().in(cluster().leader("node1").connection(ConnectionState.RECONNECTED)).decide();
    assertEquals(Reason.LOCK_RENEWED, d.reason());
  }

  @Test
  void holderWritesInitializeAndConfigWhenTheKeysAreMissing() {
    Decision d = leader().in(cluster().leader("node1").noInitialize().noConfig()).decide();
    Action.WriteInitialize init = only(d, Action.WriteInitialize.class);
    assertEquals(ClusterBuilder.SYSID, init.systemIdentifier());
    assertEquals(Optional.empty(), init.expectedVersion());
    assertEquals(Optional.empty(), only(d, Action.WriteConfig.class).expectedVersion());
    int touch = d.actions().indexOf(only(d, Action.TouchMember.class));
    assertTrue(touch < d.actions().indexOf(init), "conditional writes go last");
  }

  @Test
  void holderNeverOverwritesAnUndecodableConfig() {
    Decision d = leader().in(cluster().leader("node1").noConfig().invalid("config")).decide();
    assertFalse(d.has(Action.WriteConfig.class));
  }

  @Test
  void staleViewNamingAMemberThatReleasedTheLockIsNotBelieved() {
    Decision d = node("node1").in(cluster().leader("node1")).with(runningReplica())
        .after(new Action.ReleaseLeaderLock(), new ActionOutcome.Succeeded(), T0.minusSeconds(1))
        .decide();
    assertEquals(Reason.LOCK_RELEASED_WAITING, d.reason());
    assertFalse(d.has(Action.RenewLeaderLock.class));
    assertFalse(d.has(Action.Promote.class));
  }
}
