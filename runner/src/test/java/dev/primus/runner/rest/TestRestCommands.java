package dev.primus.runner.rest;

import dev.primus.agent.AgentCommands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.SyncState;
import dev.primus.dcs.model.Versioned;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.WriteResult;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The unsafe endpoints: request validation, what reaches ClusterCommands, and the status codes. */
class TestRestCommands {
  private final RestServers servers = new RestServers();
  private final FakeStatusForRestTests status = new FakeStatusForRestTests(TestNodes.leader(TestNodes.RECORDED));
  private final FakeCommandsForRestTests commands = new FakeCommandsForRestTests(TestNodes.cluster());
  private RestClient client;

  @BeforeEach
  void start() throws Exception {
    client = servers.start(RestServers.plain(), TestNodes.LEADER_ID, status, commands);
  }

  @AfterEach
  void stop() {
    servers.close();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> json(String body) {
    try {
      return Fixtures.JSON.readValue(body, Map.class);
    } catch (IOException e) {
      throw new IllegalStateException(body, e);
    }
  }

  private HttpResponse<String> post(String path, String body) {
    return client.send("POST", path, body);
  }

  // ---- switchover and failover --------------------------------------------------------------

  @Test
  void immediateSwitchover() {
    HttpResponse<String> r = post("/switchover", "{\"leader\":\"node2\",\"candidate\":\"node1\"}");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("Successfully switched over to \"node1\"", r.body(), "Patroni 3.0.2's words, which patronictl prints");
    assertEquals(List.of(new dev.primus.ha.SwitchoverRequest(dev.primus.ha.SwitchoverRequest.Kind.SWITCHOVER, Optional.of("node2"),
        Optional.of("node1"), Optional.empty())), commands.switchovers);
  }

  /**
   * patronictl 3.0.2's failover sends the current leader too: it runs as a switchover, but Patroni answers in
   * the words of the endpoint asked, and so must Primus (it said "successfully switched over").
   */
  @Test
  void aFailoverNamingTheLeaderIsAnsweredAsAFailover() {
    HttpResponse<String> r = post("/failover", "{\"leader\":\"node2\",\"candidate\":\"node1\"}");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("Successfully failed over to \"node1\"", r.body());
    assertEquals(dev.primus.ha.SwitchoverRequest.Kind.SWITCHOVER, commands.switchovers.get(0).kind(),
        "the leader named: it runs as a switchover");

    commands.switchoverResult = new AgentCommands.SwitchoverResult.NotPossible("candidate node1 cannot take over");
    HttpResponse<String> refused = post("/failover", "{\"leader\":\"node2\",\"candidate\":\"node1\"}");
    assertEquals(412, refused.statusCode(), refused.body());
    assertEquals("failover is not possible: candidate node1 cannot take over", refused.body());
  }

  @Test
  void switchoverToAnotherMemberThanAsked() {
    commands.switchoverResult = new AgentCommands.SwitchoverResult.Completed("node3");
    HttpResponse<String> r = post("/switchover", "{\"leader\":\"node2\",\"candidate\":\"node1\"}");
    assertEquals(200, r.statusCode());
    assertEquals("Switched over to \"node3\" instead of \"node1\"", r.body());
    HttpResponse<String> f = post("/failover", "{\"candidate\":\"node1\"}");
    assertEquals("Failed over to \"node3\" instead of \"node1\"", f.body());
  }

  @Test
  void scheduledSwitchover() {
    commands.switchoverResult = new AgentCommands.SwitchoverResult.Scheduled();
    HttpResponse<String> r = post("/switchover", "{\"leader\":\"node2\",\"scheduled_at\":\"2026-11-22T05:16:00+00:00\"}");
    assertEquals(202, r.statusCode(), r.body());
    assertEquals("Switchover scheduled", r.body());
    assertEquals(Optional.of(OffsetDateTime.parse("2026-11-22T05:16:00+00:00")), commands.switchovers.get(0).scheduledAt());
  }

  @Test
  void switchoverValidation() {
    commands.switchoverResult = new AgentCommands.SwitchoverResult.Scheduled();
    assertEquals(400, post("/switchover", "{\"candidate\":\"node1\"}").statusCode(), "a switchover needs the leader");
    assertEquals(400, post("/failover", "{\"leader\":\"node2\"}").statusCode(), "a failover needs a candidate");
    HttpResponse<String> unknown = post("/switchover", "{\"leader\":\"node2\",\"candidat\":\"node1\"}");
    assertEquals(400, unknown.statusCode());
    assertTrue(unknown.body().contains("unknown field 'candidat'"), unknown.body());
    HttpResponse<String> badJson = post("/switchover", "{\"leader\": node2}");
    assertEquals(400, badJson.statusCode());
    assertTrue(badJson.body().startsWith("the body is not valid JSON"), badJson.body());
    HttpResponse<String> wrongType = post("/switchover", "{\"leader\": 2}");
    assertEquals(400, wrongType.statusCode());
    assertTrue(wrongType.body().contains("field 'leader' must be a string"), wrongType.body());
    assertEquals(400, post("/switchover", "[1, 2]").statusCode());
    assertEquals(400, post("/switchover", "{\"leader\":\"node2\",\"candidate\":\"node2\"}").statusCode());
    assertEquals(400, post("/failover", "{\"candidate\":\"node1\",\"scheduled_at\":\"2026-11-22T05:16:00+00:00\"}")
        .statusCode(), "a failover cannot be scheduled");
    assertEquals(400, post("/switchover", "{\"leader\":\"node2\",\"scheduled_at\":\"2026-11-22T05:16:00\"}")
        .statusCode(), "a schedule needs a timezone");
    assertEquals(422, post("/switchover", "{\"leader\":\"node2\",\"scheduled_at\":\"2026-11-22T04:00:00+00:00\"}")
        .statusCode(), "a schedule in the past");
    assertEquals(422, post("/switchover", "{\"leader\":\"node2\",\"scheduled_at\":\"tomorrow\"}").statusCode());
    assertEquals(List.of(), commands.switchovers, "nothing invalid reaches the agent");
  }

  @Test
  void switchoverNotPossible() {
    HttpResponse<String> wrongLeader = post("/switchover", "{\"leader\":\"node1\",\"candidate\":\"node3\"}");
    assertEquals(412, wrongLeader.statusCode());
    assertTrue(wrongLeader.body().contains("'node2'"), wrongLeader.body());
    assertEquals(412, post("/switchover", "{\"leader\":\"node2\",\"candidate\":\"node9\"}").statusCode());
    assertEquals(List.of(), commands.switchovers);

    commands.switchoverResult = new AgentCommands.SwitchoverResult.NotPossible("no healthy candidate answered");
    HttpResponse<String> r = post("/switchover", "{\"leader\":\"node2\"}");
    assertEquals(412, r.statusCode());
    assertEquals("switchover is not possible: no healthy candidate answered", r.body());
  }

  @Test
  void switchoverFailures() {
    commands.switchoverResult = new AgentCommands.SwitchoverResult.Failed("the leader did not change within 20 s");
    assertEquals(503, post("/switchover", "{\"leader\":\"node2\"}").statusCode());
    commands.readFailure = new DcsException(DcsException.Kind.UNAVAILABLE, "etcd is down");
    HttpResponse<String> r = post("/switchover", "{\"leader\":\"node2\"}");
    assertEquals(503, r.statusCode());
    assertTrue(r.body().contains("etcd is down"), r.body());
  }

  @Test
  void failoverNamingTheLeaderIsASwitchover() {
    commands.switchoverResult = new AgentCommands.SwitchoverResult.Completed("node1");
    HttpResponse<String> r = post("/failover", "{\"leader\":\"node2\",\"member\":\"node1\"}");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(dev.primus.ha.SwitchoverRequest.Kind.SWITCHOVER, commands.switchovers.get(0).kind());
    assertEquals(Optional.of("node1"), commands.switchovers.get(0).candidate(), "member is candidate's old name");
    post("/failover", "{\"candidate\":\"node3\"}");
    assertEquals(dev.primus.ha.SwitchoverRequest.Kind.FAILOVER, commands.switchovers.get(1).kind());
  }

  @Test
  void inSynchronousModeOnlyASynchronousStandbyMayBeNamed() {
    ClusterView c = commands.cluster;
    commands.cluster = new ClusterView(c.initialize(), Optional.of(new Versioned<>(c.config().orElseThrow().value()
        .with("synchronous_mode", true), 12)), c.leader(), c.members(), c.failover(),
        Optional.of(new Versioned<>(new SyncState(Optional.of("node2"), 0, List.of("node1")), 30)), c.history(), c.status(),
        c.failsafe(), c.invalid(), c.connection());
    commands.switchoverResult = new AgentCommands.SwitchoverResult.Completed("node1");
    HttpResponse<String> switchover = post("/switchover", "{\"leader\":\"node2\",\"candidate\":\"node3\"}");
    assertEquals(412, switchover.statusCode());
    assertTrue(switchover.body().contains("'node3' is not a synchronous standby"), switchover.body());
    HttpResponse<String> failover = post("/failover", "{\"candidate\":\"node3\"}");
    assertEquals(412, failover.statusCode(), "the engine would never promote it, so the request is not left pending");
    assertTrue(failover.body().contains("turn synchronous_mode off"), failover.body());
    assertEquals(List.of(), commands.switchovers);
    assertEquals(200, post("/failover", "{\"candidate\":\"node1\"}").statusCode());
  }

  @Test
  void pausedClusterNeedsACandidateAndCannotSchedule() {
    ClusterView c = commands.cluster;
    commands.cluster = new ClusterView(c.initialize(), Optional.of(new Versioned<>(c.config().orElseThrow().value()
        .with("pause", true), 12)), c.leader(), c.members(), c.failover(), c.sync(), c.history(), c.status(),
        c.failsafe(), c.invalid(), c.connection());
    assertEquals(400, post("/switchover", "{\"leader\":\"node2\"}").statusCode());
    assertEquals(400, post("/switchover", "{\"leader\":\"node2\",\"candidate\":\"node1\",\"scheduled_at\":"
        + "\"2026-11-22T05:16:00+00:00\"}").statusCode());
    assertEquals(200, post("/switchover", "{\"leader\":\"node2\",\"candidate\":\"node1\"}").statusCode());
  }

  @Test
  void deleteScheduledSwitchover() {
    assertEquals(404, client.send("DELETE", "/switchover", null).statusCode(), "nothing scheduled");
    commands.cluster = Fixtures.cluster("04-scheduled-switchover.json");
    HttpResponse<String> r = client.send("DELETE", "/switchover", null);
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(List.of(54L), commands.clearedFailoverVersions, "CAS on the failover key's version");
    commands.clearFailoverResult = new WriteResult.Conflict(Optional.empty());
    assertEquals(409, client.send("DELETE", "/switchover", null).statusCode());
  }

  // ---- restart, reload, reinitialize --------------------------------------------------------

  @Test
  void restartNowAndItsConditions() {
    HttpResponse<String> r = post("/restart", "");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(dev.primus.ha.RestartRequest.NOW, commands.restarts.get(0));
    r = post("/restart", "{\"role\":\"master\",\"postgres_version\":\"15.2\",\"timeout\":\"30s\",\"restart_pending\":true}");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(new dev.primus.ha.RestartRequest(Optional.empty(), Optional.of(MemberRole.PRIMARY), Optional.of(150002),
        Optional.of(Duration.ofSeconds(30)), true), commands.restarts.get(1));
    commands.restartResult = new AgentCommands.RestartResult.Failed("restart conditions are not satisfied");
    assertEquals(503, post("/restart", "{}").statusCode());
  }

  @Test
  void restartScheduling() {
    commands.restartResult = new AgentCommands.RestartResult.Scheduled();
    assertEquals(202, post("/restart", "{\"schedule\":\"2026-11-22T06:00:00+00:00\"}").statusCode());
    assertEquals(Optional.of(OffsetDateTime.parse("2026-11-22T06:00:00+00:00")), commands.restarts.get(0).schedule());
    commands.restartResult = new AgentCommands.RestartResult.AlreadyScheduled();
    assertEquals(409, post("/restart", "{\"schedule\":\"2026-11-22T06:00:00+00:00\"}").statusCode());
    assertEquals(422, post("/restart", "{\"schedule\":\"2020-01-01T00:00:00+00:00\"}").statusCode());
  }

  @Test
  void restartValidation() {
    assertEquals(400, post("/restart", "{\"role\":\"boss\"}").statusCode());
    assertEquals(400, post("/restart", "{\"postgres_version\":\"fifteen\"}").statusCode());
    assertEquals(400, post("/restart", "{\"timeout\":0}").statusCode());
    HttpResponse<String> unknown = post("/restart", "{\"when\":\"now\"}");
    assertEquals(400, unknown.statusCode());
    assertTrue(unknown.body().contains("'when'"), unknown.body());
    assertEquals(List.of(), commands.restarts);
    status.update(s -> new NodeStatus(s.cluster(), s.local(), s.state(), s.role(), s.leaderUntil(),
        s.config().with("pause", true), s.tags(), s.dcsLastSeen(), s.nextCycleDue(), s.serverVersion(),
        s.replayedTimestamp(), s.replayPaused(), s.latestEndLsn(), s.replication(), s.scheduledRestart(),
        s.watchdogFailed(), s.failsafeActive()));
    assertEquals(500, post("/restart", "{\"schedule\":\"2026-11-22T06:00:00+00:00\"}").statusCode(),
        "no scheduling while paused");
  }

  @Test
  void deleteScheduledRestart() {
    assertEquals(404, client.send("DELETE", "/restart", null).statusCode());
    commands.restartScheduled = true;
    assertEquals(200, client.send("DELETE", "/restart", null).statusCode());
  }

  @Test
  void reloadAndReinitialize() {
    HttpResponse<String> r = post("/reload", "");
    assertEquals(202, r.statusCode());
    assertEquals(1, commands.reloads.get());
    assertEquals(200, post("/reinitialize", "{\"force\":true,\"from-leader\":true}").statusCode());
    assertEquals(List.of(true, true), commands.reinitializations.get(0));
    assertEquals(400, post("/reinitialize", "{\"forse\":true}").statusCode());
  }

  // ---- config -------------------------------------------------------------------------------

  @Test
  void patchConfigMergesAndWritesWithCas() {
    HttpResponse<String> r = client.send("PATCH", "/config",
        "{\"postgresql\":{\"parameters\":{\"max_connections\":101}},\"ttl\":null}");
    assertEquals(200, r.statusCode(), r.body());
    Map<String, Object> patched = json(r.body());
    assertEquals(null, patched.get("ttl"));
    assertEquals(101, ((Map<?, ?>) ((Map<?, ?>) patched.get("postgresql")).get("parameters")).get("max_connections"));
    assertEquals(1, commands.configWrites.size());
    assertEquals(OptionalLong.of(12), commands.configWrites.get(0).expectedVersion(), "CAS on the config key's version");
    assertEquals(new DynamicConfig(patched), commands.configWrites.get(0).config());
  }

  @Test
  void patchConfigLikeTheFixture() throws Exception {
    HttpResponse<String> r = client.send("PATCH", "/config", "{\"postgresql\":{\"parameters\":{\"max_connections\":101}}}");
    assertEquals(Fixtures.json("leader-PATCH-config"), Fixtures.JSON.readValue(r.body(), Object.class));
  }

  @Test
  void patchConfigOutcomes() throws Exception {
    assertEquals(200, client.send("PATCH", "/config", "{\"ttl\":20}").statusCode(), "unchanged");
    assertEquals(List.of(), commands.configWrites, "nothing to write when the patch changes nothing");
    commands.configWriteResult = new WriteResult.Conflict(Optional.empty());
    assertEquals(409, client.send("PATCH", "/config", "{\"ttl\":25}").statusCode());
    assertEquals(400, client.send("PATCH", "/config", "{\"ttl\":").statusCode());
    assertEquals(400, client.send("PATCH", "/config", "{}").statusCode());
    ClusterView c = commands.cluster;
    commands.cluster = new ClusterView(c.initialize(), Optional.empty(), c.leader(), c.members(), c.failover(),
        c.sync(), c.history(), c.status(), c.failsafe(), c.invalid(), c.connection());
    assertEquals(503, client.send("PATCH", "/config", "{\"ttl\":25}").statusCode(), "no config key");
    String noLength = client.raw("PATCH /config HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    assertTrue(noLength.startsWith("HTTP/1.1 411"), noLength);
  }

  @Test
  void timingChangesAreAcceptedAsPatroniAcceptsThemButNotUnusableOnes() {
    HttpResponse<String> r = client.send("PATCH", "/config", "{\"loop_wait\":10,\"retry_timeout\":10}");
    assertEquals(200, r.statusCode(), "breaks loop_wait + 2*retry_timeout <= ttl, applied as Patroni does: " + r.body());
    assertEquals(1, commands.configWrites.size());
    assertEquals(400, client.send("PATCH", "/config", "{\"ttl\":\"soon\"}").statusCode());
    HttpResponse<String> zero = client.send("PATCH", "/config", "{\"ttl\":0}");
    assertEquals(400, zero.statusCode());
    assertTrue(zero.body().contains("'ttl' must be positive"), zero.body());
    assertEquals(400, client.send("PUT", "/config", "{\"ttl\":-5}").statusCode());
    assertEquals(1, commands.configWrites.size());
  }

  @Test
  void standbyClusterAndQuorumAreRefusedNamingTheKey() {
    HttpResponse<String> standby = client.send("PATCH", "/config", "{\"standby_cluster\":{\"host\":\"10.1.0.1\"}}");
    assertEquals(400, standby.statusCode());
    assertTrue(standby.body().contains("standby_cluster: standby clusters are not implemented"), standby.body());
    HttpResponse<String> quorum = client.send("PUT", "/config", "{\"synchronous_mode\":\"quorum\"}");
    assertEquals(400, quorum.statusCode());
    assertTrue(quorum.body().contains("synchronous_mode: quorum is not implemented"), quorum.body());
    assertEquals(List.of(), commands.configWrites);
    assertEquals(200, client.send("PATCH", "/config", "{\"standby_cluster\":null,\"pause\":true}").statusCode(),
        "removing it is fine");
  }

  @Test
  void putConfigReplacesWithoutCas() {
    HttpResponse<String> r = client.send("PUT", "/config", "{\"ttl\":20,\"loop_wait\":2,\"retry_timeout\":3}");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(Map.of("ttl", 20, "loop_wait", 2, "retry_timeout", 3), json(r.body()));
    assertEquals(OptionalLong.empty(), commands.configWrites.get(0).expectedVersion());
    commands.configWriteFailure = new DcsException(DcsException.Kind.TIMEOUT, "slow");
    assertEquals(502, client.send("PUT", "/config", "{\"ttl\":25,\"loop_wait\":5,\"retry_timeout\":5}").statusCode());
  }

  // ---- everything else ----------------------------------------------------------------------

  @Test
  void unknownCommandsAre501() {
    assertEquals(501, post("/promote", "{}").statusCode());
    assertEquals(501, client.send("DELETE", "/config", null).statusCode());
    assertEquals(501, client.send("TRACE", "/", null).statusCode());
  }

  @Test
  void aFailoverKeyIsNotScheduledWhenCleared() {
    ClusterView c = commands.cluster;
    commands.cluster = new ClusterView(c.initialize(), c.config(), c.leader(), c.members(),
        Optional.of(new Versioned<>(FailoverRequest.EMPTY, 60)), c.sync(), c.history(), c.status(), c.failsafe(),
        c.invalid(), c.connection());
    assertEquals(404, client.send("DELETE", "/switchover", null).statusCode());
  }
}
