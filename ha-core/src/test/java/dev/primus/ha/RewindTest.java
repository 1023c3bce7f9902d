package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.Decisions.only;
import static dev.primus.ha.LocalBuilder.runningPrimary;
import static dev.primus.ha.LocalBuilder.runningReplica;
import static dev.primus.ha.LocalBuilder.stoppedPrimary;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.model.MemberState;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A former primary rejoins. node2 was promoted at LSN 1000, ending timeline 1; node1 kept writing on
 * timeline 1 up to 1500 before it stopped: it diverged.
 */
class RewindTest {

  private static ClusterBuilder afterFailover() {
    return cluster().leader("node2").history(1, 1000)
        .members(member("node1"), member("node2").primary().timeline(2).wal(3000));
  }

  private static Scenario divergedOldPrimary() {
    return node("node1").in(afterFailover()).with(stoppedPrimary().timeline(1).wal(1500));
  }

  @Test
  void divergedFormerPrimaryIsRewoundFromTheLeaderWhenUsePgRewindIsOn() {
    Decision d = divergedOldPrimary().in(afterFailover().postgresql("use_pg_rewind", true)).decide();
    assertEquals(Reason.REWINDING, d.reason());
    assertEquals("node2", only(d, Action.Rewind.class).source());
    assertFalse(d.has(Action.StartDatabase.class));
    assertEquals("running pg_rewind from (node2)", d.message());
  }

  @Test
  void divergedFormerPrimaryIsReinitializedWhenRewindIsOffAndRemovalIsAllowed() {
    Decision d = divergedOldPrimary().removeDataDirectoryOnDivergedTimelines().decide();
    assertEquals(Reason.REINITIALIZING, d.reason());
    assertEquals("node2", only(d, Action.Reinitialize.class).source());
  }

  @Test
  void divergedFormerPrimaryStaysDownWhenNeitherIsAllowed() {
    Decision d = divergedOldPrimary().decide();
    assertEquals(Reason.DIVERGED_NO_REWIND, d.reason());
    assertFalse(d.has(Action.StartDatabase.class));
    assertFalse(d.has(Action.Reinitialize.class));
  }

  @Test
  void formerPrimaryThatDidNotDivergeJustFollows() {
    Decision d = node("node1").in(afterFailover()).with(stoppedPrimary().timeline(1).wal(1000)).decide();
    assertEquals(Reason.STARTING_REPLICA, d.reason());
    assertEquals(Optional.of("node2"), only(d, Action.StartDatabase.class).upstream());
  }

  @Test
  void failedRewindReinitializesWhenAllowed() {
    Decision d = divergedOldPrimary().in(afterFailover().postgresql("use_pg_rewind", true))
        .removeDataDirectoryOnRewindFailure()
        .after(new Action.Rewind("node2"), new ActionOutcome.Failed("pg_rewind exited 1"), T0.minusSeconds(1))
        .decide();
    assertEquals(Reason.REINITIALIZING, d.reason());
    assertTrue(d.has(Action.Reinitialize.class));
  }

  @Test
  void failedRewindStaysDownOtherwise() {
    Decision d = divergedOldPrimary().in(afterFailover().postgresql("use_pg_rewind", true))
        .after(new Action.Rewind("node2"), new ActionOutcome.Failed("pg_rewind exited 1"), T0.minusSeconds(1))
        .decide();
    assertEquals(Reason.REWIND_FAILED, d.reason());
    assertFalse(d.has(Action.Rewind.class));
    assertFalse(d.has(Action.StartDatabase.class));
  }

  @Test
  void successfulRewindStartsAsReplicaWithoutCheckingAgain() {
    Decision d = divergedOldPrimary().in(afterFailover().postgresql("use_pg_rewind", true))
        .after(new Action.Rewind("node2"), new ActionOutcome.Succeeded(), T0.minusSeconds(1))
        .decide();
    assertEquals(Reason.STARTING_REPLICA, d.reason());
  }

  @Test
  void rewindWaitsForTheLeaderToRun() {
    Decision d = divergedOldPrimary().in(cluster().leader("node2").history(1, 1000).postgresql("use_pg_rewind", true)
        .members(member("node1"), member("node2").primary().timeline(2).state(MemberState.STARTING))).decide();
    assertEquals(Reason.WAITING_FOR_REWIND_SOURCE, d.reason());
    assertFalse(d.has(Action.Rewind.class));
  }

  @Test
  void runningDivergedPrimaryStaysStoppedAfterItsDemotion() {
    Decision d = node("node1").in(afterFailover()).with(runningPrimary().timeline(1).wal(1500)).decide();
    Action.Demote demote = only(d, Action.Demote.class);
    assertEquals(DemoteMode.IMMEDIATE_NOLOCK, demote.mode());
    assertEquals(Optional.empty(), demote.newUpstream(), "no point starting a replica that cannot stream");
  }

  @Test
  void divergedReplicaThatCannotStreamIsStoppedForARewind() {
    Decision d = node("node1").in(afterFailover().postgresql("use_pg_rewind", true))
        .with(runningReplica().timeline(1).wal(1500).upstream("node2").notStreaming()).decide();
    assertEquals(Reason.DIVERGED_STOPPING, d.reason());
    assertEquals(StopMode.FAST, only(d, Action.StopDatabase.class).mode());
  }

