package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.ClusterBuilder.nothing;
import static dev.primus.ha.Decisions.kinds;
import static dev.primus.ha.Decisions.only;
import static dev.primus.ha.LocalBuilder.emptyDataDirectory;
import static dev.primus.ha.LocalBuilder.stoppedReplica;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.primus.dcs.model.MemberState;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Patroni's clone "without leader" ({@code ha.py} {@code bootstrap}): a member whose replica methods include
 * one that needs no member to copy from ({@code no_leader}, a restore from a backup) builds its replica when
 * the cluster is initialized but has no leader, instead of waiting for a leader that may never come back.
 */
class ReplicaWithoutLeaderTest {

  @Test
  void initializedClusterWithoutLeaderGetsAReplicaFromTheBackupMethod() {
    Decision d = node("node3").in(cluster()).with(emptyDataDirectory()).replicaWithoutLeader().decide();
    assertEquals(Reason.CREATING_REPLICA_WITHOUT_LEADER, d.reason());
    assertEquals(Optional.empty(), only(d, Action.CreateReplica.class).source(), "no member to copy from");
    assertEquals("trying to bootstrap (without leader)", d.message());
    assertFalse(d.has(Action.RaceInitialize.class));
  }

  @Test
  void withoutSuchAMethodTheMemberKeepsWaiting() {
    Decision d = node("node3").in(cluster()).with(emptyDataDirectory()).decide();
    assertEquals(Reason.WAITING_FOR_LEADER, d.reason());
    assertFalse(d.has(Action.CreateReplica.class));
  }

  @Test
  void aLeaderIsStillTheSourceWhenThereIsOne() {
    Decision d = node("node3").in(cluster().leader("node1").members(member("node1").primary()))
        .with(emptyDataDirectory()).replicaWithoutLeader().decide();
    assertEquals(Reason.CREATING_REPLICA, d.reason());
    assertEquals(Optional.of("node1"), only(d, Action.CreateReplica.class).source());
  }

  @Test
  void aMemberThatMayRaceForInitializeStillBootstraps() {
    Decision d = node("node1").in(nothing()).with(emptyDataDirectory()).replicaWithoutLeader().decide();
    assertEquals(Reason.BOOTSTRAP_RACE, d.reason());
    assertEquals(List.of(Action.RaceInitialize.class, Action.Bootstrap.class, Action.TouchMember.class), kinds(d));
  }

  @Test
  void whileAnotherMemberBootstrapsNobodyRestoresABackup() {
    // initialize = "": the race is won and the new cluster is being made; a restore now would belong to no cluster.
    Decision d = node("node3").in(nothing().initialize("")).with(emptyDataDirectory()).replicaWithoutLeader().decide();
    assertEquals(Reason.WAITING_FOR_LEADER, d.reason());
    assertFalse(d.has(Action.CreateReplica.class));
  }

  @Test
  void aClusterNeverInitializedIsNotRestoredIntoByAMemberThatMayNotRace() {
    // Patroni 3.0.2 would clone here and then adopt the backup's system identifier; Primus leaves the first
    // cluster to a bootstrap and restores only into a cluster that exists.
    Decision d = node("node3").in(nothing()).with(emptyDataDirectory()).replicaWithoutLeader().noBootstrap().decide();
    assertEquals(Reason.WAITING_FOR_LEADER, d.reason());
    assertFalse(d.has(Action.CreateReplica.class));
  }

  @Test
  void pausedClusterIsLeftAlone() {
    Decision d = node("node3").in(cluster().paused()).with(emptyDataDirectory()).replicaWithoutLeader().decide();
    assertEquals(Reason.PAUSED, d.reason());
    assertFalse(d.has(Action.CreateReplica.class));
  }

  @Test
  void whileTheRestoreRunsTheMemberReportsCreatingReplica() {
    Decision d = node("node3").in(cluster()).with(emptyDataDirectory()).replicaWithoutLeader()
        .running(new Action.CreateReplica(Optional.empty()), T0)
        .decide();
    assertEquals(Reason.LONG_ACTION_IN_PROGRESS, d.reason());
    assertFalse(d.has(Action.CreateReplica.class), "one build at a time");
    assertEquals(MemberState.CREATING_REPLICA, only(d, Action.TouchMember.class).status().state());
  }

  @Test
  void theRestoredReplicaStartsWithNoUpstreamAndThenRaces() {
    Decision d = node("node3").in(cluster()).with(stoppedReplica()).replicaWithoutLeader()
        .after(new Action.CreateReplica(Optional.empty()), new ActionOutcome.Succeeded(), T0.minusSeconds(1))
        .decide();
    assertEquals(Reason.STARTING_REPLICA, d.reason());
    Action.StartDatabase start = only(d, Action.StartDatabase.class);
    assertEquals(DatabaseRole.REPLICA, start.role());
    assertEquals(Optional.empty(), start.upstream());
  }
}
