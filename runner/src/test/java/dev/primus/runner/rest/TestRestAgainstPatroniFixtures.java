package dev.primus.runner.rest;

import dev.primus.agent.AgentCommands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.model.TimelineHistory;
import dev.primus.runner.config.HostPort;
import dev.primus.runner.config.RestApiConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real HTTP against a leader and a replica built from the state the fixtures were recorded in: the same
 * status codes as Patroni 3.0.2 gave, the same fields (plus only those Patroni 4 added), the same values.
 */
class TestRestAgainstPatroniFixtures {
  /** Fields Patroni 4 reports that 3.0.2 did not, and Primus's own version. */
  /** Primus's own version is the one field a 3.0.2-speaking member adds. */
  private static final Set<String> ADDED_SINCE_3_0 = Set.of("primus_version");

  private final MutableClock clock = new MutableClock(TestNodes.RECORDED);
  private RestApiServer leaderServer;
  private RestApiServer replicaServer;

  private RestClient leader() throws IOException, GeneralSecurityException {
    if (leaderServer == null) {
      leaderServer = start(TestNodes.LEADER_ID, TestNodes.leader(clock.instant()));
    }
    return new RestClient(leaderServer);
  }

  private RestClient replica() throws IOException, GeneralSecurityException {
    if (replicaServer == null) {
      replicaServer = start(TestNodes.REPLICA_ID, TestNodes.replica(clock.instant()));
    }
    return new RestClient(replicaServer);
  }

  private RestApiServer start(NodeIdentity id, NodeStatus status) throws IOException, GeneralSecurityException {
    RestApiConfig cfg = RestApiConfig.plain(new HostPort("127.0.0.1", 8008), new HostPort("127.0.0.1", 8008));
    return RestApiServer.start(new InetSocketAddress("127.0.0.1", 0), cfg, id, new FakeStatusForRestTests(status),
        new FakeCommandsForRestTests(TestNodes.cluster()), clock);
  }

  @AfterEach
  void stop() {
    if (leaderServer != null) {
      leaderServer.close();
    }
    if (replicaServer != null) {
      replicaServer.close();
    }
  }

  static Stream<Arguments> statusEndpoints() {
    return Stream.of("root", "primary", "replica", "read-only", "standby-leader", "health", "patroni")
        .flatMap(e -> Stream.of(Arguments.of("leader", e), Arguments.of("replica", e)));
  }

  @ParameterizedTest(name = "{0} GET /{1}")
  @MethodSource("statusEndpoints")
  void statusDocumentsMatchPatroni(String who, String endpoint) throws Exception {
    RestClient client = who.equals("leader") ? leader() : replica();
    HttpResponse<String> r = client.get(endpoint.equals("root") ? "/" : "/" + endpoint);
    String fixture = who + "-GET-" + endpoint;
    assertEquals(Fixtures.status(fixture), r.statusCode(), fixture);
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
    assertStatusDocumentMatches(Fixtures.jsonObject(fixture), parse(r.body()), fixture);
  }

  @Test
  void aMemberSpeakingAsPatroni4NamesItsPrimaryPrimaryAndSendsPatroni4sFields() throws Exception {
    NodeIdentity v4 = new NodeIdentity("demo", "node2", "4.0.0", Optional.of("0.1.0-test"));
    leaderServer = start(v4, TestNodes.leader(clock.instant()));
    Map<String, Object> doc = parse(leader().get("/patroni").body());
    assertEquals("primary", doc.get("role"), doc.toString());
    assertEquals(Map.of("version", "4.0.0", "scope", "demo", "name", "node2"), doc.get("patroni"));
    replicaServer = start(TestNodes.LEADER_ID, TestNodes.leader(clock.instant()));
    Map<String, Object> v3 = parse(replica().get("/patroni").body());
    assertEquals("master", v3.get("role"), "3.0.2 said master: " + v3);
    assertEquals(Map.of("version", "3.0.2", "scope", "demo"), v3.get("patroni"));
  }

