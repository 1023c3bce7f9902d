package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.Decisions.only;
import static dev.primus.ha.LocalBuilder.stoppedPrimary;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A demotion is a sequence of decisions: the stop ({@link Action.Demote}), then, once the server is down,
 * the shutdown checkpoint into {@code status}, the lock released (if the mode gives it up) and the start as
 * a replica (if an upstream is known), each on what the cycle sees.
 */
class DemotionTest {

  private static ClusterBuilder twoNodes(String leader) {
    return cluster().leader(leader).optime(5000).members(member("node1").primary().wal(5000), member("node2").wal(5000));
  }

  private static AgentMemory stoppedBy(DemoteMode mode, Optional<String> upstream) {
    return AgentMemory.initial()
        .record(new Action.RenewLeaderLock(), new ActionOutcome.Succeeded(), T0.minusSeconds(2))
        .record(new Action.Demote(mode, upstream), new ActionOutcome.Succeeded(), T0.minusSeconds(1));
  }

  @Test
  void afterAGracefulStopTheCheckpointGoesToStatusThenTheLockThenTheReplicaStarts() {
    Decision d = node("node1").in(twoNodes("node1")).with(stoppedPrimary().wal(5100))
        .memory(stoppedBy(DemoteMode.GRACEFUL, Optional.of("node2"))).decide();
    assertEquals(Reason.DEMOTED_RELEASING_LOCK, d.reason());
    List<Action> acts = d.actions().stream().filter(a -> !(a instanceof Action.TouchMember)
        && !(a instanceof Action.DisableWatchdog)).toList();
    assertEquals(List.of(Action.WriteStatus.class, Action.ReleaseLeaderLock.class, Action.StartDatabase.class),
        acts.stream().map(Object::getClass).toList());
    assertEquals(5100, only(d, Action.WriteStatus.class).status().optime());
    assertEquals(new Action.StartDatabase(DatabaseRole.REPLICA, Optional.of("node2")), only(d, Action.StartDatabase.class));
  }

  @Test
  void anImmediateDemotionReleasesWithoutACheckpointWhenTheStopWasNotClean() {
    Decision d = node("node1").in(twoNodes("node1")).with(LocalBuilder.crashedPrimary().unclean().wal(5100))
        .memory(stoppedBy(DemoteMode.IMMEDIATE, Optional.empty())).decide();
    assertEquals(Reason.DEMOTED_RELEASING_LOCK, d.reason());
    assertFalse(d.has(Action.WriteStatus.class), "no clean shutdown checkpoint to publish");
    assertTrue(d.has(Action.ReleaseLeaderLock.class));
    assertFalse(d.has(Action.StartDatabase.class));
  }

  @Test
  void aLockThatIsNoLongerMineIsNotReleasedButTheReplicaStillStarts() {
    Decision d = node("node1").in(twoNodes("node2")).with(stoppedPrimary().wal(5100))
        .memory(stoppedBy(DemoteMode.GRACEFUL, Optional.of("node2"))).decide();
    assertEquals(Reason.DEMOTED_STARTING_REPLICA, d.reason());
    assertFalse(d.has(Action.ReleaseLeaderLock.class));
    assertFalse(d.has(Action.WriteStatus.class));
    assertEquals(Optional.of("node2"), only(d, Action.StartDatabase.class).upstream());
  }

  @Test
  void anOfflineDemotionOwesNothingAndTheCrashedLeaderRuleApplies() {
    Decision d = node("node1").in(twoNodes("node1")).with(stoppedPrimary().wal(5100))
        .memory(stoppedBy(DemoteMode.OFFLINE, Optional.empty())).decide();
    assertFalse(d.reason() == Reason.DEMOTED_RELEASING_LOCK || d.reason() == Reason.DEMOTED_STARTING_REPLICA, d.toString());
  }

  @Test
  void nothingIsFinishedWhileTheStopRunsOrWithoutTheDcs() {
    AgentMemory m = stoppedBy(DemoteMode.GRACEFUL, Optional.of("node2"));
    Decision running = node("node1").in(twoNodes("node1")).with(stoppedPrimary())
        .memory(m).running(new Action.StartDatabase(DatabaseRole.REPLICA, Optional.of("node2")), T0).decide();
    assertFalse(running.has(Action.ReleaseLeaderLock.class));
    Decision offline = node("node1").in(twoNodes("node1").disconnected()).with(stoppedPrimary()).memory(m).decide();
    assertFalse(offline.has(Action.ReleaseLeaderLock.class), "nothing is written without the DCS; it waits for it");
  }

  @Test
  void aReleaseThatFailedIsTriedAgainNextCycle() {
    AgentMemory m = stoppedBy(DemoteMode.GRACEFUL, Optional.of("node2"))
        .record(new Action.ReleaseLeaderLock(), new ActionOutcome.DcsUnavailable("timeout"), T0);
    Decision d = node("node1").in(twoNodes("node1")).with(stoppedPrimary().wal(5100)).memory(m).decide();
    assertTrue(d.has(Action.ReleaseLeaderLock.class));
  }
}
