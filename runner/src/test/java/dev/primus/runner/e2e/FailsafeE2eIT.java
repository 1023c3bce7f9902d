package dev.primus.runner.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.etcd.EtcdHarnessForAgents;
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
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * failsafe_mode end to end: a real etcd, three PostgreSQL 15 servers and three agent processes (the
 * timings of {@link ClusterE2eIT}), in order:
 * <ol>
 *   <li>{@code failsafe_mode} turned on through {@code PATCH /config}: the leader writes {@code failsafe}
 *       with all three members ({@code GET /failsafe});</li>
 *   <li>etcd stopped with the cluster running: the primary keeps accepting writes for three ttl, says so
 *       ({@code failsafe_mode_is_active}), and no replica is promoted;</li>
 *   <li>etcd back: the same leader holds the lock and the cluster is whole again.</li>
 * </ol>
 * Each step prints its timings as {@code e2e-failsafe: ...}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailsafeE2eIT {
  static final String PASSWORD = "e2e-failsafe-secret";
  static final Duration BOOT = Duration.ofSeconds(240);
  static final Duration HEAL = Duration.ofSeconds(120);

  private final List<String> timings = new ArrayList<>();
  private Path dir;
  private EtcdHarnessForAgents etcd;
  private LocalCluster cluster;
  private Thread hook;
  private String leader;

  /** How many members the cluster has; {@link FailsafeOneMemberE2eIT} runs the same steps with one. */
  int members() {
    return 3;
  }

  @BeforeAll
  void startCluster() throws Exception {
    ClusterE2eIT.requirePostgres();
    boolean root = "root".equals(System.getProperty("user.name"));
    dir = Files.createTempDirectory("primus-e2e-failsafe-");
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    hook = new Thread(this::stopEverything, "primus-e2e-failsafe-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    etcd = EtcdHarnessForAgents.start(1);
    Path base = Files.createDirectories(dir.resolve("cluster"));
    cluster = LocalCluster.create(new LocalCluster.Spec("e2efs" + members(), members(), ClusterE2eIT.TIMINGS, base,
        root ? Optional.of("primus-pg") : Optional.empty(), AgentProcess.shadedJar(), LocalCluster.LEAN_JVM, PASSWORD),
        LocalCluster.Dcs.etcd3(etcd.hosts()));
    for (String n : cluster.names()) {
      cluster.startAgent(n);
    }
  }

  @AfterAll
  void stopEverything() {
    E2eSupport.tearDown(cluster, etcd, dir, "e2e-failsafe", timings, hook);
  }

  @Test
  @Order(1)
  void turningFailsafeModeOnWritesTheMembersIntoFailsafe() throws Exception {
    leader = healthy(BOOT);
    Writer.createTable(cluster.target(leader), LocalCluster.SUPERUSER, PASSWORD);
    Instant t = Instant.now();
    LocalCluster.Answer patched = cluster.rest(leader, "PATCH", "/config", Optional.of("{\"failsafe_mode\":true}"),
        Duration.ofSeconds(10));
    assertEquals(200, patched.status(), patched.body());
    E2eSupport.awaitCondition(cluster, "GET /failsafe lists the " + members() + " member(s)", Duration.ofSeconds(30), () -> {
      LocalCluster.Answer a = cluster.rest(leader, "GET", "/failsafe", Optional.empty(), Duration.ofSeconds(5));
      return a.status() == 200 && cluster.names().stream().allMatch(n -> a.body().contains("\"" + n + "\""));
    });
    record(members() + " member(s): failsafe key written " + E2eSupport.since(t) + " after PATCH /config");
  }

  @Test
  @Order(2)
  void withEtcdStoppedThePrimaryKeepsTakingWritesBeyondTtl() throws Exception {
    Instant stopped = Instant.now();
    etcd.stopAll();
    Duration hold = ClusterE2eIT.TIMINGS.ttl().multipliedBy(3);
    int written = 0;
    long id = 1_000_000;
    while (Duration.between(stopped, Instant.now()).compareTo(hold) < 0) {
      execute(cluster.target(leader), "INSERT INTO " + Writer.TABLE + " (id, via) VALUES (" + (id++) + ", 'failsafe')");
      written++;
      for (String n : cluster.names()) {
        if (!n.equals(leader)) {
          assertEquals("t", query(cluster.target(n), "SELECT pg_is_in_recovery()"), n + " must stay a replica");
        }
      }
      Thread.sleep(1000);
    }
    LocalCluster.Answer patroni = cluster.rest(leader, "GET", "/patroni", Optional.empty(), Duration.ofSeconds(5));
    assertTrue(patroni.body().contains("\"failsafe_mode_is_active\":true"), patroni.body());
    LocalCluster.Answer primary = cluster.rest(leader, "GET", "/primary", Optional.empty(), Duration.ofSeconds(5));
    assertEquals(200, primary.status(), "a load balancer keeps sending writes to it: " + primary.body());
    assertTrue(primary.body().contains("\"failsafe_mode_is_active\":true"), primary.body());
    assertEquals("f", query(cluster.target(leader), "SELECT pg_is_in_recovery()"));
    record(members() + " member(s): " + written + " writes accepted by " + leader + " during " + E2eSupport.fmt(hold) + " without etcd (ttl "
        + E2eSupport.fmt(ClusterE2eIT.TIMINGS.ttl()) + ")");
  }

  @Test
  @Order(3)
  void etcdBackTheSameLeaderHoldsTheLockAndTheClusterIsWhole() throws Exception {
    Instant t = Instant.now();
    etcd.restartAll();
    String after = healthy(HEAL);
    assertEquals(leader, after, "the primary that ran on failsafe keeps leading");
    record(members() + " member(s): cluster whole again " + E2eSupport.since(t) + " after etcd restarted, leader " + after);
  }

  private void record(String line) {
    String l = "e2e-failsafe: " + line;
    System.out.println(l);
    timings.add(l);
  }

  private String healthy(Duration limit) throws Exception {
    try {
      return cluster.awaitHealthy(limit, cluster.names());
    } catch (LocalCluster.WaitFailed e) {
      throw new AssertionError(e.getMessage() + "\n" + E2eSupport.logTails(cluster), e);
    }
  }

  private static Connection connect(Writer.Target t) throws SQLException {
    java.util.Properties p = new java.util.Properties();
    p.setProperty("user", LocalCluster.SUPERUSER);
    p.setProperty("password", PASSWORD);
    p.setProperty("connectTimeout", "3");
    p.setProperty("socketTimeout", "5");
    return java.sql.DriverManager.getConnection("jdbc:postgresql://" + t.host() + ":" + t.port() + "/postgres", p);
  }

  private static void execute(Writer.Target t, String sql) throws SQLException {
    try (Connection c = connect(t); Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  private static String query(Writer.Target t, String sql) throws SQLException {
    try (Connection c = connect(t); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? String.valueOf(rs.getString(1)) : "";
    }
  }
}
