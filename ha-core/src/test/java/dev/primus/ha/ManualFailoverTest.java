package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.Decisions.kinds;
import static dev.primus.ha.Decisions.only;
import static dev.primus.ha.LocalBuilder.runningPrimary;
import static dev.primus.ha.LocalBuilder.runningReplica;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static dev.primus.ha.Scenario.replicaAnswer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.model.MemberState;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Switchover and failover requests ({@code failover} key), from the leader's side and from the racers'. */
class ManualFailoverTest {

  private static ClusterBuilder threeNodes() {
    return cluster().leader("node1").optime(1000)
        .members(member("node1").primary().wal(1000), member("node2").wal(1000), member("node3").wal(900));
  }

  private static Scenario leader(ClusterBuilder c) {
    return node("node1").in(c).with(runningPrimary().wal(1000)).lockUpdatedAt(T0.minusSeconds(10))
        .after(new Action.ActivateWatchdog(), new ActionOutcome.Succeeded(), T0.minusSeconds(10));
  }

  // ---- the leader ------------------------------------------------------------------------------

  @Test
  void validSwitchoverDemotesGracefullyTowardsTheCandidate() {
    Decision d = leader(threeNodes().switchover("node1", "node2")).decide();
    assertEquals(Reason.SWITCHOVER_DEMOTING, d.reason());
    assertEquals(List.of(Action.RenewLeaderLock.class, Action.KeepaliveWatchdog.class, Action.Demote.class,
        Action.TouchMember.class), kinds(d));
    Action.Demote demote = only(d, Action.Demote.class);
    assertEquals(DemoteMode.GRACEFUL, demote.mode());
    assertEquals(Optional.of("node2"), demote.newUpstream());
    assertEquals("manual failover: demoting myself", d.message());
  }

  @Test
  void failoverWithOnlyACandidateAlsoHandsOverFromTheLeader() {
    Decision d = leader(threeNodes().switchover(null, "node2")).decide();
    assertEquals(DemoteMode.GRACEFUL, only(d, Action.Demote.class).mode());
  }

  @Test
  void switchoverWithoutCandidateHandsOverWhenSomebodyCanTakeOver() {
    Decision d = leader(threeNodes().switchover("node1", null)).decide();
    assertEquals(Optional.empty(), only(d, Action.Demote.class).newUpstream());
  }

  @Test
  void switchoverWithoutCandidateIsClearedWhenNobodyCanTakeOver() {
    Decision d = leader(cluster().leader("node1").members(member("node1").primary(), member("node2").nofailover())
        .switchover("node1", null)).decide();
    assertEquals(Reason.SWITCHOVER_NOT_POSSIBLE, d.reason());
    assertEquals(ClusterBuilder.FAILOVER_VERSION, only(d, Action.ClearFailover.class).version());
    assertFalse(d.has(Action.Demote.class));
  }

  @Test
  void candidateThatIsNotAMemberIsClearedWithCas() {
    Decision d = leader(threeNodes().switchover("node1", "node9")).decide();
    assertEquals(Reason.SWITCHOVER_NOT_POSSIBLE, d.reason());
    assertEquals(ClusterBuilder.FAILOVER_VERSION, only(d, Action.ClearFailover.class).version());
    assertEquals(Action.ClearFailover.class, d.actions().get(d.actions().size() - 1).getClass(), "a CAS write goes last");
    assertTrue(d.has(Action.RenewLeaderLock.class), "and the leader still leads");
  }

  @Test
  void nofailoverCandidateIsRefused() {
    Decision d = leader(cluster().leader("node1").members(member("node1").primary(), member("node2").nofailover())
        .switchover("node1", "node2")).decide();
    assertEquals(Reason.SWITCHOVER_NOT_POSSIBLE, d.reason());
  }

