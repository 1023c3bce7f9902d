package dev.primus.runner.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.agent.AgentStatus;
import dev.primus.ha.DatabaseLiveness;
import dev.primus.ha.DatabaseRole;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Health checks answer for PostgreSQL as it is now: from the status the agent looked at again for the
 * request ({@link NodeStatusSource#live()}), not from the last cycle's, which may be up to loop_wait old.
 * Right after {@code pg_ctl stop -m immediate} Patroni answers {@code /replica} with 503, and so must Primus.
 */
class TestRestLiveHealth {
  private final RestServers servers = new RestServers();

  @AfterEach
  void stop() {
    servers.close();
  }

  /** The agent's status behind {@code s}, as the agent publishes it. */
  private static AgentStatus agentStatus(NodeStatus s, String name) {
    return new AgentStatus(name, s.cluster(), s.local(), s.state(), s.role(), s.leaderUntil(), s.config(), s.tags(),
        s.dcsLastSeen(), s.nextCycleDue(), s.scheduledRestart(), s.watchdogFailed(), s.failsafeActive(),
        Optional.empty(), Optional.empty());
  }

  /** {@code cycle} as the REST API reports it after the agent's look found {@code now}. */
  private static NodeStatus looked(NodeStatus cycle, String name, DatabaseLiveness now) {
    return NodeStatus.of(agentStatus(cycle, name).withLiveness(now), "replicator");
  }

  private RestClient start(NodeIdentity id, FakeStatusForRestTests status) throws Exception {
    return servers.start(RestServers.plain(), id, status, new FakeCommandsForRestTests(TestNodes.cluster()));
  }

  @Test
  void aReplicaWhosePostmasterIsGoneFailsEveryReplicaCheckAtOnce() throws Exception {
    NodeStatus cycle = TestNodes.replica(TestNodes.RECORDED);
    FakeStatusForRestTests status = new FakeStatusForRestTests(cycle);
    RestClient c = start(TestNodes.REPLICA_ID, status);
    assertEquals(200, c.get("/replica").statusCode());

    status.setLive(looked(cycle, "node1", new DatabaseLiveness.Down()));

    for (String path : List.of("/replica", "/read-only", "/health", "/async", "/replica?lag=10MB")) {
      assertEquals(503, c.get(path).statusCode(), path);
      assertEquals(503, c.send("OPTIONS", path, null).statusCode(), "OPTIONS " + path);
      assertEquals(503, c.send("HEAD", path, null).statusCode(), "HEAD " + path);
    }
    Map<String, Object> doc = TestRestCommands.json(c.get("/patroni").body());
    assertEquals("unknown", doc.get("state"), "Patroni's state when its query fails");
    assertEquals("replica", doc.get("role"));
    assertFalse(doc.containsKey("xlog"), "nothing is known of the WAL of a server that is gone");
  }

  @Test
  void aLeaderWhosePostmasterIsGoneIsNoPrimaryForALoadBalancer() throws Exception {
    NodeStatus cycle = TestNodes.leader(TestNodes.RECORDED);
    FakeStatusForRestTests status = new FakeStatusForRestTests(cycle);
    RestClient c = start(TestNodes.LEADER_ID, status);
    assertEquals(200, c.get("/primary").statusCode());

    status.setLive(looked(cycle, "node2", new DatabaseLiveness.Down()));

    for (String path : List.of("/", "/primary", "/master", "/read-write", "/leader", "/read-only", "/health")) {
      assertEquals(503, c.get(path).statusCode(), path);
      assertEquals(503, c.send("OPTIONS", path, null).statusCode(), "OPTIONS " + path);
    }
    assertEquals(503, c.get("/readiness").statusCode());
    assertEquals("unknown", TestRestCommands.json(c.get("/patroni").body()).get("state"));
  }

  @Test
  void aLeaderThatRunsButDoesNotAnswerKeepsPatronisAnswers() throws Exception {
    // Patroni 3.0.2: the query failed, so state 'unknown' (no /health, no /replica), but /primary by the lock.
    NodeStatus cycle = TestNodes.leader(TestNodes.RECORDED);
    FakeStatusForRestTests status = new FakeStatusForRestTests(cycle);
    RestClient c = start(TestNodes.LEADER_ID, status);

    status.setLive(looked(cycle, "node2", new DatabaseLiveness.NotAnswering("timeout")));

    assertEquals(200, c.get("/primary").statusCode());
    assertEquals(200, c.get("/leader").statusCode());
    assertEquals(503, c.get("/health").statusCode());
    assertEquals("unknown", TestRestCommands.json(c.get("/patroni").body()).get("state"));
  }

  @Test
  void theServersOwnAnswerDecidesTheRoleChecks() throws Exception {
    // Promoted since the last cycle (the agent's own promotion finished): no replica any more.
    NodeStatus cycle = TestNodes.replica(TestNodes.RECORDED);
    FakeStatusForRestTests status = new FakeStatusForRestTests(cycle);
    RestClient c = start(TestNodes.REPLICA_ID, status);

    status.setLive(looked(cycle, "node1", new DatabaseLiveness.Answering(DatabaseRole.PRIMARY, 70_000_000L,
        Optional.empty(), Optional.empty())));

    assertEquals(503, c.get("/replica").statusCode());
    Map<String, Object> doc = TestRestCommands.json(c.get("/patroni").body());
    assertEquals("running", doc.get("state"));
    assertEquals("master", doc.get("role"), "Patroni 3.0.2's word for the primary");
    assertEquals(Map.of("location", 70_000_000), doc.get("xlog"));
  }

  @Test
  void onlyTheDatabasesAnswersLookAgain() throws Exception {
    FakeStatusForRestTests status = new FakeStatusForRestTests(TestNodes.replica(TestNodes.RECORDED));
    RestClient c = start(TestNodes.REPLICA_ID, status);

    for (String path : List.of("/cluster", "/history", "/config", "/liveness")) {
      c.get(path);
    }
    assertEquals(0, status.liveCalls(), "what the DCS or the loop alone knows costs no look");
    for (String path : List.of("/patroni", "/replica", "/metrics", "/readiness", "/")) {
      c.get(path);
    }
    c.send("OPTIONS", "/replica", null);
    assertTrue(status.liveCalls() >= 6, "every health answer looks: " + status.liveCalls());
  }
}
