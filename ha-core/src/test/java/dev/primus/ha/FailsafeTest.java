package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.Decisions.kinds;
import static dev.primus.ha.Decisions.only;
import static dev.primus.ha.LocalBuilder.runningPrimary;
import static dev.primus.ha.LocalBuilder.runningReplica;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** failsafe_mode (Patroni's DCS failsafe mode): the /failsafe key, the primary without the DCS, the replica that agreed. */
class FailsafeTest {
  private static final String U1 = "http://node1:8008/patroni";
  private static final String U2 = "http://node2:8008/patroni";
  private static final String U3 = "http://node3:8008/patroni";

  private static ClusterBuilder threeMembers() {
    return cluster().optime(500)
        .members(member("node1").primary().wal(500), member("node2").wal(500), member("node3").wal(500));
  }

  /** node1 leads; the DCS view below is its last one. */
  private static Scenario leader(ClusterBuilder view) {
    return node("node1").in(view).with(runningPrimary().wal(700))
        .lockUpdatedAt(T0.minusSeconds(10))
        .after(new Action.ActivateWatchdog(), new ActionOutcome.Succeeded(), T0.minusSeconds(10));
  }

  private static ClusterBuilder failsafeOnDcsGone() {
    return threeMembers().leader("node1").set("failsafe_mode", true)
        .failsafe("node1", U1, "node2", U2, "node3", U3).disconnected();
  }

  // ---- the /failsafe key ------------------------------------------------------------------------

  @Test
  void leaderWritesTheMembersItSeesIntoFailsafeWhenTheModeIsOn() {
    Decision d = leader(threeMembers().leader("node1").set("failsafe_mode", true)).decide();
    assertEquals(Reason.LOCK_RENEWED, d.reason());
    assertEquals(Map.of("node1", U1, "node2", U2, "node3", U3), only(d, Action.WriteFailsafe.class).members());
    assertTrue(kinds(d).indexOf(Action.RenewLeaderLock.class) < kinds(d).indexOf(Action.WriteFailsafe.class),
        "only a leader that renewed writes the topology");
  }

  @Test
  void leaderLeavesFailsafeAloneWhileTheSetIsUnchanged() {
    Decision d = leader(threeMembers().leader("node1").set("failsafe_mode", true)
        .failsafe("node1", U1, "node2", U2, "node3", U3)).decide();
    assertFalse(d.has(Action.WriteFailsafe.class));
    assertFalse(d.has(Action.DeleteFailsafe.class));
  }

  @Test
  void leaderRewritesFailsafeWhenAMemberLeaves() {
    Decision d = leader(cluster().optime(500).leader("node1").set("failsafe_mode", true)
        .members(member("node1").primary().wal(500), member("node2").wal(500))
        .failsafe("node1", U1, "node2", U2, "node3", U3)).decide();
    assertEquals(Map.of("node1", U1, "node2", U2), only(d, Action.WriteFailsafe.class).members());
  }

  @Test
  void membersWithoutApiUrlAreLeftOutButTheLeaderIsAlwaysIn() {
    Decision d = leader(cluster().optime(500).leader("node1").set("failsafe_mode", true)
        .members(member("node2").wal(500), member("node3").noApiUrl())).decide();
    assertEquals(Map.of("node1", U1, "node2", U2), only(d, Action.WriteFailsafe.class).members());
  }

  @Test
  void leaderDeletesFailsafeWhenTheModeIsTurnedOff() {
    Decision d = leader(threeMembers().leader("node1").failsafe("node1", U1, "node2", U2)).decide();
    assertTrue(d.has(Action.DeleteFailsafe.class));
    assertFalse(d.has(Action.WriteFailsafe.class));
  }

  @Test
  void modeOffAndNoKeyWritesNothing() {
    Decision d = leader(threeMembers().leader("node1")).decide();
    assertFalse(d.has(Action.WriteFailsafe.class));
    assertFalse(d.has(Action.DeleteFailsafe.class));
  }

  @Test
  void replicaNeverWritesFailsafe() {
    Decision d = node("node2").in(threeMembers().leader("node1").set("failsafe_mode", true))
        .with(runningReplica().wal(500).upstream("node1")).decide();
    assertFalse(d.has(Action.WriteFailsafe.class));
  }

  // ---- the primary without the DCS --------------------------------------------------------------

  @Test
  void primaryAsksTheOtherFailsafeMembersInsteadOfDemoting() {
    Decision d = leader(failsafeOnDcsGone()).decide();
    assertEquals(Reason.FAILSAFE_ASKING, d.reason());
    assertEquals(List.of(Action.AskFailsafe.class), kinds(d), "no DCS writes, no demotion yet");
    Action.AskFailsafe ask = only(d, Action.AskFailsafe.class);
    assertEquals(Map.of("node2", U2, "node3", U3), ask.members());
    assertEquals(700, ask.walPosition());
    assertEquals(Duration.ZERO, d.recheckAfter());
  }

  @Test
  void primaryKeepsTheRoleAndPetsTheWatchdogWhenAllAccept() {
    Instant asked = T0.minusMillis(300);
    Decision d = leader(failsafeOnDcsGone())
        .failsafeAnswers(asked, Map.of("node2", accepted(), "node3", accepted())).decide();
    assertEquals(Reason.FAILSAFE_LEADING, d.reason());
    assertEquals(List.of(Action.KeepLeadingInFailsafe.class, Action.KeepaliveWatchdog.class), kinds(d));
    assertEquals(asked, only(d, Action.KeepLeadingInFailsafe.class).since());
    assertEquals("continue to run as a leader because failsafe mode is enabled and all members are accessible",
        d.message());
  }

  @Test
  void primaryDemotesWhenOneMemberRefuses() {
    Decision d = leader(failsafeOnDcsGone())
        .failsafeAnswers(T0, Map.of("node2", accepted(), "node3", new FailsafeAnswer.Refused("500 Running as a leader")))
        .decide();
    assertEquals(Reason.DCS_UNREACHABLE_DEMOTING, d.reason());
    assertEquals(DemoteMode.OFFLINE, only(d, Action.Demote.class).mode());
  }

  @Test
  void primaryDemotesWhenOneMemberDidNotAnswer() {
    Decision d = leader(failsafeOnDcsGone()).failsafeAnswers(T0, Map.of("node2", accepted())).decide();
    assertEquals(DemoteMode.OFFLINE, only(d, Action.Demote.class).mode());
  }

  @Test
  void answersOlderThanTtlAreNotBelievedButAskedAgain() {
    Decision d = leader(failsafeOnDcsGone())
        .failsafeAnswers(T0.minusSeconds(30), Map.of("node2", accepted(), "node3", accepted())).decide();
    assertEquals(Reason.FAILSAFE_ASKING, d.reason());
  }

  @Test
  void primaryMissingFromFailsafeDemotes() {
    Decision d = leader(threeMembers().leader("node1").set("failsafe_mode", true)
        .failsafe("node2", U2, "node3", U3).disconnected()).decide();
    assertEquals(DemoteMode.OFFLINE, only(d, Action.Demote.class).mode());
  }

  @Test
  void emptyOrAbsentFailsafeKeyDemotes() {
    Decision empty = leader(threeMembers().leader("node1").set("failsafe_mode", true).failsafe().disconnected()).decide();
    assertEquals(DemoteMode.OFFLINE, only(empty, Action.Demote.class).mode());
    Decision absent = leader(threeMembers().leader("node1").set("failsafe_mode", true).disconnected()).decide();
    assertEquals(DemoteMode.OFFLINE, only(absent, Action.Demote.class).mode());
  }

  @Test
  void modeOffDemotesAsBefore() {
    Decision d = leader(threeMembers().leader("node1").failsafe("node1", U1, "node2", U2).disconnected()).decide();
    assertEquals(Reason.DCS_UNREACHABLE_DEMOTING, d.reason());
  }

  @Test
  void aKeyListingOnlyThePrimaryBesideOtherMemberKeysIsStaleAndDoesNotKeepItUp() {
    // Patroni keeps such a primary running; the key is stale (the others joined after it was written, and
    // race once the lock expires), so Primus demotes.
    Decision d = leader(threeMembers().leader("node1").set("failsafe_mode", true).failsafe("node1", U1).disconnected())
        .decide();
    assertEquals(Reason.DCS_UNREACHABLE_DEMOTING, d.reason());
    assertFalse(d.has(Action.KeepLeadingInFailsafe.class));
  }

  @Test
  void aOneMemberClusterKeepsItsPrimaryUpWithoutTheDcsAsPatroniDoes() {
    // The last view proves nobody else exists: nobody can race, nobody needs to be asked.
    Decision d = leader(cluster().optime(500).leader("node1").set("failsafe_mode", true)
        .members(member("node1").primary().wal(500)).failsafe("node1", U1).disconnected()).decide();
    assertEquals(Reason.FAILSAFE_LEADING, d.reason());
    assertEquals(List.of(Action.KeepLeadingInFailsafe.class, Action.KeepaliveWatchdog.class), kinds(d));
    assertEquals(T0, only(d, Action.KeepLeadingInFailsafe.class).since());
  }

  @Test
  void aOneMemberClusterWithFailsafeOffStillDemotes() {
    Decision d = leader(cluster().optime(500).leader("node1")
        .members(member("node1").primary().wal(500)).failsafe("node1", U1).disconnected()).decide();
    assertEquals(Reason.DCS_UNREACHABLE_DEMOTING, d.reason());
  }

  @Test
  void primaryThatKnowsItLostTheLockDemotesEvenInFailsafe() {
    Decision d = leader(failsafeOnDcsGone())
        .after(new Action.RenewLeaderLock(), new ActionOutcome.Conflict("taken"), T0.minusSeconds(2))
        .failsafeAnswers(T0, Map.of("node2", accepted(), "node3", accepted())).decide();
    assertEquals(DemoteMode.OFFLINE, only(d, Action.Demote.class).mode());
  }

  @Test
  void pausedPrimaryDoesNotAsk() {
    Decision d = leader(failsafeOnDcsGone().paused()).decide();
    assertEquals(Reason.DCS_UNREACHABLE, d.reason());
    assertFalse(d.has(Action.AskFailsafe.class));
  }

  @Test
  void replicaWithoutTheDcsDoesNotAsk() {
    Decision d = node("node2").in(failsafeOnDcsGone()).with(runningReplica().upstream("node1")).decide();
    assertEquals(Reason.DCS_UNREACHABLE, d.reason());
    assertEquals(List.of(), d.actions());
  }

  // ---- after the DCS comes back -----------------------------------------------------------------

  @Test
  void failsafeCountsAsALockUpdateSoTheLeaderRenewsWhenTheDcsIsBack() {
    // Leading without the DCS for 40 s (> ttl) on failsafe: back, the view still names it, and it renews
    // rather than stopping as a leader whose lease it could not account for would.
    Scenario s = leader(threeMembers().leader("node1").set("failsafe_mode", true)
        .failsafe("node1", U1, "node2", U2, "node3", U3))
        .lockUpdatedAt(T0.minusSeconds(40))
        .after(new Action.KeepLeadingInFailsafe(T0.minusSeconds(5)), new ActionOutcome.Succeeded(), T0.minusSeconds(5));
    Decision d = s.decide();
    assertEquals(Reason.LOCK_RENEWED, d.reason());
    assertEquals(Action.RenewLeaderLock.class, d.actions().get(0).getClass());
    assertFalse(d.has(Action.Demote.class));
  }

  @Test
  void withoutFailsafeTheSameLeaderStops() {
    Decision d = leader(threeMembers().leader("node1")).lockUpdatedAt(T0.minusSeconds(40)).decide();
    assertTrue(d.has(Action.Demote.class), "the control for the test above");
  }

  @Test
  void leaderWhoseKeyExpiredTakesTheLockBack() {
    Decision d = leader(threeMembers().set("failsafe_mode", true).failsafe("node1", U1, "node2", U2, "node3", U3))
        .after(new Action.KeepLeadingInFailsafe(T0.minusSeconds(5)), new ActionOutcome.Succeeded(), T0.minusSeconds(5))
        .decide();
    assertEquals(Reason.LOCK_ACQUIRED, d.reason());
    assertTrue(d.has(Action.AcquireLeaderLock.class));
  }

  // ---- the replica that agreed ------------------------------------------------------------------

  private static Scenario replicaSeeingNoLeader() {
    return node("node2")
        .in(cluster().optime(500).set("failsafe_mode", true).failsafe("node1", U1, "node2", U2, "node3", U3)
            .members(member("node2").wal(500), member("node3").wal(500)))
        .with(runningReplica().wal(500).upstream("node1"))
        .peer("node3", Scenario.replicaAnswer(400));
  }

  @Test
  void replicaWithARecentFailsafeRequestDoesNotRace() {
    Decision d = replicaSeeingNoLeader().failsafeReceived("node1", T0.minusSeconds(5)).decide();
    assertEquals(Reason.FAILSAFE_LEADER_ALIVE, d.reason());
    assertFalse(d.has(Action.AcquireLeaderLock.class));
    assertFalse(d.has(Action.Promote.class));
    assertEquals("no action. I am (node2), a secondary, and (node1) runs as the leader in failsafe mode", d.message());
  }

  @Test
  void failsafeRequestExpiresAfterTtlAndTheReplicaRacesAgain() {
    Decision d = replicaSeeingNoLeader().failsafeReceived("node1", T0.minusSeconds(30)).decide();
    assertEquals(Reason.PROMOTING, d.reason());
    assertTrue(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void withoutAnyFailsafeRequestTheReplicaRaces() {
    assertEquals(Reason.PROMOTING, replicaSeeingNoLeader().decide().reason());
  }

  @Test
  void aRecentRequestIsIgnoredOnceTheModeIsOff() {
    Decision d = node("node2")
        .in(cluster().optime(500).members(member("node2").wal(500), member("node3").wal(500)))
        .with(runningReplica().wal(500).upstream("node1")).peer("node3", Scenario.replicaAnswer(400))
        .failsafeReceived("node1", T0.minusSeconds(5)).decide();
    assertEquals(Reason.PROMOTING, d.reason());
  }

  @Test
  void memberMissingFromFailsafeDoesNotRace() {
    Decision d = node("node4")
        .in(cluster().optime(500).set("failsafe_mode", true).failsafe("node1", U1, "node2", U2)
            .members(member("node2").wal(500), member("node4").wal(500)))
        .with(runningReplica().wal(500).upstream("node1")).peer("node2", Scenario.replicaAnswer(400)).decide();
    assertEquals(Reason.NOT_IN_FAILSAFE, d.reason());
    assertFalse(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void aKeyListingOneMemberThatAnswersAsAReplicaDoesNotKeepTheOthersOutOfTheRace() {
    // Written by a leader that saw only itself and then lost the lock: it answers that it runs in
    // recovery, so it leads nothing and the unlisted may race (the simulator found the cluster otherwise
    // stays without a leader).
    Decision d = node("node2")
        .in(cluster().optime(500).set("failsafe_mode", true).failsafe("node1", U1)
            .members(member("node2").wal(500), member("node3").wal(500)))
        .with(runningReplica().wal(500).upstream("node1")).peer("node3", Scenario.replicaAnswer(400))
        .peer("node1", Scenario.replicaAnswer(300)).decide();
    assertEquals(Reason.PROMOTING, d.reason());
  }

  @Test
  void aKeyListingOneMemberThatDoesNotAnswerKeepsTheOthersOut() {
    // node1 may be a one-member cluster's primary running on failsafe without the DCS, cut off from us:
    // racing would make a second primary (the simulator found it), so Patroni's rule holds.
    Decision d = node("node2")
        .in(cluster().optime(500).set("failsafe_mode", true).failsafe("node1", U1)
            .members(member("node2").wal(500), member("node3").wal(500)))
        .with(runningReplica().wal(500).upstream("node1")).peer("node3", Scenario.replicaAnswer(400))
        .unreachable("node1").decide();
    assertEquals(Reason.NOT_IN_FAILSAFE, d.reason());
    assertFalse(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void withAKeyListingOneMemberTheRaceAsksItFirst() {
    Decision d = node("node2")
        .in(cluster().optime(500).set("failsafe_mode", true).failsafe("node1", U1)
            .members(member("node2").wal(500), member("node3").wal(500)))
        .with(runningReplica().wal(500).upstream("node1")).decide();
    assertEquals(Reason.WAITING_FOR_PEERS, d.reason());
    assertEquals(List.of("node3", "node1"), only(d, Action.QueryPeers.class).members());
  }

  @Test
  void aListedMemberThatCannotRaceDoesNotKeepTheUnlistedOut() {
    // node3, the only other listed member, reports a crashed server: nobody listed can race.
    Decision d = node("node2")
        .in(cluster().optime(500).set("failsafe_mode", true).failsafe("node1", U1, "node3", U3)
            .members(member("node2").wal(500), member("node3").wal(500).state(dev.primus.dcs.model.MemberState.CRASHED)))
        .with(runningReplica().wal(500).upstream("node1")).peer("node3", Scenario.replicaAnswer(0)).decide();
    assertEquals(Reason.PROMOTING, d.reason());
  }

  @Test
  void theRaceAlsoAsksTheFailsafeMembersWithoutAMemberKey() {
    Decision d = node("node2").in(cluster().optime(500).set("failsafe_mode", true)
        .failsafe("node1", U1, "node2", U2, "node3", U3).members(member("node2").wal(500), member("node3").wal(500)))
        .with(runningReplica().wal(500).upstream("node1")).decide();
    assertEquals(Reason.WAITING_FOR_PEERS, d.reason());
    assertEquals(List.of("node3", "node1"), only(d, Action.QueryPeers.class).members());
  }

  @Test
  void aPrimaryOnFailsafeAnsweringTheRaceKeepsEveryoneOut() {
    Decision d = replicaSeeingNoLeader().peer("node1", Scenario.primaryAnswer(500)).decide();
    assertEquals(Reason.PRIMARY_STILL_ALIVE, d.reason());
  }

  @Test
  void aListedMemberWithoutMemberKeyCannotOutrankMe() {
    // node1 answers as a replica further ahead, but it cannot reach the DCS (no member key): it would never race.
    Decision d = replicaSeeingNoLeader().peer("node1", Scenario.replicaAnswer(900)).decide();
    assertEquals(Reason.PROMOTING, d.reason());
  }

  @Test
  void anUnlistedMemberDoesNotOutrankAListedOne() {
    Decision d = node("node2")
        .in(cluster().optime(500).set("failsafe_mode", true).failsafe("node1", U1, "node2", U2, "node3", U3)
            .members(member("node2").wal(500), member("node3").wal(500), member("node4").wal(600)))
        .with(runningReplica().wal(500).upstream("node1"))
        .peer("node3", Scenario.replicaAnswer(400)).peer("node4", Scenario.replicaAnswer(600)).peer("node1", Scenario.replicaAnswer(0))
        .decide();
    assertEquals(Reason.PROMOTING, d.reason());
  }

  @Test
  void anUnlistedFailoverCandidateIsNotWaitedFor() {
    Decision d = node("node2")
        .in(cluster().optime(500).set("failsafe_mode", true).failsafe("node1", U1, "node2", U2, "node3", U3)
            .members(member("node2").wal(500), member("node3").wal(500), member("node4").wal(500))
            .failover(java.util.Optional.empty(), java.util.Optional.of("node4"), java.util.Optional.empty()))
        .with(runningReplica().wal(500).upstream("node1"))
        .peer("node3", Scenario.replicaAnswer(400)).peer("node4", Scenario.replicaAnswer(500)).peer("node1", Scenario.replicaAnswer(0))
        .decide();
    assertEquals(Reason.PROMOTING, d.reason());
  }

  // ---- memory -----------------------------------------------------------------------------------

  @Test
  void keepingTheRoleNeverMovesTheLockUpdateBackwardsNorForgetsALoss() {
    AgentMemory m = AgentMemory.initial().record(new Action.RenewLeaderLock(), new ActionOutcome.Succeeded(), T0);
    AgentMemory older = m.record(new Action.KeepLeadingInFailsafe(T0.minusSeconds(3)), new ActionOutcome.Succeeded(), T0);
    assertEquals(Optional.of(T0), older.lastLockUpdate());
    AgentMemory lost = m.record(new Action.RenewLeaderLock(), new ActionOutcome.Conflict("taken"), T0.plusSeconds(1))
        .record(new Action.KeepLeadingInFailsafe(T0.plusSeconds(2)), new ActionOutcome.Succeeded(), T0.plusSeconds(2));
    assertEquals(Optional.of(T0.plusSeconds(1)), lost.lockLostAt());
  }

  private static FailsafeAnswer accepted() {
    return new FailsafeAnswer.Accepted(Optional.of(500L));
  }
}
