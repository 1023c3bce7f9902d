package dev.primus.db.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.model.MemberStatus.PendingChange;
import dev.primus.db.postgres.PgHarness.Node;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.LocalState;
import dev.primus.ha.LocalState.DataDirectoryState;
import dev.primus.ha.LocalState.ProcessState;
import dev.primus.ha.LocalState.ReplicaConnection;
import dev.primus.ha.LocalState.ReplicationState;
import dev.primus.ha.StopMode;
import dev.primus.ha.driver.DatabaseDriver;
import dev.primus.ha.driver.DatabaseProvider;
import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import dev.primus.ha.driver.Upstream;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One story on real PostgreSQL 15, in order: bootstrap, two clones streaming, a crash and a promotion,
 * the old primary's divergent write undone by pg_rewind, a damaged replica reinitialized, slots, a
 * restart-only parameter, and a graceful demote. Each step builds on the previous one.
 */
@TestInstance(Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
final class PostgresDriverIT {
  private static final Duration T = Duration.ofSeconds(60);
  private static final Duration WAIT = Duration.ofSeconds(30);

  private PgHarness harness;
  private Node n1;
  private Node n2;
  private Node n3;
  private DatabaseDriver d1;
  private DatabaseDriver d2;
  private DatabaseDriver d3;

  @BeforeAll
  void setUp() throws Exception {
    harness = new PgHarness();
    n1 = harness.node("node1");
    n2 = harness.node("node2");
    // node3 tries a custom method that fails before falling back to pg_basebackup.
    n3 = harness.node("node3", Map.of(
        "create_replica_methods", List.of("broken_restore", "basebackup"),
        "broken_restore", Map.of("command", "/bin/sh -c 'echo restoring \"$0\" \"$@\"; exit 3'", "no_leader", true)),
        Optional.empty());
    DatabaseProvider provider = ServiceLoader.load(DatabaseProvider.class, getClass().getClassLoader()).stream()
        .map(ServiceLoader.Provider::get).filter(p -> p.name().equals("postgres")).findFirst().orElseThrow();
    d1 = provider.create(n1.settings());
    d2 = provider.create(n2.settings());
    d3 = provider.create(n3.settings());
  }

  @AfterAll
  void tearDown() throws Exception {
    try {
      for (DatabaseDriver d : new DatabaseDriver[] {d1, d2, d3}) {
        if (d != null) {
          try {
            d.stop(StopMode.IMMEDIATE, Duration.ofSeconds(20));
          } catch (DriverException | RuntimeException e) {
            System.out.println("teardown: stop failed: " + e.getMessage());
          } finally {
            d.close();
          }
        }
      }
    } finally {
      if (harness != null) {
        harness.close();
      }
    }
  }

  @Test
  @Order(1)
  void bootstrapsAPrimary() throws Exception {
    assertEquals(DataDirectoryState.EMPTY, d1.probe().dataDirectory());
    time("bootstrap", () -> {
      d1.bootstrap();
      return null;
    });
    LocalState s = d1.probe();
    assertEquals(ProcessState.RUNNING, s.process());
    assertEquals(Optional.of(DatabaseRole.PRIMARY), s.role());
    assertEquals(Optional.of(1L), s.timeline());
    assertTrue(s.systemIdentifier().orElseThrow().matches("\\d{15,20}"), s.systemIdentifier().toString());
    assertTrue(s.walPosition() > 0);
    assertTrue(s.postmasterStartTime().isPresent());
    assertFalse(s.pendingRestart(), s.pendingRestartReason().toString());
    // The generated file includes the original, which was kept aside.
    String conf = Files.readString(n1.dataDir().resolve("postgresql.conf"));
    assertTrue(conf.startsWith(ConfigFiles.HEADER), conf);
    assertTrue(conf.contains("port = '" + n1.port() + "'"), conf);
    assertTrue(conf.contains("wal_log_hints = 'on'"), conf);
    assertTrue(Files.exists(n1.dataDir().resolve("postgresql.base.conf")));
    assertTrue(Files.exists(n1.logDir().resolve("postgresql.log")), "the server logs to its own file");
    if (harness.asRoot()) {
      long pid = Postmaster.read(n1.dataDir()).orElseThrow().pid();
      assertEquals(Optional.of(PgHarness.OS_USER), ProcessHandle.of(pid).orElseThrow().info().user(),
          "Primus runs as root, PostgreSQL as os_user");
    }
    try (Connection c = n1.connect()) {
      // post_bootstrap made the table; authentication made the roles.
      assertEquals("0", query(c, "SELECT count(*) FROM primus_it"));
      assertEquals("t", query(c, "SELECT rolreplication FROM pg_roles WHERE rolname = 'replicator'"));
      assertEquals("f", query(c, "SELECT rolsuper FROM pg_roles WHERE rolname = 'rewinder'"));
      assertEquals("logical", query(c, "SHOW wal_level"), "the user may raise wal_level above replica");
      exec(c, "INSERT INTO primus_it VALUES (1, 'before failover')");
    }
    DriverException again = assertThrows(DriverException.class, d1::bootstrap);
    assertEquals(Kind.REFUSED, again.kind());
    assertTrue(again.getMessage().contains("already holds a PostgreSQL cluster"), again.getMessage());
  }

  @Test
  @Order(2)
  void clonesTwoStreamingReplicas() throws Exception {
    // A clone from a member that does not answer fails, and leaves nothing behind for the next try.
    Upstream nobody = new Upstream("nobody", "postgres://127.0.0.1:" + PgHarness.freePort() + "/postgres");
    DriverException unreachable = assertThrows(DriverException.class, () -> d2.createReplica(nobody));
    assertEquals(Kind.COMMAND_FAILED, unreachable.kind());
    assertEquals(DataDirectoryState.EMPTY, d2.probe().dataDirectory(), unreachable.getMessage());

    d1.ensureSlots(Set.of("node1", "node2", "node3"), Map.of());
    assertEquals(Set.of("node2", "node3"), slots(n1), "a member keeps no slot for itself");
    time("clone", () -> {
      d2.createReplica(n1.upstream());
      return null;
    });
    d3.createReplica(n1.upstream());
    assertEquals(ProcessState.STOPPED, d2.probe().process(), "createReplica leaves it stopped");
    // As Patroni passes them: the section's flags, then --scope --role --datadir --connstring.
    String brokenLog = Files.readString(n3.logDir().resolve("replica-broken_restore.log"));
    assertTrue(brokenLog.contains("restoring --no_leader=True --scope=it --role=replica --datadir=" + n3.dataDir() + " --connstring="),
        "the custom method ran first, with the standard arguments: " + brokenLog);
    d2.start(DatabaseRole.REPLICA, Optional.of(n1.upstream()), T);
    d3.start(DatabaseRole.REPLICA, Optional.of(n1.upstream()), T);
    awaitStreaming(d1, "node2", "node3");

    LocalState primary = d1.probe();
    LocalState replica = d2.probe();
    assertEquals(Optional.of(DatabaseRole.REPLICA), replica.role());
    assertEquals(Optional.of(ReplicationState.STREAMING), replica.replication());
    assertEquals(Optional.of("node1"), replica.upstream());
    assertEquals(primary.systemIdentifier(), replica.systemIdentifier());
    assertEquals(Optional.of(1L), replica.timeline());
    assertTrue(replica.receiveLsn().isPresent() && replica.replayLsn().isPresent());
    // Each replica listens on its own port even though the copy brought node1's postgresql.conf.
    assertTrue(Files.readString(n2.dataDir().resolve("postgresql.conf")).contains("port = '" + n2.port() + "'"));
    try (Connection c = n2.connect()) {
      assertEquals("before failover", query(c, "SELECT note FROM primus_it WHERE id = 1"));
      assertEquals(Integer.toString(n2.port()), query(c, "SHOW port"));
      assertEquals("node2", query(c, "SELECT slot_name FROM pg_stat_wal_receiver"));
    }
  }

  @Test
  @Order(3)
  void promotesAReplicaAfterThePrimaryCrashes() throws Exception {
    long flushed = d1.probe().walPosition();
    PgHarness.await(WAIT, "both replicas replay node1's WAL", () ->
        d2.probe().replayLsn().orElse(0L) >= flushed && d3.probe().replayLsn().orElse(0L) >= flushed);
    PgHarness.crash(n1);
    LocalState crashed = d1.probe();
    assertEquals(ProcessState.CRASHED, crashed.process());
    assertFalse(crashed.cleanShutdown());
    assertEquals(Optional.of(DatabaseRole.PRIMARY), crashed.role(), "the control file says it was a primary");

    time("promote", () -> {
      d2.promote(T);
      return null;
    });
    LocalState promoted = d2.probe();
    assertEquals(Optional.of(DatabaseRole.PRIMARY), promoted.role());
    assertEquals(Optional.of(2L), promoted.timeline());
    assertEquals(Optional.empty(), promoted.upstream());
    assertEquals(1, promoted.timelineHistory().size(), "00000002.history: " + promoted.timelineHistory());
    assertEquals(1L, promoted.timelineHistory().get(0).timeline());
    assertTrue(promoted.timelineHistory().get(0).switchLsn() > 0, "timeline 1 ended at a real LSN");
    assertFalse(Files.exists(n2.dataDir().resolve("standby.signal")));
    try (Connection c = n2.connect()) {
      // The promotion's reload took the standby's settings out of postgresql.conf; PostgreSQL then flags the
      // postmaster-only one as pending a restart, which means nothing on a primary and must not be reported.
      awaitSetting(c, "primary_conninfo", "");
      assertTrue(query(c, "SELECT coalesce(string_agg(name, ','), '') FROM pg_settings WHERE pending_restart")
          .contains("recovery_target_timeline"), "the premise: PostgreSQL 15 flags the removed recovery setting");
    }
    LocalState settled = d2.probe();
    assertFalse(settled.pendingRestart(), "a freshly promoted leader has no restart pending: "
        + settled.pendingRestartReason());
    assertTrue(settled.serverVersion().orElse(0) >= 150000, "server_version_num: " + settled.serverVersion());

    d2.ensureSlots(Set.of("node1", "node3"), Map.of());
    d3.follow(n2.upstream(), T);
    awaitStreaming(d2, "node3");
    assertEquals(Optional.of("node2"), d3.probe().upstream());
    PgHarness.await(WAIT, "node3 moves to timeline 2", () -> d3.probe().timeline().orElse(0L) == 2L);
    try (Connection c = n2.connect()) {
      exec(c, "INSERT INTO primus_it VALUES (2, 'after failover')");
    }
  }

  @Test
  @Order(4)
  void rewindsTheDivergedOldPrimary() throws Exception {
    // The old primary comes back on its own and still thinks it is the primary: a write on timeline 1.
    d1.start(DatabaseRole.PRIMARY, Optional.empty(), T);
    assertEquals(Optional.of(1L), d1.probe().timeline());
    try (Connection c = n1.connect()) {
      exec(c, "INSERT INTO primus_it VALUES (3, 'divergent')");
    }
    PgHarness.crash(n1);
    assertEquals(ProcessState.CRASHED, d1.probe().process());

    time("rewind", () -> {
      d1.rewind(n2.upstream());
      return null;
    });
    assertTrue(Files.exists(n1.logDir().resolve("single-user-recovery.log")), "crash recovery ran before pg_rewind");
    String conf = Files.readString(n1.dataDir().resolve("postgresql.conf"));
    assertTrue(conf.contains("port = '" + n1.port() + "'"), "its own port again, not node2's: " + conf);
    assertTrue(Files.exists(n1.dataDir().resolve("standby.signal")));

    d1.start(DatabaseRole.REPLICA, Optional.of(n2.upstream()), T);
    awaitStreaming(d2, "node1", "node3");
    LocalState s = d1.probe();
    assertEquals(Optional.of(DatabaseRole.REPLICA), s.role());
    assertEquals(Optional.of(ReplicationState.STREAMING), s.replication());
    assertEquals(Optional.of(2L), s.timeline());
    try (Connection c = n1.connect()) {
      assertEquals(Integer.toString(n1.port()), query(c, "SHOW port"));
      PgHarness.await(WAIT, "node1 replays the new primary's write", () -> count(c, "id = 2") == 1);
      assertEquals(0, count(c, "id = 3"), "the divergent write is gone");
    }
  }

  @Test
  @Order(5)
  void reinitializesADamagedReplica() throws Exception {
    // A smart shutdown waits for this client forever; after its timeout the stop escalates to immediate.
    try (Connection client = n3.connect()) {
      assertEquals("t", query(client, "SELECT pg_is_in_recovery()"));
      long t0 = System.nanoTime();
      assertEquals(Optional.empty(), d3.stop(StopMode.SMART, Duration.ofSeconds(2)), "an immediate stop is not clean");
      assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(30).toNanos());
    }
    LocalState stopped = d3.probe();
    assertEquals(ProcessState.STOPPED, stopped.process(), "stopped by the driver, so not a crash");
    assertFalse(stopped.cleanShutdown());
    Files.delete(n3.dataDir().resolve("global").resolve("pg_control"));
    LocalState damaged = d3.probe();
    assertEquals(DataDirectoryState.INVALID, damaged.dataDirectory());
    assertEquals(Optional.empty(), damaged.systemIdentifier());
    DriverException refused = assertThrows(DriverException.class,
        () -> d3.start(DatabaseRole.REPLICA, Optional.of(n2.upstream()), T));
    assertEquals(Kind.REFUSED, refused.kind());

    time("reinitialize", () -> {
      d3.reinitialize(n2.upstream());
      return null;
    });
    d3.start(DatabaseRole.REPLICA, Optional.of(n2.upstream()), T);
    awaitStreaming(d2, "node1", "node3");
    LocalState s = d3.probe();
    assertEquals(DataDirectoryState.INITIALIZED, s.dataDirectory());
    assertEquals(d2.probe().systemIdentifier(), s.systemIdentifier());
    try (Connection c = n3.connect()) {
      assertEquals(1, count(c, "id = 2"));
    }
  }

  @Test
  @Order(6)
  void managesMemberAndPermanentSlots() throws Exception {
    try (Connection c = n2.connect()) {
      exec(c, "SELECT pg_create_physical_replication_slot('stray')");
      exec(c, "SELECT pg_create_logical_replication_slot('foreign_consumer', 'test_decoding')");
    }
    Map<String, Object> permanent = new LinkedHashMap<>();
    permanent.put("perm_phys", Map.of("type", "physical"));
    permanent.put("perm_logical", Map.of("type", "logical", "database", "postgres", "plugin", "test_decoding"));
    d2.ensureSlots(Set.of("node1", "node3", "Node-9.example"), permanent);
    assertEquals(Set.of("node1", "node3", "node_9_example", "perm_phys", "perm_logical", "foreign_consumer"), slots(n2),
        "unknown physical slots are dropped, a consumer's logical slot stays");
    try (Connection c = n2.connect()) {
      assertEquals("test_decoding", query(c, "SELECT plugin FROM pg_replication_slots WHERE slot_name = 'perm_logical'"));
    }

    d2.ensureSlots(Set.of("node1", "node3"), Map.of());
    assertEquals(Set.of("node1", "node3", "foreign_consumer"), slots(n2),
        "a departed member's slot and the permanent slots removed from the configuration are dropped");
    awaitStreaming(d2, "node1", "node3");
  }

  @Test
  @Order(7)
  void reportsAndClearsPendingRestart() throws Exception {
    Map<String, Object> parameters = new LinkedHashMap<>(harness.baseParameters());
    parameters.put("max_connections", 40);
    parameters.put("work_mem", "8MB");
    d3.applyParameters(parameters);
    PgHarness.await(WAIT, "node3 to report a pending restart", () -> d3.probe().pendingRestart());
    LocalState s = d3.probe();
    assertEquals(Map.of("max_connections", new PendingChange("30", "40")), s.pendingRestartReason());
    try (Connection c = n3.connect()) {
      awaitSetting(c, "work_mem", "8MB");
    }
    var started = s.postmasterStartTime().orElseThrow();

    d3.restart(T);
    LocalState after = d3.probe();
    assertFalse(after.pendingRestart(), after.pendingRestartReason().toString());
    assertTrue(after.postmasterStartTime().orElseThrow().isAfter(started) || !after.postmasterStartTime().get().equals(started));
    try (Connection c = n3.connect()) {
      assertEquals("40", query(c, "SHOW max_connections"));
    }
    assertEquals(Optional.of("node2"), after.upstream(), "a restart keeps following the same member");
    awaitStreaming(d2, "node1", "node3");
  }

  @Test
  @Order(8)
  void setsSynchronousStandbys() throws Exception {
    d2.setSynchronousStandbys(List.of("node1", "node3"), 1, true);
    try (Connection c = n2.connect()) {
      awaitSetting(c, "synchronous_standby_names", "ANY 1 (\"node1\",\"node3\")");
      PgHarness.await(WAIT, "both standbys in the quorum", () -> d2.probe().replicas().stream()
          .filter(r -> r.syncState().equals("quorum")).count() == 2);
      exec(c, "INSERT INTO primus_it VALUES (5, 'synchronous')");
      d2.setSynchronousStandbys(List.of("node3"), 1, false);
      PgHarness.await(WAIT, "node3 the only synchronous standby", () -> d2.probe().replicas().stream()
          .anyMatch(r -> r.applicationName().equals("node3") && r.syncState().equals("sync")));
      // The probe reports the setting and since when it is in effect, so that the engine can tell when a
      // standby has every commit acknowledged before it became synchronous.
      LocalState.SynchronousStandbys ssn = d2.probe().synchronousStandbys().orElseThrow();
      assertEquals(List.of("node3"), ssn.members());
      assertEquals(1, ssn.count());
      assertFalse(ssn.quorum());
      assertTrue(ssn.managed());
      assertTrue(ssn.since() > 0 && ssn.since() <= d2.probe().walPosition(), "since " + ssn.since());
      exec(c, "INSERT INTO primus_it VALUES (6, 'waited for node3')");
      long committed = d2.probe().walPosition();
      ReplicaConnection node3 = d2.probe().replicas().stream().filter(r -> r.applicationName().equals("node3"))
          .findFirst().orElseThrow();
      assertTrue(node3.flushLsn() >= ssn.since(), "a synchronous standby has flushed past since");
      System.out.printf(Locale.ROOT, "synchronous standby node3: in effect since %s, flushed %s, primary at %s%n",
          Lsn.format(ssn.since()), Lsn.format(node3.flushLsn()), Lsn.format(committed));

      // A driver created anew over the same data directory (the agent restarted) keeps it as its own.
      DatabaseDriver again = provider().create(n2.settings());
      try {
        assertTrue(again.probe().synchronousStandbys().orElseThrow().managed());
        assertEquals(List.of("node3"), again.probe().synchronousStandbys().orElseThrow().members());
      } finally {
        again.close();
      }

      // The wildcard goes in unquoted: any standby.
      d2.setSynchronousStandbys(List.of("*"), 1, false);
      awaitSetting(c, "synchronous_standby_names", "FIRST 1 (*)");
      PgHarness.await(WAIT, "one standby synchronous under *", () -> d2.probe().replicas().stream()
          .filter(r -> r.syncState().equals("sync")).count() == 1);
      assertTrue(d2.probe().synchronousStandbys().orElseThrow().anyStandby());

      d2.setSynchronousStandbys(List.of(), 0, false);
      awaitSetting(c, "synchronous_standby_names", "");
      assertTrue(d2.probe().synchronousStandbys().orElseThrow().off());
      d2.clearSynchronousStandbys();
      awaitSetting(c, "synchronous_standby_names", "");
      assertFalse(d2.probe().synchronousStandbys().orElseThrow().managed(), "the user's (empty) value again");
    }
  }

  private DatabaseProvider provider() {
    return ServiceLoader.load(DatabaseProvider.class, getClass().getClassLoader()).stream()
        .map(ServiceLoader.Provider::get).filter(p -> p.name().equals("postgres")).findFirst().orElseThrow();
  }

  @Test
  @Order(9)
  void gracefulDemoteHandsOverWithoutRewind() throws Exception {
    try (Connection c = n2.connect()) {
      exec(c, "INSERT INTO primus_it VALUES (4, 'before switchover')");
    }
    d2.checkpoint();
    Optional<Long> shutdownCheckpoint = d2.stop(StopMode.FAST, T);
    assertTrue(shutdownCheckpoint.isPresent(), "a clean stop reports its shutdown checkpoint");
    LocalState stopped = d2.probe();
    assertEquals(ProcessState.STOPPED, stopped.process());
    assertTrue(stopped.cleanShutdown());
    assertEquals(shutdownCheckpoint.get(), stopped.walPosition());
    long lsn = shutdownCheckpoint.get();
    PgHarness.await(WAIT, "node1 replays past the shutdown checkpoint " + Lsn.format(lsn),
        () -> d1.probe().replayLsn().orElse(0L) > lsn);
    System.out.printf(Locale.ROOT, "graceful demote: shutdown checkpoint %s, node1 replayed %s%n", Lsn.format(lsn),
        Lsn.format(d1.probe().replayLsn().orElseThrow()));

    d1.promote(T);
    assertEquals(Optional.of(3L), d1.probe().timeline());
    d1.ensureSlots(Set.of("node2", "node3"), Map.of());
    d3.follow(n1.upstream(), T);
    // The old primary stopped cleanly after its standbys had everything: it follows without a rewind.
    d2.start(DatabaseRole.REPLICA, Optional.of(n1.upstream()), T);
    awaitStreaming(d1, "node2", "node3");
    try (Connection c = n2.connect()) {
      PgHarness.await(WAIT, "node2 on timeline 3", () -> d2.probe().timeline().orElse(0L) == 3L);
      assertEquals(1, count(c, "id = 4"));
    }
  }

  @Test
  @Order(10)
  void bootstrapsWithACustomMethodAndCleansUpAFailedOne() throws Exception {
    // A failing method leaves an empty data directory, so another node (or a retry) can bootstrap.
    Node broken = harness.node("broken", Map.of(), Optional.of(Map.of("method", "fail",
        "fail", Map.of("command", "/bin/sh -c 'touch \"${2#--datadir=}/junk\"; exit 4'"))));
    try (DatabaseDriver d = new PostgresDatabaseProvider().create(broken.settings())) {
      DriverException e = assertThrows(DriverException.class, d::bootstrap);
      assertEquals(Kind.COMMAND_FAILED, e.kind());
      assertTrue(e.getMessage().contains("cleaned up"), e.getMessage());
      assertEquals(DataDirectoryState.EMPTY, d.probe().dataDirectory());
    }

    // A restore-style method: the command makes the cluster, Primus takes it over (passwords, roles, pg_hba).
    Node custom = harness.node("custom", Map.of(), Optional.of(Map.of("method", "make",
        "make", Map.of("command", PgHarness.binDir().resolve("initdb") + " --no-sync -U postgres -A trust -E UTF8 --locale=C"
            + " -D " + harness.root().resolve("custom").resolve("data"), "no_params", true))));
    try (DatabaseDriver d = new PostgresDatabaseProvider().create(custom.settings())) {
      try {
        d.bootstrap();
        LocalState s = d.probe();
        assertEquals(ProcessState.RUNNING, s.process());
        assertEquals(Optional.of(DatabaseRole.PRIMARY), s.role());
        String hba = Files.readString(custom.dataDir().resolve("pg_hba.conf"));
        assertTrue(hba.contains("host all all 127.0.0.1/32 scram-sha-256") && !hba.contains("trust\nhost all all 127.0.0.1/32 trust"),
            "the loopback trust used during the takeover is gone: " + hba);
        try (Connection c = custom.connect()) {
          assertEquals("t", query(c, "SELECT rolreplication FROM pg_roles WHERE rolname = 'replicator'"));
        }
      } finally {
        d.stop(StopMode.FAST, T);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  private void time(String what, Callable<Void> step) throws Exception {
    long t0 = System.nanoTime();
    step.call();
    String line = String.format(Locale.ROOT, "timing: %s %.1f s", what, (System.nanoTime() - t0) / 1e9);
    System.out.println(line);
  }

  private static void awaitStreaming(DatabaseDriver primary, String... members) throws InterruptedException {
    Set<String> wanted = Set.of(members);
    PgHarness.await(WAIT, "streaming replicas " + wanted, () -> {
      Set<String> streaming = new TreeSet<>();
      for (ReplicaConnection r : primary.probe().replicas()) {
        if (r.state().equals("streaming")) {
          streaming.add(r.applicationName());
        }
      }
      return streaming.containsAll(wanted);
    });
  }

  /** A reload reaches a session when it starts its next command: look until it has. */
  private static void awaitSetting(Connection c, String name, String value) throws InterruptedException {
    PgHarness.await(WAIT, name + " = '" + value + "'", () -> {
      try {
        return value.equals(query(c, "SHOW " + name));
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static Set<String> slots(Node node) throws SQLException {
    Set<String> names = new TreeSet<>();
    try (Connection c = node.connect(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT slot_name FROM pg_replication_slots")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }

  private static String query(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      assertTrue(rs.next(), "no row from " + sql);
      String v = rs.getString(1);
      assertNotNull(v, "NULL from " + sql);
      return v;
    }
  }

  private static int count(Connection c, String where) {
    try {
      return Integer.parseInt(query(c, "SELECT count(*) FROM primus_it WHERE " + where));
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void exec(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }
}
