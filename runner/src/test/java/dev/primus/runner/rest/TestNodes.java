package dev.primus.runner.rest;

import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.Tags;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.LocalState;
import dev.primus.runner.PrimusVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The two members the fixtures were recorded from: node2, the leader, and node1, a replica, at the
 * moment of recording (2026-11-22 04:15:45 UTC), as the HA loop would describe them.
 */
final class TestNodes {
  static final Instant RECORDED = Instant.parse("2026-11-22T04:15:45Z");
  static final String SYSID = "7710844693306361226";
  /** As the agent identifies itself: the Patroni release it is compatible with, and its own version beside. */
  static final NodeIdentity LEADER_ID = new NodeIdentity("demo", "node2", PrimusVersion.PATRONI_COMPATIBLE,
      Optional.of("0.1.0-test"));
  static final NodeIdentity REPLICA_ID = new NodeIdentity("demo", "node1", PrimusVersion.PATRONI_COMPATIBLE,
      Optional.of("0.1.0-test"));

  private TestNodes() {}

  static ClusterView cluster() {
    return Fixtures.cluster("01-bootstrapped.json");
  }

  static DynamicConfig config(ClusterView c) {
    return c.config().orElseThrow().value();
  }

  static NodeStatus leader(Instant now) {
    ClusterView c = cluster();
    LocalState local = new LocalState(LocalState.DataDirectoryState.INITIALIZED, Optional.of(SYSID),
        LocalState.ProcessState.RUNNING, Optional.of(DatabaseRole.PRIMARY), Optional.of(1L), 67_108_864L,
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), true, false, Map.of(),
        Optional.of(Instant.parse("2026-11-22T04:15:33.805367Z")), List.of());
    List<ReplicationRow> rows = List.of(
        new ReplicationRow("replicator", "node1", Optional.of("127.0.0.1"), "streaming", "async", 0),
        new ReplicationRow("replicator", "node3", Optional.of("127.0.0.1"), "streaming", "async", 0));
    return new NodeStatus(c, local, MemberState.RUNNING, MemberRole.PRIMARY, Optional.of(now.plusSeconds(20)),
        config(c), Tags.NONE, Optional.of(Instant.ofEpochSecond(1_795_320_945L)), now.plus(Duration.ofSeconds(2)),
        150018, Optional.empty(), false, Optional.empty(), rows, Optional.empty(), false, false);
  }

  static NodeStatus replica(Instant now) {
    ClusterView c = cluster();
    return new NodeStatus(c, replicaLocal(67_108_864L, false), MemberState.RUNNING, MemberRole.REPLICA,
        Optional.empty(), config(c), Tags.NONE, Optional.of(Instant.ofEpochSecond(1_795_320_945L)),
        now.plus(Duration.ofSeconds(2)), 150018, Optional.empty(), false, Optional.of(67_108_864L), List.of(),
        Optional.empty(), false, false);
  }

  static LocalState replicaLocal(long replayed, boolean pendingRestart) {
    return new LocalState(LocalState.DataDirectoryState.INITIALIZED, Optional.of(SYSID),
        LocalState.ProcessState.RUNNING, Optional.of(DatabaseRole.REPLICA), Optional.of(1L), replayed,
        Optional.of(replayed), Optional.of(replayed), Optional.of(LocalState.ReplicationState.STREAMING),
        Optional.of("node2"), true, pendingRestart, Map.of(),
        Optional.of(Instant.parse("2026-11-22T04:15:36.969311Z")), List.of());
  }
}