  @Test
  void pendingRestartIsReportedAsPatroniDoes() throws Exception {
    NodeStatus s = TestNodes.replica(clock.instant());
    replicaServer = start(TestNodes.REPLICA_ID, new NodeStatus(s.cluster(), TestNodes.replicaLocal(67_108_960L, true),
        s.state(), s.role(), s.leaderUntil(), s.config(), s.tags(), Optional.of(java.time.Instant.ofEpochSecond(1_795_320_959L)),
        s.nextCycleDue(), s.serverVersion(), s.replayedTimestamp(), s.replayPaused(), Optional.of(67_108_960L),
        s.replication(), s.scheduledRestart(), false, false));
    HttpResponse<String> r = replica().get("/patroni");
    assertEquals(Fixtures.status("replica-GET-patroni-pending"), r.statusCode());
    assertStatusDocumentMatches(Fixtures.jsonObject("replica-GET-patroni-pending"), parse(r.body()), "pending");
  }

  static Stream<Arguments> bareEndpoints() {
    return Stream.of(
        Arguments.of("leader", "GET", "/liveness", "leader-GET-liveness"),
        Arguments.of("replica", "GET", "/liveness", "replica-GET-liveness"),
        Arguments.of("leader", "GET", "/readiness", "leader-GET-readiness"),
        Arguments.of("replica", "GET", "/readiness", "replica-GET-readiness"),
        Arguments.of("leader", "HEAD", "/primary", "leader-HEAD-primary"),
        Arguments.of("replica", "HEAD", "/primary", "replica-HEAD-primary"),
        Arguments.of("leader", "OPTIONS", "/", "leader-OPTIONS-root"),
        Arguments.of("replica", "OPTIONS", "/", "replica-OPTIONS-root"));
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("bareEndpoints")
  void bareStatusLines(String who, String method, String path, String fixture) throws Exception {
    RestClient client = who.equals("leader") ? leader() : replica();
    HttpResponse<String> r = client.send(method, path, null);
    assertEquals(Fixtures.status(fixture), r.statusCode(), fixture);
    assertEquals("", r.body(), "a bare status line has no body");
    assertEquals(Fixtures.body(fixture).strip(), r.body());
  }

  @Test
  void clusterMatchesPatroni() throws Exception {
    for (String fixture : List.of("leader-GET-cluster", "replica-GET-cluster")) {
      RestClient client = fixture.startsWith("leader") ? leader() : replica();
      HttpResponse<String> r = client.get("/cluster");
      assertEquals(Fixtures.status(fixture), r.statusCode());
      Map<String, Object> ours = parse(r.body());
      Map<String, Object> theirs = Fixtures.jsonObject(fixture);
      assertEquals("demo", ours.get("scope"), "Patroni 4 adds the scope");
      List<Map<String, Object>> ourMembers = members(ours);
      List<Map<String, Object>> theirMembers = members(theirs);
      assertEquals(theirMembers.size(), ourMembers.size());
      for (int i = 0; i < theirMembers.size(); i++) {
        Map<String, Object> t = theirMembers.get(i);
        Map<String, Object> o = ourMembers.get(i);
        for (Map.Entry<String, Object> e : t.entrySet()) {
          assertEquals(e.getValue(), o.get(e.getKey()), fixture + " member " + t.get("name") + " field " + e.getKey());
        }
        Set<String> extra = new HashSet<>(o.keySet());
        extra.removeAll(t.keySet());
        // Patroni 4 also reports each replica's LSN
        assertTrue(Set.of("lsn").containsAll(extra), () -> "unexpected fields " + extra);
        if ("replica".equals(o.get("role"))) {
          assertEquals("0/4000000", o.get("lsn"));
        }
      }
    }
  }

  @Test
  void aScheduledSwitchoverShowsInCluster() throws Exception {
    NodeStatus s = TestNodes.leader(clock.instant());
    leaderServer = start(TestNodes.LEADER_ID, withCluster(s, Fixtures.cluster("04-scheduled-switchover.json")));
    Map<String, Object> ours = parse(leader().get("/cluster").body());
    assertEquals(Map.of("at", "2026-11-22T05:16:00+00:00", "from", "node2", "to", "node1"),
        ours.get("scheduled_switchover"));
    assertEquals(Boolean.TRUE, members(ours).get(0).get("pending_restart"));
  }

  @Test
  void historyMatchesPatroni() throws Exception {
    assertEquals(Fixtures.json("leader-GET-history"), Fixtures.JSON.readValue(leader().get("/history").body(), Object.class));
    NodeStatus s = TestNodes.leader(clock.instant());
    var c = s.cluster();
    var withHistory = new dev.primus.dcs.model.ClusterView(c.initialize(), c.config(), c.leader(), c.members(),
        c.failover(), c.sync(), new TimelineHistory(List.of(new TimelineHistory.Entry(1, 67_109_256L,
        "no recovery target specified", Optional.of("2026-11-22T04:16:03.398029+00:00"), Optional.of("node1")))),
        c.status(), c.failsafe(), c.invalid(), c.connection());
    replicaServer = start(TestNodes.REPLICA_ID, withCluster(s, withHistory));
    HttpResponse<String> r = replica().get("/history");
    assertEquals(Fixtures.status("leader-GET-history-after"), r.statusCode());
    assertEquals(Fixtures.json("leader-GET-history-after"), Fixtures.JSON.readValue(r.body(), Object.class));
  }

  @Test
  void configMatchesPatroniAndIs502WhenMissing() throws Exception {
    HttpResponse<String> r = leader().get("/config");
    assertEquals(Fixtures.status("leader-GET-config"), r.statusCode());
    assertEquals(Fixtures.json("leader-GET-config"), Fixtures.JSON.readValue(r.body(), Object.class));
    assertEquals(Fixtures.json("replica-GET-config"), Fixtures.JSON.readValue(replica().get("/config").body(), Object.class));

    NodeStatus s = TestNodes.leader(clock.instant());
    var c = s.cluster();
    var noConfig = new dev.primus.dcs.model.ClusterView(c.initialize(), Optional.empty(), c.leader(), c.members(),
        c.failover(), c.sync(), c.history(), c.status(), c.failsafe(), c.invalid(), c.connection());
    leaderServer.close();
    leaderServer = start(TestNodes.LEADER_ID, withCluster(s, noConfig));
    assertEquals(502, leader().get("/config").statusCode());
  }

  @Test
  void metricsHaveEveryPatroniMetricWithTheSameValues() throws Exception {
    for (String who : List.of("leader", "replica")) {
      HttpResponse<String> r = (who.equals("leader") ? leader() : replica()).get("/metrics");
      String fixture = who + "-GET-metrics";
      assertEquals(Fixtures.status(fixture), r.statusCode());
      assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
      Map<String, String> ours = samples(r.body());
      Map<String, String> theirs = samples(Fixtures.body(fixture));
      for (Map.Entry<String, String> e : theirs.entrySet()) {
        assertTrue(ours.containsKey(e.getKey()), () -> "missing metric " + e.getKey());
        if (!e.getKey().equals("patroni_version")) {
          assertEquals(Double.parseDouble(e.getValue()), Double.parseDouble(ours.get(e.getKey())),
              fixture + " " + e.getKey());
        }
      }
      assertEquals("030002", ours.get("patroni_version"));
      assertEquals("5", ours.get("patroni_postgres_state"), "running");
      for (String line : r.body().lines().filter(l -> !l.startsWith("#")).toList()) {
        assertTrue(line.contains("{scope=\"demo\",name=\"" + (who.equals("leader") ? "node2" : "node1") + "\"} "), line);
      }
    }
  }

  @Test
  void failoverWithAnEmptyBodyIs400LikePatroni() throws Exception {
    HttpResponse<String> r = leader().send("POST", "/failover", "{}");
    assertEquals(Fixtures.status("leader-POST-failover-empty"), r.statusCode());
  }

  @Test
  void reinitializeOnTheLeaderIsRefusedLikePatroni() throws Exception {
    // the refusal itself comes from the HA loop behind ClusterCommands; the REST layer maps it to 503
    FakeCommandsForRestTests commands = new FakeCommandsForRestTests(TestNodes.cluster());
    commands.reinitializeResult = new AgentCommands.ReinitializeResult.Refused("this member is the leader; only a replica can be"
        + " reinitialized");
    leaderServer = RestApiServer.start(new InetSocketAddress("127.0.0.1", 0),
        RestApiConfig.plain(new HostPort("127.0.0.1", 8008), new HostPort("127.0.0.1", 8008)), TestNodes.LEADER_ID,
        new FakeStatusForRestTests(TestNodes.leader(clock.instant())), commands, clock);
    HttpResponse<String> r = leader().send("POST", "/reinitialize", "");
    assertEquals(Fixtures.status("leader-POST-reinitialize"), r.statusCode());
    assertTrue(r.body().contains("leader"), r.body());
    assertEquals(List.of(List.of(false, false)), commands.reinitializations);
  }

  // ---- helpers ------------------------------------------------------------------------------

  private static NodeStatus withCluster(NodeStatus s, dev.primus.dcs.model.ClusterView c) {
    return new NodeStatus(c, s.local(), s.state(), s.role(), s.leaderUntil(), s.config(), s.tags(), s.dcsLastSeen(),
        s.nextCycleDue(), s.serverVersion(), s.replayedTimestamp(), s.replayPaused(), s.latestEndLsn(),
        s.replication(), s.scheduledRestart(), s.watchdogFailed(), s.failsafeActive());
  }

  /** Same fields and the same values, "master" included: the nodes claim Patroni 3.0.2 and speak it. */
  @SuppressWarnings("unchecked")
  private static void assertStatusDocumentMatches(Map<String, Object> theirs, Map<String, Object> ours, String what) {
    Set<String> missing = new HashSet<>(theirs.keySet());
    missing.removeAll(ours.keySet());
    assertEquals(Set.of(), missing, what + ": fields Patroni has and we lack");
    Set<String> extra = new HashSet<>(ours.keySet());
    extra.removeAll(theirs.keySet());
    assertTrue(ADDED_SINCE_3_0.containsAll(extra), () -> what + ": unexpected fields " + extra);
    for (String k : theirs.keySet()) {
      Object t = theirs.get(k);
      Object o = ours.get(k);
      if (k.equals("role")) {
        assertEquals(t, o, what + " role");
      } else if (k.equals("patroni")) {
        Map<String, Object> tp = (Map<String, Object>) t;
        Map<String, Object> op = (Map<String, Object>) o;
        assertEquals(tp.get("scope"), op.get("scope"));
        assertEquals(tp.get("version"), op.get("version"));
        assertFalse(op.containsKey("name"), "Patroni 3.0.2 does not report the member name");
      } else if (k.equals("dcs_last_seen")) {
        // the fixtures were recorded over two seconds; the replica's were taken when its last DCS contact
        // was one second older
        assertEquals(((Number) t).doubleValue(), ((Number) o).doubleValue(), 1.0, what + " dcs_last_seen");
      } else {
        assertEquals(t, o, what + " field " + k);
      }
    }
    assertEquals("0.1.0-test", ours.get("primus_version"), what + ": Primus's own version beside Patroni's");
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> members(Map<String, Object> cluster) {
    return (List<Map<String, Object>>) cluster.get("members");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parse(String json) throws IOException {
    return Fixtures.JSON.readValue(json, LinkedHashMap.class);
  }

  /** Metric name to value; labels dropped (Patroni 3.0.2 put a stray space before one metric's labels). */
  private static Map<String, String> samples(String text) {
    Map<String, String> out = new TreeMap<>();
    for (String line : text.lines().toList()) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String name = line.split("[{ ]", 2)[0];
      String value = line.substring(line.lastIndexOf(' ') + 1);
      out.put(name, value);
    }
    return out;
  }
}
