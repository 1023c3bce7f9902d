package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.Decisions.only;
import static dev.primus.ha.LocalBuilder.runningPrimary;
import static dev.primus.ha.LocalBuilder.runningReplica;
import static dev.primus.ha.LocalBuilder.stoppedPrimary;
import static dev.primus.ha.LocalBuilder.stoppedReplica;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.primus.dcs.model.TimelineHistory;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The server's own timeline history ({@link LocalState#timelineHistory}) against the cluster's: where
 * the branches really split, not what the timeline numbers or a lower-bound switch LSN suggest.
 */
class OwnTimelineHistoryTest {

  /** node2's memory after it raced as a replica at {@code lsn} on {@code timeline} and got promoted. */
  private static AgentMemory promotedFrom(long timeline, long lsn) {
    Decision race = node("node2").in(cluster().members(member("node2")))
        .with(runningReplica().timeline(timeline).wal(lsn)).decide();
    AgentMemory m = AgentMemory.initial();
    for (Action a : race.actions()) {
      m = m.record(a, new ActionOutcome.Succeeded(), T0.minusSeconds(5));
    }
    return m;
  }

  @Test
  void historyEntryUsesTheExactSwitchLsnFromTheServersOwnHistory() {
    // The replica status published before the promotion said 4200 (a lower bound: the old primary's
    // shutdown checkpoint arrived later); the server's 00000002.history says timeline 1 ended at 4300.
    Decision d = node("node2").in(cluster().leader("node2").members(member("node2").primary().timeline(2)))
        .with(runningPrimary().timeline(2).wal(5000).history(1, 4300)).memory(promotedFrom(1, 4200)).decide();
    TimelineHistory written = only(d, Action.WriteHistory.class).history();
    assertEquals(1, written.entries().size());
    assertEquals(1, written.entries().get(0).timeline());
    assertEquals(4300, written.entries().get(0).switchLsn());
    assertEquals(Optional.of("node2"), written.entries().get(0).newLeader());
  }

  @Test
  void lowerBoundHistoryEntryIsCorrectedOnceTheOwnHistoryIsKnown() {
    Decision d = node("node2").in(cluster().leader("node2").history(1, 4200)
            .members(member("node2").primary().timeline(2)))
        .with(runningPrimary().timeline(2).wal(5000).history(1, 4300)).decide();
    assertEquals(4300, only(d, Action.WriteHistory.class).history().entries().get(0).switchLsn());
  }

  @Test
  void switchoverOldPrimaryIsNotDivergedWhenItsShutdownCheckpointIsTheSwitchPoint() {
    // node2 wrote its exact switch point (the end of node1's shutdown checkpoint) into the history.
    Decision d = node("node1").in(cluster().leader("node2").history(1, 4300).postgresql("use_pg_rewind", true)
            .members(member("node1"), member("node2").primary().timeline(2).wal(6000)))
        .with(stoppedPrimary().timeline(1).wal(4300)).decide();
    assertEquals(Reason.STARTING_REPLICA, d.reason());
    assertEquals(Optional.of("node2"), only(d, Action.StartDatabase.class).upstream());
    assertFalse(d.has(Action.Rewind.class));
  }

  @Test
  void memberOnASameNumberedDifferentBranchIsDiverged() {
    // The cluster's timeline 3 came from timeline 2 at 2000; node3's timeline 3 left timeline 2 at 1800
    // (another failover that picked the same number). Its raw position 1900 looks fine; it is not.
    Decision d = node("node3").in(cluster().leader("node2").history(1, 1000, 2, 2000)
            .postgresql("use_pg_rewind", true)
            .members(member("node2").primary().timeline(3).wal(3000), member("node3")))
        .with(stoppedReplica().timeline(3).wal(1900).history(1, 1000, 2, 1800)).decide();
    assertEquals(Reason.REWINDING, d.reason());
    assertEquals("node2", only(d, Action.Rewind.class).source());
  }

  @Test
  void memberOnASameNumberedDifferentBranchIsRankedOnlyUpToTheFork() {
    // Its raw position 2.9 MB is 200 kB behind the last primary's 3.1 MB, within maximum_lag_on_failover;
    // but its timeline 3 left timeline 2 at 1 MB, where the cluster's left it at 3 MB: it shares only 1 MB.
    Decision d = node("node3").in(cluster().history(1, 1000, 2, 3_000_000).optime(3_100_000).members(member("node3")))
        .with(runningReplica().timeline(3).wal(2_900_000).history(1, 1000, 2, 1_000_000)).decide();
    assertEquals(Reason.LAGGING, d.reason());
    assertFalse(d.has(Action.AcquireLeaderLock.class));
    assertFalse(d.has(Action.Promote.class));
  }

  @Test
  void memberThatLeftTheClustersCurrentTimelineIsNoCandidateForPromotion() {
    // The cluster is on timeline 2 (its last primary got to 5000); node3's history says it left timeline
    // 2 at 4000 for a timeline 3 the cluster never had: where that branch really parted is not known.
    Decision d = node("node3").in(cluster().history(1, 1000).optime(5000).members(member("node3")))
        .with(runningReplica().timeline(3).wal(4500).history(1, 1000, 2, 4000)).decide();
    assertEquals(Reason.DIVERGED_WAITING, d.reason());
    assertFalse(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void rewoundReplicaIsNotStoppedAgainBeforeItStreams() {
    // Right after pg_rewind the replica still reports timeline 1 (its last checkpoint) and has replayed
    // past the switch point, but its 00000002.history (copied from the leader) carries it onto the
    // leader's timeline 2. A replica that streamed the old primary's WAL past the switch and then fetched
    // the same file from the leader reports exactly this too (issue 11): only the memory of the rewind
    // tells them apart, until the rewound one streams (see DivergedReplicaTest).
    Decision d = node("node1").in(cluster().leader("node2").history(1, 1000).postgresql("use_pg_rewind", true)
            .members(member("node1"), member("node2").primary().timeline(2).wal(3000)))
        .with(runningReplica().timeline(1).wal(1500).notStreaming().upstream("node2").history(1, 1000))
        .after(new Action.Rewind("node2"), new ActionOutcome.Succeeded(), T0.minusSeconds(20))
        .after(new Action.StartDatabase(DatabaseRole.REPLICA, java.util.Optional.of("node2")), new ActionOutcome.Succeeded(),
            T0.minusSeconds(10))
        .decide();
    assertFalse(d.has(Action.StopDatabase.class), d.reason().toString());
  }
}