  @Test
  void streamingReplicaIsNeverTakenForDiverged() {
    Decision d = node("node1").in(afterFailover().postgresql("use_pg_rewind", true))
        .with(runningReplica().timeline(1).wal(1500).upstream("node2")).decide();
    assertEquals(Reason.FOLLOWING, d.reason());
  }

  @Test
  void replicaReplayingBeforeTheSwitchIsNotDiverged() {
    // Received WAL past the switch (it is on the new timeline already), replayed only up to it.
    Decision d = node("node1").in(afterFailover().postgresql("use_pg_rewind", true))
        .with(runningReplica().timeline(1).wal(1500).replay(900).upstream("node2").notStreaming()).decide();
    assertEquals(Reason.FOLLOWING, d.reason());
  }

  @Test
  void memberOnALaterTimelineThanTheLeaderDiverged() {
    // Two members promoted from timeline 5 both call their branch 6; node1 went on to 7 on its own.
    Decision d = node("node1").in(cluster().leader("node2").history(1, 10, 2, 20, 3, 30, 4, 40, 5, 50)
            .postgresql("use_pg_rewind", true)
            .members(member("node1"), member("node2").primary().timeline(6).wal(3000)))
        .with(stoppedPrimary().timeline(7).wal(2000)).decide();
    assertEquals(Reason.REWINDING, d.reason());
  }

  @Test
  void stoppedPrimaryOnATimelineAnotherMemberCreatedIsRewound() {
    // node1 and node2 were both promoted from timeline 1; the history says timeline 2 is node2's.
    Decision d = node("node1").in(cluster().leader("node2").historyEntry(1, 1000, "node2").postgresql("use_pg_rewind", true)
            .members(member("node1"), member("node2").primary().timeline(2).wal(3000)))
        .with(stoppedPrimary().timeline(2).wal(1200)).decide();
    assertEquals(Reason.REWINDING, d.reason());
  }

  @Test
  void stoppedPrimaryOnATimelineItCreatedItselfJustFollows() {
    Decision d = node("node1").in(cluster().leader("node2").historyEntry(1, 1000, "node1")
            .members(member("node1"), member("node2").primary().timeline(2).wal(3000)))
        .with(stoppedPrimary().timeline(2).wal(1200)).decide();
    assertEquals(Reason.STARTING_REPLICA, d.reason());
  }

  @Test
  void stoppedPrimaryOnAnotherBranchWaitsForALeaderInsteadOfRacing() {
    Decision d = node("node1").in(cluster().historyEntry(1, 1000, "node2").members(member("node1")))
        .with(stoppedPrimary().timeline(2).wal(1200)).decide();
    assertEquals(Reason.DIVERGED_WAITING, d.reason());
    assertFalse(d.has(Action.StartDatabase.class));
  }

  @Test
  void replicaThatRanAsPrimaryOnAnotherBranchIsCaughtFromMemory() {
    // node1 ran as primary on its own timeline 2 and was then started as a replica: the probe says
    // replica now, the memory still knows. node2 created the cluster's timeline 2.
    Decision crashed = node("node1").in(cluster().members(member("node1")))
        .with(stoppedPrimary().timeline(2).wal(1200)).decide();
    AgentMemory m = AgentMemory.initial()
        .record(only(crashed, Action.TouchMember.class), new ActionOutcome.Succeeded(), T0.minusSeconds(60));
    Decision d = node("node1").memory(m)
        .in(cluster().leader("node2").historyEntry(1, 1000, "node2").postgresql("use_pg_rewind", true)
            .members(member("node1"), member("node2").primary().timeline(2).wal(3000)))
        .with(runningReplica().timeline(2).wal(1200).upstream("node2").notStreaming()).decide();
    assertEquals(Reason.DIVERGED_STOPPING, d.reason());
  }

  @Test
  void formerPrimaryWaitsUntilTheLeaderShowsItsPromotion() {
    Decision d = node("node1").in(cluster().leader("node2").historyEntry(1, 1000, "node1")
            .members(member("node1"), member("node2").timeline(1).wal(1000)))
        .with(stoppedPrimary().timeline(2).wal(1200)).decide();
    assertEquals(Reason.WAITING_FOR_LEADER_PROMOTION, d.reason());
    assertFalse(d.has(Action.StartDatabase.class));
  }

  @Test
  void runningPrimaryDemotedWhileTheLeaderPromotesStaysStopped() {
    Decision d = node("node1").in(cluster().leader("node2").members(member("node1"), member("node2").timeline(1)))
        .with(runningPrimary().timeline(1).wal(1200)).decide();
    assertEquals(Optional.empty(), only(d, Action.Demote.class).newUpstream());
  }

  @Test
  void leaderKeyNotYetShowingThePromotionDoesNotMakeReplicasDiverged() {
    Decision d = node("node1").in(cluster().leader("node2").postgresql("use_pg_rewind", true)
            .members(member("node1"), member("node2").timeline(1)))
        .with(LocalBuilder.stoppedReplica().timeline(2).wal(2000)).decide();
    assertEquals(Reason.STARTING_REPLICA, d.reason());
  }

  @Test
  void withoutAHistoryEntryTheMemberFollowsAndIsCheckedAgainLater() {
    Decision d = node("node1").in(cluster().leader("node2").members(member("node1"), member("node2").primary().timeline(2)))
        .with(stoppedPrimary().timeline(1).wal(1500)).decide();
    assertEquals(Reason.STARTING_REPLICA, d.reason());
  }
}
