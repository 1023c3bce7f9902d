package dev.primus.runner.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.primus.dcs.compat.CtlTable;
import dev.primus.dcs.compat.PatroniCtl;
import dev.primus.dcs.etcd.EtcdHarnessForAgents;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.LeaderLock;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.spi.DcsException;
import dev.primus.ha.Timings;
import dev.primus.runner.AgentProcess;
import dev.primus.runner.demo.LocalCluster;
import dev.primus.runner.demo.Writer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
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
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Primus end to end: a real etcd, three real PostgreSQL 15 servers and three agents, each a separate
 * process of the shaded jar, driven through one ordered sequence of scenarios on one cluster (a start-up
 * costs more than most scenarios). Every scenario starts from a whole cluster (one primary, two streaming
 * replicas) and leaves one, and prints the timings it saw as {@code e2e: ...} lines.
 *
 * <ol>
 *   <li>bootstrap: one primary, two streaming replicas (pg_stat_replication, REST /primary, /replica);
 *   <li>kill -9 of the primary's agent and postmaster: a replica takes the lock and accepts writes, the
 *       other follows it;
 *   <li>the old primary's agent starts again: it rejoins (pg_rewind if it diverged) and streams;
 *   <li>switchover through {@code POST /switchover} and through {@code primus ctl switchover --force};
 *   <li>paused: the primary's agent killed, no failover for 2 x ttl; agent back, resume, whole again;
 *   <li>the real {@code patronictl} (3.0.2): list, switchover, failover;
 *   <li>HAProxy with {@code OPTIONS /primary} checks: the primary is cut off from its replicas, writes
 *       on, then dies; writes through HAProxy reach the new primary; the old one rejoins with pg_rewind;
 *   <li>SIGTERM of the primary's agent hands the lock over without waiting for the ttl.
 * </ol>
 *
 * <p>Needs etcd, PostgreSQL 15, patronictl with python3-etcd, HAProxy ({@code .ci/setup}); a missing one
 * fails the suite with the apt command. Everything started is stopped in {@link #stopEverything()}, and by a
 * JVM shutdown hook if the JVM is stopped first.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterE2eIT {
  static final Timings TIMINGS = new Timings(Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(3));
  static final String PASSWORD = "e2e-secret";
  static final Duration BOOT = Duration.ofSeconds(240);
  static final Duration HEAL = Duration.ofSeconds(180);
  /** Liveness (DESIGN 6.4): a primary again within ttl + loop_wait of the old one's death; 3 s for a busy machine. */
  static final Duration FAILOVER_BOUND = TIMINGS.ttl().plus(TIMINGS.loopWait()).plusSeconds(3);

  private final List<String> timings = new ArrayList<>();
  private Path dir;
  private EtcdHarnessForAgents etcd;
  private LocalCluster cluster;
  private HaproxyProcess haproxy;
  private Writer writer;
  private Thread hook;
  private String neverBootstrapped;

  @BeforeAll
  void startCluster() throws Exception {
    requirePostgres();
    PatroniCtl.require(PatroniCtl.Dcs.etcd3("127.0.0.1:2379"));
    HaproxyProcess.require();
    boolean root = "root".equals(System.getProperty("user.name"));
    dir = Files.createTempDirectory("primus-e2e-");
    // PostgreSQL runs as primus-pg under dir/cluster: it must be let through dir.
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    hook = new Thread(this::stopEverything, "primus-e2e-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    etcd = EtcdHarnessForAgents.start(1);
    Path base = Files.createDirectories(dir.resolve("cluster"));
    cluster = LocalCluster.create(new LocalCluster.Spec("e2e", 3, TIMINGS, base,
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
    if (haproxy != null) {
      haproxy.close();
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
      System.out.println("e2e summary:");
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

  // ================================================================= 1. bootstrap

  @Test
  @Order(1)
  void bootstrapsOnePrimaryAndTwoStreamingReplicas() throws Exception {
    Instant t = Instant.now();
    String leader;
    try {
      leader = healthy(BOOT);
    } catch (AssertionError e) {
      neverBootstrapped = e.getMessage().lines().findFirst().orElse("?");
      throw e;
    }
    report("bootstrap to one primary and two streaming replicas %s", since(t));

    List<String> replicas = others(leader);
    awaitCondition("pg_stat_replication on " + leader + " to list both replicas streaming", Duration.ofSeconds(30),
        () -> streamingFrom(leader).containsAll(replicas));
    // The member keys say "running" as a cycle writes them; the REST status follows when that cycle ends.
    for (String n : cluster.names()) {
      boolean isLeader = n.equals(leader);
      awaitCondition("GET /primary on " + n + " to answer " + (isLeader ? 200 : 503) + " and GET /replica "
          + (isLeader ? 503 : 200), Duration.ofSeconds(10), () -> {
            LocalCluster.Answer primary = cluster.rest(n, "GET", "/primary", Optional.empty(), Duration.ofSeconds(5));
            LocalCluster.Answer replica = cluster.rest(n, "GET", "/replica", Optional.empty(), Duration.ofSeconds(5));
            assertEquals(isLeader ? 200 : 503, primary.status(), "GET /primary on " + n + ": " + primary.body());
            assertEquals(isLeader ? 503 : 200, replica.status(), "GET /replica on " + n + ": " + replica.body());
            return true;
          });
    }
    Writer.createTable(cluster.target(leader), LocalCluster.SUPERUSER, PASSWORD);
  }

  // ================================================================= 2. failover

  @Test
  @Order(2)
  void killingThePrimaryPromotesAReplicaAndTheOtherFollowsIt() throws Exception {
    String old = whole();
    writer = new Writer(cluster::primaryTarget, LocalCluster.SUPERUSER, PASSWORD, Duration.ofMillis(50));
    writer.start();
    awaitCondition("the first writes on " + old, Duration.ofSeconds(30), () -> writer.wroteTo(old, Instant.EPOCH));

    Instant killAt = Instant.now();
    cluster.killAgent(old);
    cluster.killPostmaster(old);
    String next = cluster.awaitLeaderOtherThan(old, FAILOVER_BOUND.plusSeconds(30));
    Duration toLeader = Duration.between(killAt, Instant.now());
    awaitCondition("writes on the new primary " + next, Duration.ofSeconds(60), () -> writer.wroteTo(next, killAt));
    Duration unavailable = writer.outageSince(killAt).map(Writer.Outage::length).orElse(Duration.ZERO);
    report("failover kill→new leader %s, writes unavailable %s", fmt(toLeader), fmt(unavailable));
    assertTrue(toLeader.compareTo(FAILOVER_BOUND) <= 0, "a primary again within ttl + loop_wait: took "
        + fmt(toLeader) + "\n" + cluster.table());

    String other = cluster.names().stream().filter(n -> !n.equals(old) && !n.equals(next)).findFirst().orElseThrow();
    String leader = healthyAmong(List.of(next, other), HEAL);
    assertEquals(next, leader);
    awaitCondition(other + " streaming from " + next + " (pg_stat_replication)", Duration.ofSeconds(60),
        () -> streamingFrom(next).contains(other));
    assertFalse(isInRecovery(cluster.target(next)), next + " accepts writes");
    Set<Long> acked = writer.ackedIds();
    Set<Long> present = Writer.idsOn(cluster.target(next), LocalCluster.SUPERUSER, PASSWORD);
    long lost = acked.stream().filter(id -> !present.contains(id)).count();
    report("failover: %d acknowledged writes, %d not on the new primary (asynchronous replication)", acked.size(),
        lost);
    writer.close();
    writer = null;
  }

  // ================================================================= 3. rejoin

  @Test
  @Order(3)
  void theOldPrimaryRejoinsAndStreams() throws Exception {
    if (neverBootstrapped != null) {
      fail("the cluster never bootstrapped (scenario 1): " + neverBootstrapped);
    }
    String down = cluster.names().stream().filter(n -> !cluster.agentAlive(n)).findFirst()
        .orElseThrow(() -> new AssertionError("scenario 2 left no member down"));
    String leader = leader();
    int offset = cluster.log(down).length();
    Instant t = Instant.now();
    cluster.startAgent(down);
    String healed = healthy(HEAL);
    assertEquals(leader, healed, "the rejoining member must not take the lock");
    Duration took = Duration.between(t, Instant.now());
    String log = cluster.log(down).substring(offset);
    boolean rewound = log.lines().anyMatch(l -> l.contains("Rewind[source=" + leader + "] done"));
    boolean rewindTried = log.contains("Rewind[");
    assertEquals(rewound, rewindTried, "a pg_rewind that was started must have finished:\n" + log);
    assertFalse(log.contains("Reinitialize[") || log.contains("CreateReplica["),
        "the data directory must be kept (rewind or plain follow), not copied again:\n" + log);
    awaitCondition(down + " streaming from " + leader, Duration.ofSeconds(60), () -> streamingFrom(leader).contains(down));
    report("rejoin of %s %s %s", down, rewound ? "with pg_rewind" : "without pg_rewind (not diverged)", fmt(took));
  }

  // ================================================================= 4. switchover

  @Test
  @Order(4)
  void switchoverThroughRestAndThroughCtl() throws Exception {
    String leader = whole();
    String candidate = others(leader).get(0);
    Instant t = Instant.now();
    LocalCluster.Answer a = cluster.rest(leader, "POST", "/switchover",
        Optional.of("{\"leader\":\"" + leader + "\",\"candidate\":\"" + candidate + "\"}"), Duration.ofSeconds(60));
    Duration answered = Duration.between(t, Instant.now());
    assertEquals(200, a.status(), a.body());
    assertEquals(candidate, leader(), "the lock moved to the candidate once POST /switchover answered 200");
    String after = healthy(HEAL);
    assertEquals(candidate, after);
    report("switchover POST /switchover %s→%s answered in %s, whole again after %s", leader, candidate, fmt(answered),
        since(t));

    Instant t2 = Instant.now();
    String out = ctl("switchover", "--force");
    String moved = cluster.awaitLeaderOtherThan(candidate, Duration.ofSeconds(60));
    Duration ctlTook = Duration.between(t2, Instant.now());
    assertTrue(out.contains("Successfully switched over") || out.contains("successfully switched over"), out);
    healthy(HEAL);
    report("switchover primus ctl switchover --force %s→%s %s", candidate, moved, fmt(ctlTook));
  }

  // ================================================================= 5. pause / resume

  @Test
  @Order(5)
  void pausedClusterDoesNotFailOverAndResumes() throws Exception {
    String leader = whole();
    ctl("pause", "--wait");
    awaitCondition("every member to show pause", Duration.ofSeconds(30), () -> {
      ClusterView v = view();
      return v.paused() && v.members().stream().allMatch(m -> m.status().pause());
    });
    cluster.killAgent(leader);
    Instant killed = Instant.now();
    Duration watch = TIMINGS.ttl().multipliedBy(2);
    while (Duration.between(killed, Instant.now()).compareTo(watch) < 0) {
      ClusterView v = view();
      Optional<String> holder = v.leader().map(LeaderLock::holder);
      assertTrue(holder.isEmpty() || holder.get().equals(leader), "paused: nobody else may take the lock: " + holder);
      for (String n : others(leader)) {
        assertNotEquals(MemberRole.PRIMARY, v.member(n).map(m -> m.status().role()).orElse(MemberRole.REPLICA),
            "paused: " + n + " must not be promoted");
        assertEquals(503, cluster.rest(n, "GET", "/primary", Optional.empty(), Duration.ofSeconds(3)).status(),
            n + " answers GET /primary");
      }
      assertTrue(cluster.postmasterPid(leader).isPresent(), "paused: PostgreSQL of " + leader + " keeps running");
      Thread.sleep(500);
    }
    report("pause: primary's agent killed, no failover in %s (2 x ttl)", fmt(watch));

    cluster.startAgent(leader);
    awaitCondition(leader + " holding the lock again while paused", HEAL, () -> view().isLockedBy(leader));
    Instant resumed = Instant.now();
    ctl("resume", "--wait");
    String after = healthy(HEAL);
    assertEquals(leader, after, "resumed: the running primary stays the leader");
    assertFalse(view().paused());
    report("resume: whole again after %s", since(resumed));
  }

  // ================================================================= 6. patronictl

  @Test
  @Order(6)
  void theRealPatronictlListsAndSwitchesPrimus() throws Exception {
    String leader = whole();
    String etcdHost = etcd.clientUrls().get(0).getHost() + ":" + etcd.clientUrls().get(0).getPort();
    PatroniCtl patronictl = PatroniCtl.configure(dir.resolve("patronictl"), "/service/", "e2e",
        PatroniCtl.Dcs.etcd3(etcdHost));

    CtlTable list = patronictl.run("list").ok().table();
    assertEquals(cluster.names(), list.column("Member"), list.toString());
    assertEquals("Leader", list.row("Member", leader).get("Role"), list.toString());
    for (String n : others(leader)) {
      assertEquals("Replica", list.row("Member", n).get("Role"), list.toString());
      assertEquals("running", list.row("Member", n).get("State"), list.toString());
    }

    String x = others(leader).get(0);
    Instant t = Instant.now();
    patronictl.run("switchover", "--force", "--candidate", x).ok();
    awaitCondition(x + " leading after patronictl switchover", Duration.ofSeconds(60), () -> view().isLockedBy(x));
    Duration sw = Duration.between(t, Instant.now());
    healthy(HEAL);

    String y = others(x).get(0);
    Instant t2 = Instant.now();
    patronictl.run("failover", "--force", "--candidate", y).ok();
    awaitCondition(y + " leading after patronictl failover", Duration.ofSeconds(60), () -> view().isLockedBy(y));
    Duration fo = Duration.between(t2, Instant.now());
    healthy(HEAL);
    CtlTable after = patronictl.run("list").ok().table();
    assertEquals("Leader", after.row("Member", y).get("Role"), after.toString());
    report("patronictl switchover %s→%s %s, failover %s→%s %s", leader, x, fmt(sw), x, y, fmt(fo));
  }

  // ================================================================= 7. HAProxy

  @Test
  @Order(7)
  void writesThroughHaproxyReachTheNewPrimaryAndTheCutOffOneRewinds() throws Exception {
    String old = whole();
    haproxy = HaproxyProcess.start(cluster, dir, freePort());
    Writer.Target viaHaproxy = new Writer.Target("haproxy", "127.0.0.1", haproxy.port());
    awaitCondition("HAProxy to route to " + old, Duration.ofSeconds(30),
        () -> serverPort(viaHaproxy).map(p -> p == cluster.node(old).pgPort()).orElse(false));
    writer = new Writer(() -> Optional.of(viaHaproxy), LocalCluster.SUPERUSER, PASSWORD, Duration.ofMillis(50));
    writer.start();
    awaitCondition("writes through HAProxy", Duration.ofSeconds(30), () -> writer.stats().acked() >= 20);

    // The primary is cut off from its replicas (its WAL senders frozen), takes writes alone, then dies:
    // its WAL now holds what no replica has, so it must come back with pg_rewind.
    cluster.killAgent(old);
    List<Long> senders = walSenders(old);
    assertEquals(2, senders.size(), "two WAL senders on " + old);
    signal("STOP", senders);
    try (Connection c = connect(cluster.target(old)); Statement st = c.createStatement()) {
      st.execute("CREATE TABLE IF NOT EXISTS e2e_diverged AS SELECT g AS id FROM generate_series(1, 1000) g");
    }
    Instant killAt = Instant.now();
    cluster.killPostmaster(old);
    signal("KILL", senders);

    String next = cluster.awaitLeaderOtherThan(old, FAILOVER_BOUND.plusSeconds(30));
    Duration toLeader = Duration.between(killAt, Instant.now());
    awaitCondition("HAProxy to route writes to " + next, Duration.ofSeconds(60),
        () -> serverPort(viaHaproxy).map(p -> p == cluster.node(next).pgPort()).orElse(false));
    Instant routed = Instant.now();
    awaitCondition("a write through HAProxy after the kill", Duration.ofSeconds(30),
        () -> writer.stats().lastAck().map(a -> a.isAfter(routed)).orElse(false));
    Duration unavailable = writer.outageSince(killAt).map(Writer.Outage::length).orElse(Duration.ZERO);
    assertFalse(isInRecovery(viaHaproxy), "HAProxy routes to a writable primary");
    report("haproxy failover kill→new leader %s, writes through HAProxy unavailable %s", fmt(toLeader),
        fmt(unavailable));
    writer.close();
    writer = null;
    haproxy.close();
    haproxy = null;

    int offset = cluster.log(old).length();
    Instant restart = Instant.now();
    cluster.startAgent(old);
    String leader = healthy(HEAL);
    String log = cluster.log(old).substring(offset);
    assertTrue(log.contains("Rewind[source=" + leader + "] done"),
        old + " wrote WAL its replicas never received: it must rejoin with pg_rewind:\n" + log);
    assertFalse(tableExists(cluster.target(old), "e2e_diverged") || tableExists(cluster.target(leader), "e2e_diverged"),
        "the cut-off primary's own writes are gone after the rewind");
    report("rejoin of %s with pg_rewind after diverging %s", old, since(restart));
  }

  // ================================================================= 8. SIGTERM

  @Test
  @Order(8)
  void sigtermOfThePrimaryHandsOverWithoutWaitingForTheTtl() throws Exception {
    String leader = whole();
    Instant t = Instant.now();
    cluster.agent(leader).orElseThrow().signalTerminate();
    String next = cluster.awaitLeaderOtherThan(leader, TIMINGS.ttl().multipliedBy(2));
    Duration took = Duration.between(t, Instant.now());
    Optional<Integer> exit = cluster.agent(leader).orElseThrow().terminate(Duration.ofSeconds(60));
    assertTrue(exit.isPresent(), "the agent exits after SIGTERM");
    assertTrue(exit.get() == 0 || exit.get() == 143, "exit status " + exit.get());
    report("SIGTERM of the primary's agent→new leader %s (ttl %d s)", fmt(took), TIMINGS.ttl().toSeconds());
    assertTrue(took.compareTo(TIMINGS.ttl().dividedBy(2)) < 0, "the lock is handed over, not left to expire: "
        + fmt(took));

    cluster.startAgent(leader);
    assertEquals(next, healthy(HEAL));
  }

  // ================================================================= helpers

  private void report(String format, Object... args) {
    String line = "e2e: " + String.format(Locale.ROOT, format, args);
    System.out.println(line);
    timings.add(line.substring(5));
  }

  private String healthy(Duration limit) throws Exception {
    return healthyAmong(cluster.names(), limit);
  }

  /**
   * Every scenario after the first starts here: if the cluster never came up there is nothing to test,
   * and each scenario failing at once says so instead of waiting out its own timeout.
   */
  private String whole() throws Exception {
    if (neverBootstrapped != null) {
      fail("the cluster never bootstrapped (scenario 1): " + neverBootstrapped);
    }
    String leader = healthy(HEAL);
    // The member keys say streaming as a cycle writes them; a member's own answer (GET /patroni, what a
    // switchover asks the candidate) looks at PostgreSQL now. Whole means both agree: one CI run asked a
    // rejoined member 1.7 s after its rejoin, it answered 'crashed' (its postmaster.pid read as absent or
    // dead), and the switchover was refused.
    E2eSupport.awaitCondition(cluster, "every member's GET /patroni saying running", Duration.ofSeconds(15),
        () -> cluster.names().stream().allMatch(n -> {
          try {
            LocalCluster.Answer a = cluster.rest(n, "GET", "/patroni", Optional.empty(), Duration.ofSeconds(5));
            return a.status() == 200 && a.body().contains("\"state\": \"running\"")
                || a.status() == 200 && a.body().contains("\"state\":\"running\"");
          } catch (Exception e) {
            return false;
          }
        }));
    return leader;
  }

  private String healthyAmong(List<String> members, Duration limit) throws Exception {
    try {
      return cluster.awaitHealthy(limit, members);
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

  private String leader() {
    return view().leader().map(LeaderLock::holder).orElseThrow(() -> new AssertionError("no leader"));
  }

  private List<String> others(String member) {
    return cluster.names().stream().filter(n -> !n.equals(member)).toList();
  }

  private void awaitCondition(String what, Duration limit, E2eSupport.ThrowingCondition condition)
      throws InterruptedException {
    E2eSupport.awaitCondition(cluster, what, limit, condition);
  }


  /** {@code primus ctl -c node1.yml args...} in this JVM; fails the test on a non-zero exit. */
  private String ctl(String... args) {
    return E2eSupport.ctl(cluster, args);
  }

  private Connection connect(Writer.Target t) throws SQLException {
    java.util.Properties p = new java.util.Properties();
    p.setProperty("user", LocalCluster.SUPERUSER);
    p.setProperty("password", PASSWORD);
    p.setProperty("connectTimeout", "3");
    p.setProperty("socketTimeout", "5");
    return java.sql.DriverManager.getConnection("jdbc:postgresql://" + t.host() + ":" + t.port() + "/postgres", p);
  }

  /** Replicas streaming from {@code member}, by application_name. */
  private List<String> streamingFrom(String member) throws SQLException {
    List<String> names = new ArrayList<>();
    try (Connection c = connect(cluster.target(member)); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }

  private List<Long> walSenders(String member) throws SQLException {
    List<Long> pids = new ArrayList<>();
    try (Connection c = connect(cluster.target(member)); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT pid FROM pg_stat_replication")) {
      while (rs.next()) {
        pids.add(rs.getLong(1));
      }
    }
    return pids;
  }

  private boolean isInRecovery(Writer.Target t) throws SQLException {
    try (Connection c = connect(t); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  private boolean tableExists(Writer.Target t, String table) throws SQLException {
    try (Connection c = connect(t); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT to_regclass('" + table + "') IS NOT NULL")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  /** The PostgreSQL port behind {@code t} (HAProxy: the server it routed this connection to). */
  private Optional<Integer> serverPort(Writer.Target t) {
    try (Connection c = connect(t); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT inet_server_port()")) {
      rs.next();
      return Optional.of(rs.getInt(1));
    } catch (SQLException e) {
      return Optional.empty();
    }
  }

  private static void signal(String sig, List<Long> pids) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("kill", "-" + sig));
    pids.forEach(p -> cmd.add(String.valueOf(p)));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS), "kill -" + sig);
    assertEquals(0, p.exitValue(), "kill -" + sig + " " + pids + ": " + new String(p.getInputStream().readAllBytes()));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String since(Instant t) {
    return E2eSupport.since(t);
  }

  private static String fmt(Duration d) {
    return E2eSupport.fmt(d);
  }

  static void requirePostgres() {
    try (Stream<Path> s = Files.list(Path.of("/usr/lib/postgresql"))) {
      if (s.noneMatch(d -> Files.isExecutable(d.resolve("bin").resolve("postgres")))) {
        fail("no PostgreSQL under /usr/lib/postgresql; apt-get install -y postgresql-15 (see .ci/setup)");
      }
    } catch (IOException e) {
      fail("no PostgreSQL under /usr/lib/postgresql; apt-get install -y postgresql-15 (see .ci/setup)");
    }
  }

  private static void deleteTree(Path root) {
    E2eSupport.deleteTree(root);
  }
}
