package dev.primus.runner.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.primus.dcs.etcd.EtcdHarnessForAgents;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.SyncState;
import dev.primus.dcs.spi.DcsException;
import dev.primus.runner.AgentProcess;
import dev.primus.runner.demo.LocalCluster;
import dev.primus.runner.demo.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Synchronous replication end to end: a real etcd, three PostgreSQL 15 servers and three agent processes
 * (the pattern of {@link ClusterE2eIT}, with its timings), in order:
 * <ol>
 *   <li>{@code synchronous_mode} turned on through {@code PATCH /config}: the primary names one replica
 *       in {@code sync}, after its {@code synchronous_standby_names} made commits wait for it and
 *       {@code pg_stat_replication} reported it {@code sync}; REST {@code /sync} and {@code /async} and
 *       {@code primus ctl list} ("Sync Standby") agree;</li>
 *   <li>kill -9 of the primary's agent and postmaster under a steady write load: the synchronous standby,
 *       not the other replica, is promoted, and holds every write that was acknowledged;</li>
 *   <li>the old primary rejoins and the new primary picks a synchronous standby of its own;</li>
 *   <li>{@code synchronous_mode} turned off: {@code sync} is deleted and commits stop waiting.</li>
 * </ol>
 * Each step prints its timings as {@code e2e-sync: ...}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SyncReplicationE2eIT {
  static final String PASSWORD = "e2e-sync-secret";
  static final Duration BOOT = Duration.ofSeconds(240);
  static final Duration HEAL = Duration.ofSeconds(180);
  static final Duration SETTLE = Duration.ofSeconds(60);

  private final List<String> timings = new ArrayList<>();
  private Path dir;
  private EtcdHarnessForAgents etcd;
  private LocalCluster cluster;
  private Writer writer;
  private Thread hook;
  private String failedEarly;

  @BeforeAll
  void startCluster() throws Exception {
    ClusterE2eIT.requirePostgres();
    boolean root = "root".equals(System.getProperty("user.name"));
    dir = Files.createTempDirectory("primus-e2e-sync-");
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    hook = new Thread(this::stopEverything, "primus-e2e-sync-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    etcd = EtcdHarnessForAgents.start(1);
    Path base = Files.createDirectories(dir.resolve("cluster"));
    cluster = LocalCluster.create(new LocalCluster.Spec("e2esync", 3, ClusterE2eIT.TIMINGS, base,
        root ? Optional.of("primus-pg") : Optional.empty(), AgentProcess.shadedJar(), LocalCluster.LEAN_JVM, PASSWORD),
        LocalCluster.Dcs.etcd3(etcd.hosts()));
    for (String n : cluster.names()) {
      cluster.startAgent(n);
    }
  }

  @AfterAll
  void stopEverything() {
    if (writer != null) {
      writer.close();
    }
    if (cluster != null) {
      cluster.stopAll(Duration.ofSeconds(60));
    }
    if (etcd != null) {
      etcd.close();
    }
    if (dir != null && !Boolean.getBoolean("primus.it.keep")) {
      deleteTree(dir);
    }
    if (!timings.isEmpty()) {
      System.out.println("e2e-sync summary:");
      timings.forEach(t -> System.out.println("  " + t));
    }
    if (hook != null && Thread.currentThread() != hook) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The hook runs this too; every step above is idempotent.
      }
    }
  }

  // ================================================================= 1. turning it on

  @Test
  @Order(1)
  void turningSynchronousModeOnNamesOneReplicaAfterItIsSynchronous() throws Exception {
    String leader;
    try {
      leader = healthy(BOOT);
    } catch (AssertionError e) {
      failedEarly = e.getMessage().lines().findFirst().orElse("?");
      throw e;
    }
    Writer.createTable(cluster.target(leader), LocalCluster.SUPERUSER, PASSWORD);

    Instant t = Instant.now();
    LocalCluster.Answer patched = cluster.rest(leader, "PATCH", "/config", Optional.of("{\"synchronous_mode\":true}"),
        Duration.ofSeconds(10));
    assertEquals(200, patched.status(), patched.body());
    String sync = awaitSyncStandby(leader);
    Duration named = Duration.between(t, Instant.now());

    // The order that keeps acknowledged commits: by the time sync names it, commits wait for it.
    String ssn = query(cluster.target(leader), "SHOW synchronous_standby_names");
    assertTrue(ssn.contains(sync), "synchronous_standby_names on " + leader + " is '" + ssn + "'");
    assertEquals("sync", query(cluster.target(leader),
        "SELECT sync_state FROM pg_stat_replication WHERE application_name = '" + sync + "'"));
    String async = others(leader).stream().filter(n -> !n.equals(sync)).findFirst().orElseThrow();
    assertEquals("async", query(cluster.target(leader),
        "SELECT sync_state FROM pg_stat_replication WHERE application_name = '" + async + "'"));

    assertEquals(200, status(sync, "/sync"));
    assertEquals(200, status(sync, "/synchronous"));
    assertEquals(503, status(sync, "/async"));
    assertEquals(503, status(async, "/sync"));
    assertEquals(200, status(async, "/async"));
    assertEquals(503, status(leader, "/sync"), "the primary is no synchronous standby");

    String list = ctl("list");
    assertTrue(list.lines().anyMatch(l -> l.contains(sync) && l.contains("Sync Standby")), list);
    assertTrue(list.lines().anyMatch(l -> l.contains(async) && l.contains("Replica")), list);
    report("synchronous_mode on: %s named synchronous standby of %s after %s", sync, leader, fmt(named));
  }

  // ================================================================= 2. failover keeps every acknowledged write

  @Test
  @Order(2)
  void killingThePrimaryPromotesTheSynchronousStandbyWithEveryAcknowledgedWrite() throws Exception {
    String old = whole();
    String sync = awaitSyncStandby(old);
    writer = new Writer(cluster::primaryTarget, LocalCluster.SUPERUSER, PASSWORD, Duration.ofMillis(20));
    writer.start();
    awaitCondition("writes acknowledged on " + old, Duration.ofSeconds(30), () -> writer.stats().acked() >= 200);

    Instant killAt = Instant.now();
    cluster.killAgent(old);
    cluster.killPostmaster(old);
    String next = cluster.awaitLeaderOtherThan(old, ClusterE2eIT.FAILOVER_BOUND.plusSeconds(30));
    Duration toLeader = Duration.between(killAt, Instant.now());
    assertEquals(sync, next, "only the synchronous standby may be promoted\n" + cluster.table());
    awaitCondition("writes on the new primary " + next, Duration.ofSeconds(60), () -> writer.wroteTo(next, killAt));
    Duration unavailable = writer.outageSince(killAt).map(Writer.Outage::length).orElse(Duration.ZERO);
    writer.close();
    Set<Long> acked = writer.ackedIds();
    writer = null;

    Set<Long> present = Writer.idsOn(cluster.target(next), LocalCluster.SUPERUSER, PASSWORD);
    List<Long> lost = acked.stream().filter(id -> !present.contains(id)).sorted().toList();
    report("failover kill→%s (the synchronous standby) %s, writes unavailable %s; %d acknowledged writes, %d lost",
        next, fmt(toLeader), fmt(unavailable), acked.size(), lost.size());
    assertEquals(List.of(), lost, "acknowledged writes missing on the promoted synchronous standby");
    assertTrue(toLeader.compareTo(ClusterE2eIT.FAILOVER_BOUND) <= 0, "a primary again within ttl + loop_wait: took "
        + fmt(toLeader));
    awaitCondition("sync to name the new leader " + next, SETTLE,
        () -> view().sync().flatMap(s -> s.value().leader()).equals(Optional.of(next)));
  }

  // ================================================================= 3. rejoin

  @Test
  @Order(3)
  void theOldPrimaryRejoinsAndTheNewPrimaryPicksASynchronousStandby() throws Exception {
    if (failedEarly != null) {
      fail("the cluster never bootstrapped (step 1): " + failedEarly);
    }
    String down = cluster.names().stream().filter(n -> !cluster.agentAlive(n)).findFirst()
        .orElseThrow(() -> new AssertionError("step 2 left no member down"));
    Instant t = Instant.now();
    cluster.startAgent(down);
    String leader = healthy(HEAL);
    String sync = awaitSyncStandby(leader);
    assertEquals("sync", query(cluster.target(leader),
        "SELECT sync_state FROM pg_stat_replication WHERE application_name = '" + sync + "'"));
    report("rejoin of %s, whole again with %s synchronous after %s", down, sync, since(t));
  }

  // ================================================================= 4. turning it off

  @Test
  @Order(4)
  void turningSynchronousModeOffDeletesSyncAndCommitsStopWaiting() throws Exception {
    String leader = whole();
    Instant t = Instant.now();
    LocalCluster.Answer patched = cluster.rest(leader, "PATCH", "/config", Optional.of("{\"synchronous_mode\":null}"),
        Duration.ofSeconds(10));
    assertEquals(200, patched.status(), patched.body());
    awaitCondition("the sync key to be deleted", SETTLE, () -> view().sync().isEmpty());
    awaitCondition("synchronous_standby_names on " + leader + " to be empty again", SETTLE,
        () -> query(cluster.target(leader), "SHOW synchronous_standby_names").isEmpty());
    for (String n : others(leader)) {
      assertEquals(503, status(n, "/sync"), n + " is no synchronous standby any more");
    }
    report("synchronous_mode off: sync deleted and commits asynchronous after %s", since(t));
  }

  // ================================================================= helpers

  /** Waits until {@code sync} names {@code leader} and one of the others; returns that standby. */
  private String awaitSyncStandby(String leader) throws InterruptedException {
    awaitCondition("sync to name " + leader + " and a synchronous standby", SETTLE, () -> {
      Optional<SyncState> s = view().sync().map(v -> v.value());
      return s.isPresent() && s.get().leader().equals(Optional.of(leader)) && s.get().syncStandbys().size() == 1;
    });
    String standby = view().sync().orElseThrow().value().syncStandbys().get(0);
    assertTrue(others(leader).contains(standby), standby);
    return standby;
  }

  private int status(String member, String path) throws InterruptedException {
    return cluster.rest(member, "GET", path, Optional.empty(), Duration.ofSeconds(5)).status();
  }

  private void report(String format, Object... args) {
    String line = "e2e-sync: " + String.format(Locale.ROOT, format, args);
    System.out.println(line);
    timings.add(line.substring(10));
  }

  private String whole() throws Exception {
    if (failedEarly != null) {
      fail("the cluster never bootstrapped (step 1): " + failedEarly);
    }
    return healthy(HEAL);
  }

  private String healthy(Duration limit) throws Exception {
    try {
      return cluster.awaitHealthy(limit, cluster.names());
    } catch (LocalCluster.WaitFailed e) {
      throw new AssertionError(e.getMessage() + "\n" + logTails(), e);
    }
  }

  private String logTails() {
    return E2eSupport.logTails(cluster);
  }

  private ClusterView view() {
    try {
      return cluster.view();
    } catch (DcsException e) {
      throw new AssertionError("etcd did not answer: " + e.getMessage(), e);
    }
  }

  private List<String> others(String member) {
    return cluster.names().stream().filter(n -> !n.equals(member)).toList();
  }

  private void awaitCondition(String what, Duration limit, E2eSupport.ThrowingCondition condition)
      throws InterruptedException {
    E2eSupport.awaitCondition(cluster, what, limit, condition);
  }

  private String ctl(String... args) {
    return E2eSupport.ctl(cluster, args);
  }

  private static String query(Writer.Target t, String sql) throws SQLException {
    java.util.Properties p = new java.util.Properties();
    p.setProperty("user", LocalCluster.SUPERUSER);
    p.setProperty("password", PASSWORD);
    p.setProperty("connectTimeout", "3");
    p.setProperty("socketTimeout", "5");
    try (Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://" + t.host() + ":" + t.port()
        + "/postgres", p); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? String.valueOf(rs.getString(1)) : "";
    }
  }

  private static String since(Instant t) {
    return E2eSupport.since(t);
  }

  private static String fmt(Duration d) {
    return E2eSupport.fmt(d);
  }

  private static void deleteTree(Path root) {
    E2eSupport.deleteTree(root);
  }
}
