package dev.primus.runner.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.ha.FailsafeNotice;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** POST /failsafe, peer to peer: Patroni's status codes and bodies, the lsn header, what the loop is told. */
class TestRestFailsafe {
  private static final String BODY =
      "{\"name\":\"node2\",\"conn_url\":\"postgres://10.0.0.2:5432/postgres\",\"api_url\":\"http://10.0.0.2:8008/patroni\","
      + "\"slots\":{\"node2\":67108864}}";

  private final RestServers servers = new RestServers();
  private final FakeStatusForRestTests status = new FakeStatusForRestTests(failsafeOn(TestNodes.replica(TestNodes.RECORDED)));
  private final FakeCommandsForRestTests commands = new FakeCommandsForRestTests(TestNodes.cluster());
  private RestClient client;

  @BeforeEach
  void start() throws Exception {
    client = servers.start(RestServers.plain(), TestNodes.REPLICA_ID, status, commands);
  }

  @AfterEach
  void stop() {
    servers.close();
  }

  private static NodeStatus failsafeOn(NodeStatus s) {
    return withConfig(s, true);
  }

  private static NodeStatus withConfig(NodeStatus s, boolean failsafe) {
    return new NodeStatus(s.cluster(), s.local(), s.state(), s.role(), s.leaderUntil(),
        s.config().with("failsafe_mode", failsafe), s.tags(), s.dcsLastSeen(), s.nextCycleDue(), s.serverVersion(),
        s.replayedTimestamp(), s.replayPaused(), s.latestEndLsn(), s.replication(), s.scheduledRestart(),
        s.watchdogFailed(), s.failsafeActive());
  }

  private HttpResponse<String> post(String body) {
    return client.send("POST", "/failsafe", body);
  }

  @Test
  void aReplicaAcceptsRemembersTheSenderAndReportsItsLsn() {
    commands.failsafeReply = new dev.primus.agent.AgentCommands.FailsafeReply.Accepted(67108864);
    HttpResponse<String> r = post(BODY);
    assertEquals(200, r.statusCode());
    assertEquals("Accepted", r.body());
    assertEquals(Optional.of("67108864"), r.headers().firstValue("lsn"));
    assertEquals(List.of(new FailsafeNotice("node2", "http://10.0.0.2:8008/patroni",
        "postgres://10.0.0.2:5432/postgres", TestNodes.RECORDED)), commands.failsafeNotices);
  }

  @Test
  void aRunningPrimaryRefusesWith500() {
    status.set(failsafeOn(TestNodes.leader(TestNodes.RECORDED)));
    commands.failsafeReply = new dev.primus.agent.AgentCommands.FailsafeReply.RunningAsLeader();
    HttpResponse<String> r = post(BODY);
    assertEquals(500, r.statusCode());
    assertEquals("Running as a leader", r.body());
  }

  @Test
  void failsafeModeOffAnswers502() {
    status.set(withConfig(TestNodes.replica(TestNodes.RECORDED), false));
    assertEquals(502, post(BODY).statusCode());
    assertEquals(List.of(), commands.failsafeNotices);
  }

  @Test
  void badJsonIs400NamingTheProblem() {
    HttpResponse<String> notJson = post("{name: node2");
    assertEquals(400, notJson.statusCode());
    assertTrue(notJson.body().contains("not valid JSON"), notJson.body());

    HttpResponse<String> noName = post("{\"conn_url\":\"postgres://x/postgres\",\"api_url\":\"http://x/patroni\"}");
    assertEquals(400, noName.statusCode());
    assertTrue(noName.body().contains("'name'"), noName.body());

    HttpResponse<String> badApi = post("{\"name\":\"node2\",\"conn_url\":\"postgres://x/postgres\",\"api_url\":7}");
    assertEquals(400, badApi.statusCode());
    assertTrue(badApi.body().contains("'api_url'"), badApi.body());
    assertEquals(List.of(), commands.failsafeNotices);
  }
}
