package dev.primus.runner.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.SyncState;
import dev.primus.dcs.model.Tags;
import dev.primus.dcs.model.Versioned;
import dev.primus.dcs.spi.ConnectionState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The health checks' status codes for the situations load balancers care about, over real HTTP. */
class TestRestHealthChecks {
  private final RestServers servers = new RestServers();
  private final FakeStatusForRestTests status = new FakeStatusForRestTests(TestNodes.replica(TestNodes.RECORDED));
  private RestClient client;

  @AfterEach
  void stop() {
    servers.close();
  }

  private RestClient client() throws Exception {
    if (client == null) {
      client = servers.start(RestServers.plain(), TestNodes.REPLICA_ID, status,
          new FakeCommandsForRestTests(TestNodes.cluster()));
    }
    return client;
  }

  private int code(String path) throws Exception {
    return client().get(path).statusCode();
  }

  private static NodeStatus with(NodeStatus s, ClusterView c, DynamicConfig config, Tags tags) {
    return new NodeStatus(c, s.local(), s.state(), s.role(), s.leaderUntil(), config, tags, s.dcsLastSeen(),
        s.nextCycleDue(), s.serverVersion(), s.replayedTimestamp(), s.replayPaused(), s.latestEndLsn(),
        s.replication(), s.scheduledRestart(), s.watchdogFailed(), s.failsafeActive());
  }

  private static ClusterView withOptime(ClusterView c, long optime) {
    return new ClusterView(c.initialize(), c.config(), c.leader(), c.members(), c.failover(), c.sync(), c.history(),
        new dev.primus.dcs.model.ClusterStatus(optime, Map.of(), List.of()), c.failsafe(), c.invalid(), c.connection());
  }

  private static Tags tags(Map<String, Object> all, boolean noLoadBalance) {
    return new Tags(false, noLoadBalance, false, Optional.empty(), false, false, 1, all);
  }

  @Test
  void pathsAreMatchedBySubstringInPatronisOrder() throws Exception {
    assertEquals(200, code("/replica"));
    assertEquals(200, code("/replica/anything"), "substring match, as Patroni");
    assertEquals(503, code("/primary"));
    assertEquals(503, code("/master"));
    assertEquals(503, code("/read-write"));
    assertEquals(503, code("/leader"));
    assertEquals(503, code("/standby_leader"));
    assertEquals(200, code("/read-only"));
    assertEquals(200, code("/health"));
    assertEquals(200, code("/async"));
    assertEquals(503, code("/sync"));
    assertEquals(503, code("/no-such-check"), "anything else is 503, as in Patroni");
  }

  @Test
  void replicaLagLimits() throws Exception {
    NodeStatus s = status.current();
    // the leader is 2 MiB ahead of what this replica replayed
    status.set(with(s, withOptime(s.cluster(), 67_108_864L + (2 << 20)), s.config(), s.tags()));
    assertEquals(503, code("/replica?lag=1MB"));
    assertEquals(503, code("/replica?lag=1048576"));
    assertEquals(200, code("/replica?lag=10MB"));
    assertEquals(200, code("/replica?lag=3145728"));
    assertEquals(200, code("/replica"), "no lag limit without the parameter");
    assertEquals(503, code("/async?lag=16kB"));
    assertEquals(200, code("/replica?lag=bogus"), "an unreadable limit is no limit, as in Patroni");
    assertEquals(503, code("/readiness"), "2 MiB behind is more than maximum_lag_on_failover (1 MiB)");
    assertEquals(200, code("/readiness?lag=3MB"));
  }

  @Test
  void tagFiltersAndNoLoadBalance() throws Exception {
    NodeStatus s = status.current();
    status.set(with(s, s.cluster(), s.config(), tags(Map.of("dc", "eu", "fast", true), false)));
    assertEquals(200, code("/replica?tag_dc=eu"));
    assertEquals(503, code("/replica?tag_dc=us"));
    assertEquals(200, code("/replica?tag_fast=true"), "non-string tags compare lowercased");
    assertEquals(503, code("/replica?tag_rack=1"), "a tag the member lacks");
    assertEquals(200, code("/health?tag_dc=eu"));
    status.set(with(s, s.cluster(), s.config(), tags(Map.of("noloadbalance", true), true)));
    assertEquals(503, code("/replica"));
    assertEquals(503, code("/read-only"));
    assertEquals(200, code("/health"));
  }

  @Test
  void replicationStateFilter() throws Exception {
    assertEquals(200, code("/replica?replication_state=streaming"));
    assertEquals(503, code("/replica?replication_state=in%20archive%20recovery"));
  }

  @Test
  void theLeaderIsLeaderOnlyWhileItsLockIsFresh() throws Exception {
    status.set(TestNodes.leader(TestNodes.RECORDED));
    assertEquals(200, code("/primary"));
    assertEquals(200, code("/"));
    assertEquals(200, code("/leader"));
    assertEquals(200, code("/read-only"));
    assertEquals(200, code("/primary?tag_dc=nowhere"), "the leader checks ignore tag filters");
    // the agent hangs: ttl (20 s) passes without a lock renewal
    servers.clock.advance(Duration.ofSeconds(21));
    assertEquals(503, code("/primary"));
    assertEquals(503, code("/leader"));
    assertEquals(503, code("/read-only"), "a primary is not a replica either");
    assertEquals(200, code("/health"), "PostgreSQL itself still runs");
  }

