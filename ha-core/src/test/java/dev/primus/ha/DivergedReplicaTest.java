package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.Decisions.only;
import static dev.primus.ha.LocalBuilder.runningReplica;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.primus.dcs.model.MemberState;
import org.junit.jupiter.api.Test;

/**
 * A replica that streamed WAL from an old primary past the point where the new primary's timeline forked
 * (issue 11): node2 was promoted at LSN 1000, ending timeline 1; node3, the old primary, went on to 1500 on
 * timeline 1, and node1 streamed it. Re-pointing node1 at node2 leaves PostgreSQL looping on "new timeline 2
 * forked off current database system timeline 1 before current recovery point": it is stopped, then
 * rewound from node2 (or reinitialised), never just re-pointed.
 */
class DivergedReplicaTest {

  private static ClusterBuilder afterFailover() {
    return cluster().leader("node2").history(1, 1000).postgresql("use_pg_rewind", true)
        .members(member("node1"), member("node2").primary().timeline(2).wal(3000), member("node3"));
  }

  /** Stopped (fast) for a rewind, not re-pointed; the rewind is the next decision, on a fresh view. */
  private static void assertStoppedAndRewound(Decision d) {
    assertEquals(Reason.DIVERGED_STOPPING, d.reason(), d.toString());
    assertEquals(StopMode.FAST, only(d, Action.StopDatabase.class).mode());
    assertFalse(d.has(Action.Follow.class));
  }

  @Test
  void aReplicaStreamingFromTheOldPrimaryPastTheForkIsRewoundNotRepointed() {
    Decision d = node("node1").in(afterFailover())
        .with(runningReplica().timeline(1).wal(1500).upstream("node3")).decide();
    assertStoppedAndRewound(d);
  }

  @Test
  void walOnlyReceivedPastTheForkCountsWhileItStreams() {
    // Replayed up to 900, received up to 1500 from node3 on timeline 1 (the walreceiver's): the startup
    // process will replay it.
    Decision d = node("node1").in(afterFailover())
        .with(runningReplica().timeline(1).wal(1500).replay(900).upstream("node3")).decide();
    assertStoppedAndRewound(d);
  }

  @Test
  void aReplicaRepointedAlreadyAndHoldingTheLeadersHistoryFileIsRewound() {
    // The walreceiver fetched 00000002.history from node2 (timeline 1 ended at 1000) before it found the
    // fork; recovery is at 1500 on timeline 1. Taking the file for "heading to timeline 2" left it looping.
    Decision d = node("node1").in(afterFailover())
        .with(runningReplica().timeline(1).history(1, 1000).wal(1500).upstream("node2").notStreaming()).decide();
    assertStoppedAndRewound(d);
  }

  @Test
  void aRewoundReplicaIsNotRewoundAgainBeforeItStreamsButIsCheckedOnceItDid() {
    AgentMemory rewound = AgentMemory.initial()
        .record(new Action.Rewind("node2"), new ActionOutcome.Succeeded(), Scenario.T0.minusSeconds(20))
        .record(new Action.StartDatabase(DatabaseRole.REPLICA, java.util.Optional.of("node2")), new ActionOutcome.Succeeded(),
            Scenario.T0.minusSeconds(10));
    Decision before = node("node1").in(afterFailover()).memory(rewound)
        .with(runningReplica().timeline(1).history(1, 1000).wal(1500).upstream("node2").notStreaming()).decide();
    assertEquals(Reason.FOLLOWING, before.reason(), "its recovery goes through the switch onto timeline 2");

    Decision streams = node("node1").in(afterFailover()).memory(rewound)
        .with(runningReplica().timeline(2).wal(3000).upstream("node2")).decide();
    AgentMemory after = rewound.record(only(streams, Action.TouchMember.class), new ActionOutcome.Succeeded(), Scenario.T0);
    assertEquals(AgentMemory.RewindState.NONE, after.rewind(), "once it streamed, the divergence check applies again");
  }

  @Test
  void aReplicaHoldingTheLeadersHistoryFileBeforeTheForkHeadsThereAndFollows() {
    Decision d = node("node1").in(afterFailover())
        .with(runningReplica().timeline(1).history(1, 1000).wal(900).upstream("node2").notStreaming()).decide();
    assertEquals(Reason.FOLLOWING, d.reason());
    assertFalse(d.has(Action.StopDatabase.class));
  }

  @Test
  void aReplicaStreamingFromTheOldPrimaryBeforeTheForkIsRepointed() {
    Decision d = node("node1").in(afterFailover())
        .with(runningReplica().timeline(1).wal(900).upstream("node3")).decide();
    assertEquals(Reason.FOLLOW_NEW_LEADER, d.reason());
    assertEquals("node2", only(d, Action.Follow.class).upstream());
  }

  @Test
  void onceStoppedTheSameEvidenceRewindsItFromTheLeader() {
    // The stopped replica: its control file's minimum recovery point (1500) past the switch of timeline 1,
    // and the leader's history file it fetched. It is rewound, not started to loop on the fork.
    Decision d = node("node1").in(afterFailover())
        .with(LocalBuilder.stoppedReplica().timeline(1).history(1, 1000).wal(1500).upstream("node2")).decide();
    assertEquals(Reason.REWINDING, d.reason(), d.toString());
    assertEquals("node2", only(d, Action.Rewind.class).source());
    assertFalse(d.has(Action.StartDatabase.class));
  }

  @Test
  void whileTheLeaderDoesNotRunTheStoppedReplicaWaitsForIt() {
    ClusterBuilder starting = cluster().leader("node2").history(1, 1000).postgresql("use_pg_rewind", true)
        .members(member("node1"), member("node2").primary().timeline(2).wal(3000).state(MemberState.STARTING));
    Decision d = node("node1").in(starting)
        .with(LocalBuilder.stoppedReplica().timeline(1).history(1, 1000).wal(1500).upstream("node2")).decide();
    assertEquals(Reason.WAITING_FOR_REWIND_SOURCE, d.reason());
    assertFalse(d.has(Action.Rewind.class));
    assertFalse(d.has(Action.StartDatabase.class));
  }

  @Test
  void withoutRewindButAllowedToRemoveTheDataDirectoryItIsStoppedThenReinitialised() {
    ClusterBuilder noRewind = cluster().leader("node2").history(1, 1000)
        .members(member("node1"), member("node2").primary().timeline(2).wal(3000));
    Decision running = node("node1").in(noRewind).removeDataDirectoryOnDivergedTimelines()
        .with(runningReplica().timeline(1).wal(1500).upstream("node3")).decide();
    assertEquals(Reason.DIVERGED_STOPPING, running.reason());
    Decision stopped = node("node1").in(noRewind).removeDataDirectoryOnDivergedTimelines()
        .with(LocalBuilder.stoppedReplica().timeline(1).wal(1500).upstream("node3")).decide();
    assertEquals(Reason.REINITIALIZING, stopped.reason());
    assertEquals("node2", only(stopped, Action.Reinitialize.class).source());
  }

  @Test
  void withNeitherItSaysSoAndIsNotRepointed() {
    ClusterBuilder noRewind = cluster().leader("node2").history(1, 1000)
        .members(member("node1"), member("node2").primary().timeline(2).wal(3000));
    Decision d = node("node1").in(noRewind).with(runningReplica().timeline(1).wal(1500).upstream("node3")).decide();
    assertEquals(Reason.DIVERGED_NO_REWIND, d.reason());
    assertFalse(d.has(Action.Follow.class));
    assertFalse(d.has(Action.StopDatabase.class));
  }
}
