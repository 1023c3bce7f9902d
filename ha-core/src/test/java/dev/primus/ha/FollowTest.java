package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.Decisions.kinds;
import static dev.primus.ha.Decisions.only;
import static dev.primus.ha.LocalBuilder.runningPrimary;
import static dev.primus.ha.LocalBuilder.runningReplica;
import static dev.primus.ha.LocalBuilder.stoppedReplica;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Somebody else holds the lock. */
class FollowTest {

  private static ClusterBuilder ledByNode1() {
    return cluster().leader("node1").members(member("node1").primary(), member("node2"), member("node3"));
  }

  @Test
  void runningPrimaryWithoutTheLockDemotesAndFollowsTheLeader() {
    Decision d = node("node2").in(ledByNode1()).with(runningPrimary()).decide();
    assertEquals(Reason.DEMOTING_NOT_LEADER, d.reason());
    Action.Demote demote = only(d, Action.Demote.class);
    assertEquals(DemoteMode.IMMEDIATE_NOLOCK, demote.mode());
    assertEquals(Optional.of("node1"), demote.newUpstream());
    assertEquals("demoting self because I do not have the lock and I was a leader", d.message());
  }

  @Test
  void pausedPrimaryWithoutTheLockKeepsRunning() {
    Decision d = node("node2").in(ledByNode1().paused()).with(runningPrimary()).decide();
    assertEquals(Reason.PAUSED_NO_LOCK, d.reason());
    assertFalse(d.has(Action.Demote.class));
  }

  @Test
  void replicaAlreadyStreamingFromTheLeaderDoesNothing() {
    Decision d = node("node2").in(ledByNode1()).with(runningReplica().upstream("node1")).decide();
    assertEquals(Reason.FOLLOWING, d.reason());
    assertEquals(List.of(Action.TouchMember.class), kinds(d));
    assertEquals("no action. I am (node2), a secondary, and following a leader (node1)", d.message());
  }

  @Test
  void replicaOfAnOldLeaderFollowsTheNewOne() {
    Decision d = node("node2").in(ledByNode1()).with(runningReplica().upstream("node3")).decide();
    assertEquals(Reason.FOLLOW_NEW_LEADER, d.reason());
    assertEquals("node1", only(d, Action.Follow.class).upstream());
  }

  @Test
  void replicatefromMemberIsFollowedWhenItExists() {
    Decision d = node("node2").replicateFrom("node3").in(ledByNode1()).with(runningReplica().upstream("node1")).decide();
    assertEquals("node3", only(d, Action.Follow.class).upstream());
  }

  @Test
  void replicatefromMemberThatIsGoneFallsBackToTheLeader() {
    Decision d = node("node2").replicateFrom("node9").in(ledByNode1()).with(runningReplica().upstream("node1")).decide();
    assertEquals(Reason.FOLLOWING, d.reason());
  }

  @Test
  void stoppedReplicaStartsAsAReplicaOfTheLeader() {
    Decision d = node("node2").in(ledByNode1()).with(stoppedReplica()).decide();
    assertEquals(Reason.STARTING_REPLICA, d.reason());
    Action.StartDatabase start = only(d, Action.StartDatabase.class);
    assertEquals(DatabaseRole.REPLICA, start.role());
    assertEquals(Optional.of("node1"), start.upstream());
  }

  @Test
  void stoppedReplicaWithoutLeaderStartsAsAReplicaOfNobody() {
    Decision d = node("node2").in(cluster().members(member("node2"))).with(stoppedReplica()).decide();
    assertEquals(Optional.empty(), only(d, Action.StartDatabase.class).upstream());
  }

  @Test
  void pausedClusterDoesNotRepointReplicas() {
    Decision d = node("node2").in(ledByNode1().paused()).with(runningReplica().upstream("node3")).decide();
    assertEquals(Reason.PAUSED, d.reason());
    assertFalse(d.has(Action.Follow.class));
  }
}