  @Test
  void livenessFollowsTheLoop() throws Exception {
    status.set(TestNodes.leader(TestNodes.RECORDED));
    assertEquals(200, code("/liveness"));
    // the next cycle was due 2 s after the recording; a primary is dead after ttl (30 s by default here: 20)
    servers.clock.advance(Duration.ofSeconds(2 + 20 + 1));
    assertEquals(503, code("/liveness"));
    status.set(TestNodes.replica(TestNodes.RECORDED));
    assertEquals(200, code("/liveness"), "a replica is given twice ttl");
    servers.clock.advance(Duration.ofSeconds(20));
    assertEquals(503, code("/liveness"));
    NodeStatus s = status.current();
    status.set(with(s, s.cluster(), s.config().with("pause", true), s.tags()));
    assertEquals(200, code("/liveness"), "paused: the loop may idle");
  }

  @Test
  void standbyCluster() throws Exception {
    NodeStatus s = TestNodes.leader(TestNodes.RECORDED);
    DynamicConfig standby = s.config().with("standby_cluster", Map.of("host", "remote", "port", 5432));
    status.set(new NodeStatus(s.cluster(), TestNodes.replicaLocal(67_108_864L, false), MemberState.RUNNING,
        MemberRole.STANDBY_LEADER, s.leaderUntil(), standby, s.tags(), s.dcsLastSeen(), s.nextCycleDue(),
        s.serverVersion(), Optional.empty(), false, Optional.empty(), List.of(), Optional.empty(), false, false));
    assertEquals(200, code("/standby-leader"));
    assertEquals(200, code("/standby_leader"));
    assertEquals(200, code("/leader"));
    assertEquals(503, code("/primary"));
    assertEquals(503, code("/replica"));
    assertEquals(200, code("/read-only"));
  }

  @Test
  void synchronousStandbys() throws Exception {
    NodeStatus s = status.current();
    ClusterView c = s.cluster();
    ClusterView synced = new ClusterView(c.initialize(), c.config(), c.leader(), c.members(), c.failover(),
        Optional.of(new Versioned<>(new SyncState(Optional.of("node2"), 0, List.of("node1")), 7)), c.history(),
        c.status(), c.failsafe(), c.invalid(), c.connection());
    status.set(with(s, synced, s.config().with("synchronous_mode", true), s.tags()));
    assertEquals(200, code("/sync"));
    assertEquals(200, code("/synchronous"));
    assertEquals(503, code("/async"));
    assertEquals(503, code("/quorum"));
    assertEquals(200, code("/read-only-sync"));
    assertEquals("true", String.valueOf(TestRestCommands.json(client().get("/patroni").body()).get("sync_standby")));
    status.set(with(s, synced, s.config().with("synchronous_mode", "quorum"), s.tags()));
    assertEquals(200, code("/quorum"));
    assertEquals(503, code("/sync"));
    assertEquals(200, code("/read-only-quorum"));
  }

  @Test
  void withoutTheDcs() throws Exception {
    NodeStatus s = TestNodes.leader(TestNodes.RECORDED);
    ClusterView c = s.cluster();
    ClusterView lost = new ClusterView(c.initialize(), c.config(), c.leader(), c.members(), c.failover(), c.sync(),
        c.history(), c.status(), c.failsafe(), c.invalid(), ConnectionState.LOST);
    status.set(with(s, lost, s.config(), s.tags()));
    assertEquals(200, code("/primary"), "the lock is still fresh");
    assertEquals(503, code("/async"), "sync checks need the DCS");
    assertEquals(Boolean.TRUE, TestRestCommands.json(client().get("/patroni").body()).get("cluster_unlocked"));
    NodeStatus paused = with(s, lost, s.config().with("pause", true), s.tags());
    status.set(new NodeStatus(paused.cluster(), paused.local(), paused.state(), paused.role(), Optional.empty(),
        paused.config(), paused.tags(), paused.dcsLastSeen(), paused.nextCycleDue(), paused.serverVersion(),
        paused.replayedTimestamp(), false, Optional.empty(), paused.replication(), Optional.empty(), false, false));
    assertEquals(200, code("/primary"), "paused without the DCS: the database's role decides");
  }

  @Test
  void headAndOptionsAnswerWithoutABody() throws Exception {
    var head = client().send("HEAD", "/replica", null);
    assertEquals(200, head.statusCode());
    assertEquals("", head.body());
    var options = client().send("OPTIONS", "/", null);
    assertEquals(503, options.statusCode());
    assertEquals("", options.body());
    assertEquals(503, client().send("HEAD", "/liveness", null).statusCode(),
        "HEAD is always a health check, as in Patroni");
  }
}
