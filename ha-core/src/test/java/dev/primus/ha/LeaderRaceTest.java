package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.Decisions.kinds;
import static dev.primus.ha.Decisions.only;
import static dev.primus.ha.LocalBuilder.runningPrimary;
import static dev.primus.ha.LocalBuilder.runningReplica;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static dev.primus.ha.Scenario.primaryAnswer;
import static dev.primus.ha.Scenario.replicaAnswer;
import static dev.primus.ha.Scenario.replicaAnswerWithPriority;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** No leader key: who races for the lock (Patroni's is_healthiest_node), and how. */
class LeaderRaceTest {

  /** node2 and node3 are replicas; the leader node1 is gone (its lock and member key expired). */
  private static Scenario replicaAfterLeaderLoss() {
    return node("node2")
        .in(cluster().optime(1000).members(member("node2").wal(1000), member("node3").wal(1000)))
        .with(runningReplica().wal(1000).upstream("node1"));
  }

  @Test
  void firstAsksThePeersWithAnApiUrl() {
    Decision d = replicaAfterLeaderLoss()
        .in(cluster().optime(1000).members(member("node2"), member("node3"), member("node4").noApiUrl()))
        .decide();
    assertEquals(Reason.WAITING_FOR_PEERS, d.reason());
    assertEquals(List.of("node3"), only(d, Action.QueryPeers.class).members());
    assertEquals(Duration.ZERO, d.recheckAfter());
    assertFalse(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void healthiestReplicaTakesTheLockAndPromotesInOneDecision() {
    Decision d = replicaAfterLeaderLoss().withWatchdog().peer("node3", replicaAnswer(900)).decide();
    assertEquals(Reason.PROMOTING, d.reason());
    assertEquals(List.of(Action.AcquireLeaderLock.class, Action.ActivateWatchdog.class, Action.Promote.class,
        Action.TouchMember.class), kinds(d));
    assertEquals("promoted self to leader by acquiring session lock", d.message());
    assertEquals(Duration.ZERO, d.recheckAfter());
  }

  @Test
  void withoutAWatchdogTheWinnerFencesTheFormerPrimaryAfterTheLockAndBeforePromoting() {
    Decision d = replicaAfterLeaderLoss().peer("node3", replicaAnswer(900)).decide();
    assertEquals(Reason.PROMOTING, d.reason());
    assertEquals(List.of(Action.AcquireLeaderLock.class, Action.ActivateWatchdog.class,
        Action.FenceFormerPrimary.class, Action.Promote.class, Action.TouchMember.class), kinds(d));
    // node1's member key expired with its lock: the executor uses the conn_url it last saw.
    assertEquals(new Action.FenceFormerPrimary("node1", java.util.Optional.empty()),
        only(d, Action.FenceFormerPrimary.class));
  }

  @Test
  void withAWatchdogNothingIsFencedAsInPatroni() {
    Decision d = replicaAfterLeaderLoss().withWatchdog().peer("node3", replicaAnswer(900)).decide();
    assertTrue(d.has(Action.Promote.class));
    assertFalse(d.has(Action.FenceFormerPrimary.class));
  }

  @Test
  void theFormerPrimarysConnUrlComesFromTheViewWhileItsMemberKeyIsThere() {
    Decision d = node("node2")
        .in(cluster().optime(1000).members(member("node1").primary().wal(1000), member("node2").wal(1000),
            member("node3").wal(1000)))
        .with(runningReplica().wal(1000))
        .peer("node1", replicaAnswer(900)).peer("node3", replicaAnswer(900)).decide();
    assertEquals(Reason.PROMOTING, d.reason());
    assertEquals(new Action.FenceFormerPrimary("node1", java.util.Optional.of("postgres://node1:5432/postgres")),
        only(d, Action.FenceFormerPrimary.class));
  }

  @Test
  void withoutAFormerLeaderOtherThanMeNothingIsFenced() {
    Decision none = node("node2")
        .in(cluster().optime(1000).members(member("node2").wal(1000), member("node3").wal(1000)))
        .with(runningReplica().wal(1000)).peer("node3", replicaAnswer(900)).decide();
    assertTrue(none.has(Action.Promote.class));
    assertFalse(none.has(Action.FenceFormerPrimary.class));
    Decision self = node("node2")
        .in(cluster().optime(1000).members(member("node2").wal(1000), member("node3").wal(1000)))
        .with(runningReplica().wal(1000).upstream("node2")).peer("node3", replicaAnswer(900)).decide();
    assertTrue(self.has(Action.Promote.class));
    assertFalse(self.has(Action.FenceFormerPrimary.class));
  }

  @Test
  void aLostRaceFencesNothingBecauseTheExecutorStopsAtTheLock() {
    Decision d = replicaAfterLeaderLoss().peer("node3", replicaAnswer(900)).decide();
    List<Class<?>> k = kinds(d);
    assertTrue(k.indexOf(Action.AcquireLeaderLock.class) < k.indexOf(Action.FenceFormerPrimary.class));
    assertTrue(k.indexOf(Action.FenceFormerPrimary.class) < k.indexOf(Action.Promote.class));
  }

  @Test
  void aPeerStillRunningAsPrimaryStopsTheRace() {
    Decision d = replicaAfterLeaderLoss().peer("node3", primaryAnswer(2000)).decide();
    assertEquals(Reason.PRIMARY_STILL_ALIVE, d.reason());
    assertFalse(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void aPeerWithAHigherWalPositionRacesInstead() {
    Decision d = replicaAfterLeaderLoss().peer("node3", replicaAnswer(1001)).decide();
    assertEquals(Reason.NOT_HEALTHIEST, d.reason());
    assertFalse(d.has(Action.AcquireLeaderLock.class));
    assertEquals(Duration.ofMillis(500), d.recheckAfter(), "look again soon: a leader should appear");
  }

  @Test
  void equalPositionAndHigherFailoverPriorityRacesInstead() {
    Decision d = replicaAfterLeaderLoss().peer("node3", replicaAnswerWithPriority(1000, 5)).decide();
    assertEquals(Reason.NOT_HEALTHIEST, d.reason());
  }

  @Test
  void equalPositionAndEqualPriorityBothRace() {
    Decision d = replicaAfterLeaderLoss().peer("node3", replicaAnswer(1000)).decide();
    assertTrue(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void unreachablePeersAreIgnored() {
    Decision d = replicaAfterLeaderLoss().unreachable("node3").decide();
    assertTrue(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void peersThatMayNotFailOverDoNotOutrankMe() {
    PeerStatus nofailover = new PeerStatus(true, 5000, 1, true, 1, false);
    PeerStatus watchdogFailed = new PeerStatus(true, 5000, 1, false, 1, true);
    Decision d = replicaAfterLeaderLoss()
        .in(cluster().optime(1000).members(member("node2"), member("node3"), member("node4")))
        .peer("node3", nofailover).peer("node4", watchdogFailed).decide();
    assertTrue(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void aDivergedMembersLagCountsOnlyUpToTheSwitch() {
    // Timeline 1 ended at 900; my WAL up to 2,500,000 on it is mostly on a branch the cluster left.
    Decision d = replicaAfterLeaderLoss()
        .in(cluster().optime(3_000_000).history(1, 900).members(member("node2"), member("node3")))
        .with(runningReplica().wal(2_500_000).timeline(1)).decide();
    assertEquals(Reason.LAGGING, d.reason());
  }

  @Test
  void aDivergedMemberWithinTheLagLimitMayStillRace() {
    Decision d = replicaAfterLeaderLoss()
        .in(cluster().optime(1000).history(1, 900).members(member("node2"), member("node3")))
        .with(runningReplica().wal(5000).timeline(1)).unreachable("node3").decide();
    assertTrue(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void aPeersWalBeyondTheSwitchOfItsTimelineDoesNotCount() {
    Decision d = replicaAfterLeaderLoss()
        .in(cluster().optime(1000).history(1, 900).members(member("node2"), member("node3")))
        .with(runningReplica().wal(1000).timeline(2))
        .peer("node3", replicaAnswer(5000, 1)).decide();
    assertTrue(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void aTimelineTheHistoryDoesNotKnowDoesNotBeatAHigherLsn() {
    Decision d = replicaAfterLeaderLoss().with(runningReplica().wal(2000).timeline(4))
        .in(cluster().optime(2000).history(1, 10, 2, 20, 3, 30).members(member("node2"), member("node3")))
        .peer("node3", replicaAnswer(1900, 5)).decide();
    assertTrue(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void aPeerThatCouldNotRaceItselfDoesNotKeepMeFromRacing() {
    // node3 is further ahead on a newer timeline but lags beyond the limit: it will not race, so I must.
    Decision d = replicaAfterLeaderLoss()
        .in(cluster().optime(9_000_000).members(member("node2"), member("node3")))
        .with(runningReplica().wal(8_500_000))
        .peer("node3", replicaAnswer(1_000_000)).decide();
    assertTrue(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void aPeerThatIsDownDoesNotOutrankMe() {
    Decision d = replicaAfterLeaderLoss().peer("node3", new PeerStatus(true, 0, 0, false, 9, false)).decide();
    assertTrue(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void lagBeyondMaximumLagOnFailoverKeepsMeOutOfTheRace() {
    Decision d = replicaAfterLeaderLoss().in(cluster().optime(3_000_000).members(member("node2"), member("node3")))
        .with(runningReplica().wal(1_000_000)).decide();
    assertEquals(Reason.LAGGING, d.reason());
    assertFalse(d.has(Action.QueryPeers.class), "no need to ask anybody");
  }

  @Test
  void lagWithinTheConfiguredLimitIsFine() {
    Decision d = replicaAfterLeaderLoss()
        .in(cluster().optime(3_000_000).set("maximum_lag_on_failover", 5_000_000).members(member("node2")))
        .with(runningReplica().wal(1_000_000)).decide();
    assertTrue(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void checkTimelineKeepsAReplicaBehindTheHistoryOutOfTheRace() {
    Decision d = replicaAfterLeaderLoss().in(cluster().set("check_timeline", true).history(1, 500).members(member("node2")))
        .with(runningReplica().timeline(1).wal(400)).decide();
    assertEquals(Reason.TIMELINE_BEHIND, d.reason());
  }

  @Test
  void nofailoverReplicaNeverRaces() {
    Decision d = replicaAfterLeaderLoss().nofailover().decide();
    assertEquals(Reason.NOFAILOVER, d.reason());
    assertFalse(d.has(Action.QueryPeers.class));
  }

  @Test
  void failoverPriorityZeroNeverRaces() {
    assertEquals(Reason.NOFAILOVER, replicaAfterLeaderLoss().failoverPriority(0).decide().reason());
  }

  @Test
  void synchronousModeLetsOnlyTheSyncStandbyRace() {
    Decision d = replicaAfterLeaderLoss().in(cluster().set("synchronous_mode", true).sync("node1", "node3")
        .members(member("node2"), member("node3"))).decide();
    assertEquals(Reason.NOT_SYNC_STANDBY, d.reason());
  }

  @Test
  void primaryWithoutLockTakesItBackWhenNotBehindTheClusterTimeline() {
    Decision d = node("node1").in(cluster().history(1, 100).members(member("node2")))
        .with(runningPrimary().timeline(2).wal(500)).decide();
    assertEquals(Reason.LOCK_ACQUIRED, d.reason());
    assertEquals(List.of(Action.AcquireLeaderLock.class, Action.ActivateWatchdog.class, Action.TouchMember.class), kinds(d));
    assertFalse(d.has(Action.Promote.class));
    assertFalse(d.has(Action.QueryPeers.class));
  }

  /**
   * PatroniDcs never re-creates a vanished leader key in a renewal; the runner reports that as a refused
   * renewal. The next cycle's view has no leader key, and the primary takes the lock back only through
   * the race: create-if-absent, which a member that won meanwhile defeats.
   */
  @Test
  void primaryWhoseRenewalFoundTheKeyGoneTakesItBackOnlyThroughTheRace() {
    Decision d = node("node1").in(cluster().history(1, 100).members(member("node1").primary(), member("node2")))
        .with(runningPrimary().timeline(2).wal(500))
        .lockUpdatedAt(T0.minusSeconds(11))
        .after(new Action.RenewLeaderLock(), new ActionOutcome.Conflict("the leader key is gone"), T0.minusSeconds(1))
        .decide();
    assertEquals(Reason.LOCK_ACQUIRED, d.reason());
    assertEquals(List.of(Action.AcquireLeaderLock.class, Action.ActivateWatchdog.class, Action.TouchMember.class), kinds(d));
    assertFalse(d.has(Action.RenewLeaderLock.class));
  }

  @Test
  void primaryBehindTheClusterTimelineStepsDownInsteadOfRacing() {
    Decision d = node("node1").in(cluster().history(1, 100, 2, 300).members(member("node2")))
        .with(runningPrimary().timeline(2).wal(500)).decide();
    assertEquals(Reason.PRIMARY_TIMELINE_BEHIND, d.reason());
    assertEquals(DemoteMode.IMMEDIATE_NOLOCK, only(d, Action.Demote.class).mode());
    assertFalse(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void primaryOnATimelineAnotherMemberCreatedDoesNotTakeTheLock() {
    Decision d = node("node1").in(cluster().historyEntry(1, 100, "node3").members(member("node2")))
        .with(runningPrimary().timeline(2).wal(500)).decide();
    assertEquals(Reason.PRIMARY_TIMELINE_BEHIND, d.reason());
    assertFalse(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void afterLosingTheRaceWaitsForTheViewToShowTheWinner() {
    Decision d = replicaAfterLeaderLoss().peer("node3", replicaAnswer(1000))
        .after(new Action.AcquireLeaderLock(), new ActionOutcome.Conflict("node3 holds it"), T0)
        .decide();
    assertEquals(Reason.LOST_RACE, d.reason());
    assertFalse(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void afterLosingTheRaceFollowsTheWinner() {
    Decision d = replicaAfterLeaderLoss().in(cluster().leader("node3").members(member("node2"), member("node3")))
        .with(runningReplica().upstream("node3"))
        .after(new Action.AcquireLeaderLock(), new ActionOutcome.Conflict("node3 holds it"), T0)
        .decide();
    assertEquals(Reason.LOST_RACE, d.reason());
    assertEquals("failed to acquire the leader lock: (node3) won", d.message());
  }

  @Test
  void memberThatGaveUpTheLockAfterAFailedPromotionSitsOutOneTtl() {
    Scenario s = replicaAfterLeaderLoss().peer("node3", replicaAnswer(1))
        .after(new Action.Promote(), new ActionOutcome.Failed("pg_ctl promote failed"), T0.minusSeconds(3))
        .after(new Action.ReleaseLeaderLock(), new ActionOutcome.Succeeded(), T0.minusSeconds(2));
    assertEquals(Reason.LEADERSHIP_BACKOFF, s.decide().reason());
    assertTrue(s.later(Duration.ofSeconds(30)).decide().has(Action.AcquireLeaderLock.class));
  }
}
