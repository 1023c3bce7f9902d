package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.LocalBuilder.runningPrimary;
import static dev.primus.ha.LocalBuilder.runningReplica;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static dev.primus.ha.Scenario.replicaAnswer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** When to look again: loop_wait in a steady state, sooner whenever waiting would slow a failover down. */
class RecheckTest {

  @Test
  void steadyLeaderLooksAgainAfterLoopWait() {
    Decision d = node("node1").in(cluster().leader("node1").timings(12, 2, 5)).with(runningPrimary())
        .lockUpdatedAt(T0.minusSeconds(1)).decide();
    assertEquals(Duration.ofSeconds(2), d.recheckAfter());
  }

  @Test
  void steadyFollowerLooksAgainAfterLoopWait() {
    Decision d = node("node2").in(cluster().leader("node1").members(member("node1").primary()))
        .with(runningReplica().upstream("node1")).decide();
    assertEquals(Duration.ofSeconds(10), d.recheckAfter());
  }

  @Test
  void peerQueryAndRaceLookAgainAtOnce() {
    Scenario s = node("node2").in(cluster().members(member("node2"), member("node3"))).with(runningReplica());
    assertEquals(Duration.ZERO, s.decide().recheckAfter());
    assertEquals(Duration.ZERO, s.peer("node3", replicaAnswer(0)).decide().recheckAfter());
  }

  @Test
  void roleChangesLookAgainSoon() {
    Decision demote = node("node2").in(cluster().leader("node1").members(member("node1").primary()))
        .with(runningPrimary()).decide();
    assertEquals(Duration.ofMillis(500), demote.recheckAfter());
    Decision offline = node("node1").in(cluster().leader("node1").disconnected()).with(runningPrimary()).decide();
    assertEquals(Duration.ofMillis(500), offline.recheckAfter());
  }

  @Test
  void soonIsNeverLongerThanLoopWait() {
    // loop_wait cannot be below a second in the config; the cap still applies to everything.
    Decision d = node("node2").in(cluster().timings(6, 1, 2).leader("node1").members(member("node1").primary()))
        .with(runningReplica().upstream("node1")).decide();
    assertEquals(Duration.ofSeconds(1), d.recheckAfter());
    Decision race = node("node2").in(cluster().timings(6, 1, 2).members(member("node2"), member("node3")))
        .with(runningReplica()).peer("node3", replicaAnswer(99)).decide();
    assertTrue(race.recheckAfter().compareTo(Duration.ofSeconds(1)) <= 0);
  }

  @Test
  void waitingForPostgresToStartKeepsTheLockOfTheHolder() {
    Decision d = node("node1").in(cluster().leader("node1")).with(runningPrimary().process(LocalState.ProcessState.STARTING))
        .lockUpdatedAt(T0.minusSeconds(1)).decide();
    assertEquals(Reason.STARTING, d.reason());
    assertTrue(d.has(Action.RenewLeaderLock.class));
    assertEquals(Duration.ofSeconds(10), d.recheckAfter());
  }

  @Test
  void stoppingDatabaseIsWaitedFor() {
    Decision d = node("node2").in(cluster().leader("node1").members(member("node1").primary()))
        .with(runningReplica().process(LocalState.ProcessState.STOPPING)).decide();
    assertEquals(Reason.DATABASE_STOPPING, d.reason());
  }

  @Test
  void promotionInProgressIsDemotedWhenTheDcsIsLost() {
    Decision d = node("node2").in(cluster().leader("node2").disconnected()).with(runningReplica())
        .lockUpdatedAt(T0.minusSeconds(1)).running(new Action.Promote(), T0.minusSeconds(1)).decide();
    assertEquals(Reason.DCS_UNREACHABLE_DEMOTING, d.reason());
    assertEquals(DemoteMode.OFFLINE, Decisions.only(d, Action.Demote.class).mode());
  }
}