  @Test
  void laggingCandidateIsRefused() {
    Decision d = leader(cluster().leader("node1").members(member("node1").primary(), member("node2").wal(10))
        .switchover("node1", "node2")).with(runningPrimary().wal(5_000_000)).decide();
    assertEquals(Reason.SWITCHOVER_NOT_POSSIBLE, d.reason());
  }

  @Test
  void candidateWithoutApiUrlIsRefused() {
    Decision d = leader(cluster().leader("node1").members(member("node1").primary(), member("node2").noApiUrl())
        .switchover("node1", "node2")).decide();
    assertEquals(Reason.SWITCHOVER_NOT_POSSIBLE, d.reason());
  }

  @Test
  void candidateThatDoesNotRunIsRefused() {
    Decision d = leader(cluster().leader("node1").members(member("node1").primary(),
        member("node2").state(MemberState.STOPPED)).switchover("node1", "node2")).decide();
    assertEquals(Reason.SWITCHOVER_NOT_POSSIBLE, d.reason());
  }

  @Test
  void requestNamingAnotherLeaderIsCleared() {
    Decision d = leader(threeNodes().switchover("node3", "node2")).decide();
    assertEquals(Reason.FAILOVER_KEY_CLEARED, d.reason());
    assertTrue(d.has(Action.ClearFailover.class));
    assertFalse(d.has(Action.Demote.class));
  }

  @Test
  void completedSwitchoverIsCleanedUpByTheNewLeader() {
    // node2 won the switchover from node1; the key still says node1 -> node2.
    Decision d = node("node2").in(cluster().leader("node2").members(member("node1"), member("node2").primary())
        .switchover("node1", "node2")).with(runningPrimary().wal(100)).lockUpdatedAt(T0.minusSeconds(1)).decide();
    assertEquals(Reason.FAILOVER_KEY_CLEARED, d.reason());
    assertEquals(ClusterBuilder.FAILOVER_VERSION, only(d, Action.ClearFailover.class).version());
    assertEquals(Duration.ZERO, d.recheckAfter());
  }

  @Test
  void scheduledSwitchoverNotYetDueWaitsUntilItIsDue() {
    Decision d = leader(threeNodes().scheduledSwitchover("node1", "node2", T0.plusSeconds(3))).decide();
    assertEquals(Reason.SWITCHOVER_SCHEDULED, d.reason());
    assertFalse(d.has(Action.Demote.class));
    assertEquals(Duration.ofSeconds(3), d.recheckAfter(), "looks again exactly when due");
    assertTrue(d.has(Action.RenewLeaderLock.class));
  }

  @Test
  void scheduledSwitchoverFarAheadWaitsAtMostALoop() {
    Decision d = leader(threeNodes().scheduledSwitchover("node1", "node2", T0.plusSeconds(3600))).decide();
    assertEquals(Duration.ofSeconds(10), d.recheckAfter());
  }

  @Test
  void scheduledSwitchoverThatIsDueHandsOver() {
    Decision d = leader(threeNodes().scheduledSwitchover("node1", "node2", T0.minusSeconds(2))).decide();
    assertEquals(Reason.SWITCHOVER_DEMOTING, d.reason());
  }

  @Test
  void scheduledSwitchoverMoreThanOneAndAHalfLoopsLateIsCleared() {
    Decision d = leader(threeNodes().scheduledSwitchover("node1", "node2", T0.minusSeconds(16))).decide();
    assertEquals(Reason.FAILOVER_KEY_CLEARED, d.reason());
    assertFalse(d.has(Action.Demote.class));
  }

  @Test
  void pausedLeaderRefusesASwitchoverWithoutCandidate() {
    Decision d = leader(threeNodes().paused().switchover("node1", null)).decide();
    assertEquals(Reason.SWITCHOVER_NOT_POSSIBLE, d.reason());
  }

  @Test
  void pausedLeaderStillHandsOverToANamedCandidate() {
    Decision d = leader(threeNodes().paused().switchover("node1", "node2")).decide();
    assertEquals(DemoteMode.GRACEFUL, only(d, Action.Demote.class).mode());
  }

