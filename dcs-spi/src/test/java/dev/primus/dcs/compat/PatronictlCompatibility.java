package dev.primus.dcs.compat;

import static dev.primus.dcs.compat.CompatCluster.SCOPE;
import static dev.primus.dcs.compat.CompatCluster.TL1_END;
import static dev.primus.dcs.compat.CompatCluster.TL2_END;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.primus.dcs.layout.ClusterPath;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.model.Versioned;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.WriteResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real {@code patronictl} (Debian's Patroni 3.0.2) reads a cluster that Primus wrote, and what it
 * prints is checked cell by cell: the acceptance test of "patronictl list / history / show-config run
 * against a Primus cluster's DCS show it correctly". The other direction is checked too: what
 * {@code patronictl} writes into the DCS itself ({@code edit-config}, the switchover fallback) is read
 * back through Primus's codec, with Primus's CAS versions.
 *
 * <p>Every DCS backend runs this class unchanged, like the store contract kit:
 *
 * <pre>{@code
 * class EtcdPatronictlIT extends PatronictlCompatibility {
 *   static EtcdServers etcd;
 *   @BeforeAll static void start() { etcd = EtcdServers.start(1); }
 *   @AfterAll static void stop() { etcd.close(); }
 *   @Override protected KeyValueStore newClient() { return EtcdKeyValueStore.connect(...); }
 *   @Override protected PatroniCtl.Dcs patronictlDcs() { return PatroniCtl.Dcs.etcd3("127.0.0.1:" + port); }
 * }
 * }</pre>
 *
 * <p>Each check writes a fresh {@link CompatCluster} under its own namespace
 * ({@code /primus-compat/<random>/demo/}: a nested namespace, collapsed the same way by Primus and
 * Patroni) and deletes it afterwards. {@code patronictl} missing, or a Patroni other than 3.0.x, fails
 * the checks with the apt command ({@link PatroniCtl#INSTALL}); they are never skipped.
 *
 * <p>The expected tables are those of Patroni 3.0.2: the {@code Role} column says {@code Leader},
 * {@code Sync Standby} or {@code Replica} whatever the member keys' {@code role} says (3.0.2 derives it
 * from the {@code leader} and {@code sync} keys), and "Lag in MB" is {@code status.optime} minus the
 * member's {@code xlog_location}, rounded.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class PatronictlCompatibility {
  /** Long enough that the leases outlive a slow patronictl run; renewed before every run anyway. */
  private static final Duration TTL = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The Patroni version found, per Python DCS module, so the check runs once per JVM and backend. */
  private static final Map<String, String> CHECKED = new ConcurrentHashMap<>();

  /**
   * What {@code patronictl show-config} printed for the recorded cluster's config (fixture
   * {@code patronictl/show-config.txt}, byte for byte) with the one line {@code synchronous_mode: true}
   * that {@link CompatCluster#config()} adds. PyYAML sorts the keys, so the line goes before {@code ttl}.
   */
  static final String SHOW_CONFIG = """
      loop_wait: 2
      maximum_lag_on_failover: 1048576
      postgresql:
        parameters:
          hot_standby: 'on'
          max_connections: 100
          max_replication_slots: 10
          max_wal_senders: 10
          wal_keep_size: 128MB
          wal_level: replica
        use_pg_rewind: true
        use_slots: true
      retry_timeout: 3
      synchronous_mode: true
      ttl: 20

      """;

  private KeyValueStore store;
  private CompatCluster cluster;
  private PatroniCtl ctl;
  private Path workDir;

  // ---------------------------------------------------------------- hooks

  /** A new client of the running store, as an agent would open it. The kit closes it. */
  protected abstract KeyValueStore newClient() throws Exception;

  /** The DCS section that points {@code patronictl} at the same running store. */
  protected abstract PatroniCtl.Dcs patronictlDcs() throws Exception;

  // ---------------------------------------------------------------- lifecycle

  @BeforeEach
  final void writeCluster() throws Exception {
    PatroniCtl.Dcs dcs = patronictlDcs();
    if (!CHECKED.containsKey(dcs.pythonModule())) {
      CHECKED.put(dcs.pythonModule(), PatroniCtl.require(dcs));
    }
    String namespace = "/primus-compat/" + UUID.randomUUID().toString().substring(0, 8) + "/";
    workDir = Files.createTempDirectory("primus-patronictl-");
    ctl = PatroniCtl.configure(workDir, namespace, SCOPE, dcs);
    store = newClient();
    cluster = CompatCluster.write(store, ClusterPath.of(namespace, SCOPE), TTL);
  }

  @AfterEach
  final void removeCluster() throws Exception {
    try {
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      if (store != null) {
        store.close();
      }
      if (workDir != null) {
        PatroniCtl.deleteTree(workDir);
      }
    }
  }

  /** Runs patronictl with fresh leases, so a slow machine cannot expire the members mid-check. */
  private PatroniCtl.Result patronictl(String... args) throws Exception {
    cluster.keepAlive();
    return ctl.run(args);
  }

  // ---------------------------------------------------------------- list

  @Test
  final void listShowsEveryMemberWithItsRoleStateTimelineAndLag() throws Exception {
    CtlTable t = patronictl("list").ok().table();
    assertEquals(Optional.of("Cluster: " + SCOPE), t.title());
    // Pending restart, Scheduled restart and Tags appear because some member has them.
    assertEquals(List.of("Member", "Host", "Role", "State", "TL", "Lag in MB", "Pending restart", "Scheduled restart",
        "Tags"), t.columns());
    assertEquals(List.of("node1", "node2", "node3"), t.column("Member"));
    assertAll(
        () -> assertEquals(row("node1", "127.0.0.1:5441", "Leader", "running", "3", "", "", "", ""),
            t.row("Member", "node1")),
        () -> assertEquals(row("node2", "127.0.0.1:5442", "Sync Standby", "running", "3", "0", "*", "", ""),
            t.row("Member", "node2")),
        () -> assertEquals(row("node3", "127.0.0.1:5443", "Replica", "running", "2",
            Long.toString(CompatCluster.NODE3_LAG_MB), "", CompatCluster.RESTART_AT, "nofailover: true"),
            t.row("Member", "node3")));
  }

  @Test
  final void listShowsTheSwitchoverPrimusScheduled() throws Exception {
    CtlTable t = patronictl("list").ok().table();
    assertEquals(List.of("Switchover scheduled at: 2030-01-01T12:00:00+00:00", "from: node1", "to: node2"),
        t.trailer().stream().map(String::strip).toList());
  }

  @Test
  final void listAsJsonKeepsNumbersAndTags() throws Exception {
    JsonNode printed = JSON.readTree(patronictl("list", "-f", "json").ok().stdout());
    // 3.0.2 leaves out empty cells: the leader has no lag, only node2 is pending a restart.
    JsonNode expected = JSON.readTree("""
        [{"Cluster": "demo", "Member": "node1", "Host": "127.0.0.1:5441", "Role": "Leader", "State": "running",
          "TL": 3},
         {"Cluster": "demo", "Member": "node2", "Host": "127.0.0.1:5442", "Role": "Sync Standby",
          "State": "running", "TL": 3, "Lag in MB": 0, "Pending restart": "*"},
         {"Cluster": "demo", "Member": "node3", "Host": "127.0.0.1:5443", "Role": "Replica", "State": "running",
          "TL": 2, "Lag in MB": 42, "Scheduled restart": "2030-01-01T03:00:00+00:00",
          "Tags": {"nofailover": true}}]
        """);
    assertEquals(expected, printed);
  }

  @Test
  final void listShowsMaintenanceModeOnceAPauseIsWrittenByCas() throws Exception {
    Versioned<DynamicConfig> before = cluster.agent("node1").read().config().orElseThrow();
    WriteResult paused = cluster.agent("node1").writeConfig(before.value().with("pause", true),
        Optional.of(before.version()));
    assertInstanceOf(WriteResult.Written.class, paused);

    CtlTable t = patronictl("list").ok().table();
    assertEquals(List.of("Maintenance mode: on", "Switchover scheduled at: 2030-01-01T12:00:00+00:00", "from: node1",
        "to: node2"), t.trailer().stream().map(String::strip).toList());
    assertTrue(patronictl("show-config").ok().stdout().lines().toList().contains("pause: true"));
  }

  // ---------------------------------------------------------------- history, show-config, dsn

  @Test
  final void historyListsBothPromotions() throws Exception {
    CtlTable t = patronictl("history").ok().table();
    assertEquals(List.of("TL", "LSN", "Reason", "Timestamp", "New Leader"), t.columns());
    assertEquals(List.of(
        Map.of("TL", "1", "LSN", Long.toString(TL1_END), "Reason", "no recovery target specified",
            "Timestamp", "2026-11-20T10:00:00.123456+00:00", "New Leader", "node2"),
        Map.of("TL", "2", "LSN", Long.toString(TL2_END), "Reason", "no recovery target specified",
            "Timestamp", "2026-11-21T11:30:00+00:00", "New Leader", "node1")), t.rows());

    JsonNode json = JSON.readTree(patronictl("history", "-f", "json").ok().stdout());
    assertEquals(JSON.readTree("[{\"TL\": 1, \"LSN\": " + TL1_END + ", \"Reason\": \"no recovery target specified\","
        + " \"Timestamp\": \"2026-11-20T10:00:00.123456+00:00\", \"New Leader\": \"node2\"},"
        + " {\"TL\": 2, \"LSN\": " + TL2_END + ", \"Reason\": \"no recovery target specified\","
        + " \"Timestamp\": \"2026-11-21T11:30:00+00:00\", \"New Leader\": \"node1\"}]"), json);
  }

  @Test
  final void showConfigPrintsWhatPatroniPrintedForItsOwnConfig() throws Exception {
    assertEquals(SHOW_CONFIG, patronictl("show-config").ok().stdout());
  }

  @Test
  final void dsnFindsTheLeaderAndAReplicaByRole() throws Exception {
    assertEquals("host=127.0.0.1 port=5441", patronictl("dsn").ok().stdout().strip());
    // 'primary' is what Primus (and Patroni 4) write as the leader's role; 3.0.2 must still accept it.
    assertEquals("host=127.0.0.1 port=5441", patronictl("dsn", "--role", "primary").ok().stdout().strip());
    assertEquals("host=127.0.0.1 port=5443", patronictl("dsn", "--member", "node3").ok().stdout().strip());
  }

  // ---------------------------------------------------------------- patronictl writes, Primus reads

  @Test
  final void editConfigByPatronictlIsReadBackAndMovesTheCasVersion() throws Exception {
    long before = cluster.agent("node1").read().config().orElseThrow().version();

    patronictl("edit-config", "--force", "--quiet", "-s", "loop_wait=5", "-p", "max_connections=200").ok();

    ClusterView v = cluster.agent("node1").read();
    assertEquals(List.of(), v.invalid(), "what patronictl wrote decodes");
    Versioned<DynamicConfig> after = v.config().orElseThrow();
    assertEquals(Duration.ofSeconds(5), after.value().loopWait());
    assertEquals(200, ((Number) after.value().postgresqlParameters().get("max_connections")).intValue());
    assertEquals(Duration.ofSeconds(20), after.value().ttl(), "untouched keys survive");
    assertEquals(true, after.value().values().get("synchronous_mode"), "untouched keys survive");
    assertNotEquals(before, after.version(), "patronictl's CAS write changed the version Primus sees");

    // A Primus writer still holding the old version loses, as Patroni's edit-config would.
    WriteResult stale = cluster.agent("node1").writeConfig(CompatCluster.config(), Optional.of(before));
    assertInstanceOf(WriteResult.Conflict.class, stale);
    assertEquals(Duration.ofSeconds(5), cluster.agent("node1").read().config().orElseThrow().value().loopWait());
  }

  @Test
  final void switchoverFallsBackToTheDcsAndPrimusReadsTheRequest() throws Exception {
    Versioned<FailoverRequest> scheduled = cluster.agent("node1").read().failover().orElseThrow();
    assertEquals(CompatCluster.scheduledSwitchover(), scheduled.value());
    assertInstanceOf(WriteResult.Written.class, cluster.agent("node1").clearFailover(scheduled.version()));
    assertEquals(List.of(), patronictl("list").ok().table().trailer(), "a cleared {} request is no switchover");

    // node3 carries nofailover: 3.0.2 reads Primus's tags and refuses it as a candidate.
    PatroniCtl.Result refused = patronictl("switchover", "--leader", "node1", "--candidate", "node3",
        "--scheduled", "2031-02-03T04:05:06+00:00", "--force");
    assertNotEquals(0, refused.exitCode(), refused::toString);
    assertTrue(refused.stderr().contains("Member node3 does not exist in cluster demo"), refused::toString);
    assertEquals(Optional.empty(), cluster.agent("node1").read().pendingFailover());

    // The REST API of node1 does not answer, so patronictl writes the request into the DCS itself.
    PatroniCtl.Result sent = patronictl("switchover", "--leader", "node1", "--candidate", "node2",
        "--scheduled", "2031-02-03T04:05:06+00:00", "--force").ok();
    assertTrue(sent.stdout().contains("falling back to DCS"), sent::toString);
    FailoverRequest read = cluster.agent("node1").read().pendingFailover().orElseThrow().value();
    assertEquals(new FailoverRequest(Optional.of("node1"), Optional.of("node2"),
        Optional.of(OffsetDateTime.of(2031, 2, 3, 4, 5, 6, 0, ZoneOffset.UTC))), read);
  }

  // ---------------------------------------------------------------- helpers

  private static Map<String, String> row(String member, String host, String role, String state, String tl,
      String lag, String pendingRestart, String scheduledRestart, String tags) {
    Map<String, String> r = new LinkedHashMap<>();
    r.put("Member", member);
    r.put("Host", host);
    r.put("Role", role);
    r.put("State", state);
    r.put("TL", tl);
    r.put("Lag in MB", lag);
    r.put("Pending restart", pendingRestart);
    r.put("Scheduled restart", scheduledRestart);
    r.put("Tags", tags);
    return r;
  }
}
