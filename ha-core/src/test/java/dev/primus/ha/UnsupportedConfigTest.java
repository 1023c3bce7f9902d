package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.LocalBuilder.emptyDataDirectory;
import static dev.primus.ha.LocalBuilder.runningPrimary;
import static dev.primus.ha.LocalBuilder.runningReplica;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static dev.primus.ha.Scenario.replicaAnswer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * standby_cluster in the DCS config: Primus does not implement standby clusters, and the member that would
 * have been the standby leader must not become a read-write primary instead.
 */
class UnsupportedConfigTest {
  private static final Map<String, Object> STANDBY = Map.of("host", "10.1.0.1", "port", 5432);

  @Test
  void aNewClusterIsNotBootstrapped() {
    Decision d = node("node1").in(cluster().noInitialize().set("standby_cluster", STANDBY)).with(emptyDataDirectory())
        .decide();
    assertEquals(Reason.STANDBY_CLUSTER_REFUSED, d.reason());
    assertFalse(d.has(Action.Bootstrap.class), d.toString());
    assertFalse(d.has(Action.AcquireLeaderLock.class), d.toString());
    assertTrue(d.message().contains("standby_cluster"), d.message());
  }

  @Test
  void noReplicaRacesForAFreeLock() {
    Decision d = node("node2")
        .in(cluster().optime(1000).members(member("node2").wal(1000), member("node3").wal(900))
            .set("standby_cluster", STANDBY))
        .with(runningReplica().wal(1000).upstream("node1"))
        .peer("node3", replicaAnswer(900))
        .decide();
    assertEquals(Reason.STANDBY_CLUSTER_REFUSED, d.reason());
    assertFalse(d.has(Action.AcquireLeaderLock.class), d.toString());
    assertFalse(d.has(Action.Promote.class), d.toString());
  }

  @Test
  void withoutTheKeyTheSameReplicaRaces() {
    Decision d = node("node2")
        .in(cluster().optime(1000).members(member("node2").wal(1000), member("node3").wal(900)))
        .with(runningReplica().wal(1000).upstream("node1"))
        .peer("node3", replicaAnswer(900))
        .decide();
    assertTrue(d.has(Action.AcquireLeaderLock.class), d.toString());
  }

  @Test
  void aLeaderThatHoldsTheLockGoesOnAndItsReplicasFollow() {
    Decision leader = node("node1").in(cluster().leader("node1").set("standby_cluster", STANDBY))
        .with(runningPrimary()).lockUpdatedAt(T0.minusSeconds(5)).decide();
    assertEquals(Reason.LOCK_RENEWED, leader.reason());
    Decision replica = node("node2").in(cluster().leader("node1").set("standby_cluster", STANDBY))
        .with(runningReplica().upstream("node1")).decide();
    assertEquals(Reason.FOLLOWING, replica.reason());
  }
}