  // ---- the racers, once the leader released the lock ----------------------------------------------

  private static ClusterBuilder afterRelease() {
    return cluster().optime(900)
        .members(member("node1").wal(1000), member("node2").wal(900), member("node3").wal(1000))
        .switchover("node1", "node2");
  }

  @Test
  void namedCandidateWinsTheRaceEvenIfNotTheMostAdvanced() {
    Decision d = node("node2").in(afterRelease()).with(runningReplica().wal(900)).decide();
    assertEquals(Reason.PROMOTING, d.reason());
    assertEquals(List.of(Action.AcquireLeaderLock.class, Action.ActivateWatchdog.class, Action.Promote.class,
        Action.TouchMember.class, Action.ClearFailover.class), kinds(d));
    assertFalse(d.has(Action.QueryPeers.class), "no peer round trip: a switchover is fast");
  }

  @Test
  void namedCandidateBeyondTheLagLimitDoesNotPromote() {
    Decision d = node("node2").in(afterRelease().optime(9_000_000)).with(runningReplica().wal(900)).decide();
    assertEquals(Reason.LAGGING, d.reason());
  }

  @Test
  void otherReplicasDeferToAHealthyCandidate() {
    Decision d = node("node3").in(afterRelease()).with(runningReplica().wal(1000))
        .peer("node2", replicaAnswer(900)).decide();
    assertEquals(Reason.DEFER_TO_CANDIDATE, d.reason());
    assertEquals("not racing for the leader lock: the failover candidate (node2) is healthy", d.message());
  }

  @Test
  void otherReplicasDoNotAskTheOldLeader() {
    Decision d = node("node3").in(afterRelease()).with(runningReplica().wal(1000)).decide();
    assertEquals(List.of("node2"), only(d, Action.QueryPeers.class).members());
  }

  @Test
  void otherReplicasRaceWhenTheCandidateIsDown() {
    Decision d = node("node3").in(afterRelease()).with(runningReplica().wal(1000))
        .peer("node2", new PeerStatus(true, 0, 0, false, 1, false)).decide();
    assertTrue(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void otherReplicasRaceWhenTheCandidateIsUnreachable() {
    Decision d = node("node3").in(afterRelease()).with(runningReplica().wal(1000)).unreachable("node2").decide();
    assertTrue(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void oldLeaderTakesTheLockBackOnlyIfNobodyElseCan() {
    ClusterBuilder toAnybody = afterRelease().switchover("node1", null);
    Scenario oldLeader = node("node1").in(toAnybody).with(runningReplica().wal(1000));
    assertEquals(Reason.NOT_HEALTHIEST, oldLeader.peer("node2", replicaAnswer(900)).peer("node3", replicaAnswer(1000))
        .decide().reason());
    Scenario alone = node("node1").in(afterRelease().switchover("node1", null)).with(runningReplica().wal(1000))
        .unreachable("node2").unreachable("node3");
    assertTrue(alone.decide().has(Action.AcquireLeaderLock.class));
  }

  @Test
  void failoverWithOnlyACandidateWhenThereIsNoLeader() {
    Decision d = node("node2").in(cluster().members(member("node2"), member("node3").wal(5000))
        .switchover(null, "node2")).with(runningReplica().wal(100)).decide();
    assertTrue(d.has(Action.AcquireLeaderLock.class));
    assertTrue(d.has(Action.Promote.class));
    assertTrue(d.has(Action.ClearFailover.class));
  }

  @Test
  void pausedClusterPromotesOnlyTheNamedCandidate() {
    Decision candidate = node("node2").in(afterRelease().paused()).with(runningReplica().wal(900)).decide();
    assertTrue(candidate.has(Action.Promote.class));
    Decision other = node("node3").in(afterRelease().paused()).with(runningReplica().wal(1000)).decide();
    assertEquals(Reason.PAUSED, other.reason());
    assertFalse(other.has(Action.AcquireLeaderLock.class));
  }
}
