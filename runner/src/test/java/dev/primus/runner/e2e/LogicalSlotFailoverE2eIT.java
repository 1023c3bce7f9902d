package dev.primus.runner.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.etcd.EtcdHarnessForAgents;
import dev.primus.ha.Timings;
import dev.primus.runner.AgentProcess;
import dev.primus.runner.demo.LocalCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Permanent logical slots survive a failover (issue 10, item 7), end to end: a real etcd, two PostgreSQL 15
 * servers and two agent processes with {@code slots: {sub: {type: logical, database: postgres, plugin:
 * test_decoding}}} in {@code bootstrap.dcs}. {@code pg_recvlogical} consumes from the primary; then it stops
 * while more rows are committed (a consumer that lags), the primary is killed (agent and postmaster, kill -9),
 * the replica is promoted, and {@code pg_recvlogical} started against the new primary from the slot's position
 * there must bring every row the first run did not: the union of both runs is exactly the committed rows.
 * Prints how long the copy and the advance took ({@code e2e-slots: ...}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LogicalSlotFailoverE2eIT {
  static final Timings TIMINGS = new Timings(Duration.ofSeconds(20), Duration.ofSeconds(2), Duration.ofSeconds(5));
  static final String PASSWORD = "e2e-slots-secret";
  static final Duration BOOT = Duration.ofSeconds(240);
  private static final Pattern INSERT = Pattern.compile("table public\\.e2e_slot: INSERT: id\\[integer\\]:(\\d+)");

  private final List<String> timings = new ArrayList<>();
  private Path dir;
  private EtcdHarnessForAgents etcd;
  private LocalCluster cluster;
  private Thread hook;
  private final List<Process> consumers = new ArrayList<>();

  @BeforeAll
  void startCluster() throws Exception {
    ClusterE2eIT.requirePostgres();
    boolean root = "root".equals(System.getProperty("user.name"));
    dir = Files.createTempDirectory("primus-e2e-slots-");
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    hook = new Thread(this::stopEverything, "primus-e2e-slots-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    etcd = EtcdHarnessForAgents.start(1);
    Path base = Files.createDirectories(dir.resolve("cluster"));
    cluster = LocalCluster.create(new LocalCluster.Spec("e2eslots", 2, TIMINGS, base,
        root ? Optional.of("primus-pg") : Optional.empty(), AgentProcess.shadedJar(), LocalCluster.LEAN_JVM, PASSWORD),
        LocalCluster.Dcs.etcd3(etcd.hosts()));
    // What an operator adds to the generated patroni.yml: the permanent logical slot, and wal_level for it.
    for (LocalCluster.Node n : cluster.nodes()) {
      String yml = Files.readString(n.config(), StandardCharsets.UTF_8);
      yml = yml.replace("      use_slots: true\n", "      use_slots: true\n    slots:\n      sub:\n        type: logical\n"
          + "        database: postgres\n        plugin: test_decoding\n");
      yml = yml.replace("  parameters:\n", "  parameters:\n    wal_level: logical\n");
      assertTrue(yml.contains("plugin: test_decoding") && yml.contains("wal_level: logical"), yml);
      Files.writeString(n.config(), yml, StandardCharsets.UTF_8);
    }
    for (String n : cluster.names()) {
      cluster.startAgent(n);
    }
  }

  @AfterAll
  void stopEverything() {
    consumers.forEach(Process::destroyForcibly);
    if (cluster != null) {
      cluster.stopAll(Duration.ofSeconds(60));
    }
    if (etcd != null) {
      etcd.close();
    }
    if (dir != null && !Boolean.getBoolean("primus.it.keep")) {
      E2eSupport.deleteTree(dir);
    }
    if (!timings.isEmpty()) {
      System.out.println("e2e-slots summary:");
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

  @Test
  void aLogicalConsumerResumesOnThePromotedReplicaWithoutMissingAChange() throws Exception {
    String leader;
    try {
      leader = cluster.awaitHealthy(BOOT, cluster.names());
    } catch (LocalCluster.WaitFailed e) {
      throw new AssertionError(e.getMessage() + "\n" + E2eSupport.logTails(cluster), e);
    }
    String replica = cluster.names().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
    await("the permanent slot on " + leader, Duration.ofSeconds(30), () -> slotLsn(leader).isPresent());
    try (Connection c = connect(leader)) {
      exec(c, "CREATE TABLE e2e_slot (id int PRIMARY KEY)");
    }

    // 1. A consumer on the primary receives rows 1-200.
    Path first = dir.resolve("first.out");
    Process consumer = recvlogical(leader, first);
    Set<Integer> committed = new TreeSet<>();
    insert(leader, 1, 200, committed);
    await("the consumer to receive rows 1-200", Duration.ofSeconds(30), () -> decoded(first).containsAll(committed));
    long lastCommit = currentLsn(leader);
    await("the consumer to confirm them on " + leader, Duration.ofSeconds(30),
        () -> slotLsn(leader).orElse(0L) >= lastCommit);

    Instant t = Instant.now();
    await("the slot copied to " + replica + " and advanced to the consumer's position", Duration.ofSeconds(120),
        () -> slotLsn(replica).orElse(-1L) >= slotLsn(leader).orElseThrow());
    record("copy and advance on " + replica + " within " + E2eSupport.since(t) + " of the consumer's confirmation"
        + " (loop_wait " + TIMINGS.loopWait().toSeconds() + " s)");
    try (Connection c = connect(replica)) {
      assertEquals("on", query(c, "SHOW hot_standby_feedback"), "forced on where a permanent logical slot lives");
    }

    // 2. The consumer stops (it lags), 100 more rows are committed and replicated, the primary dies.
    stop(consumer);
    long confirmedAtStop = slotLsn(leader).orElseThrow();
    insert(leader, 201, 300, committed);
    long flushed = currentLsn(leader);
    await(replica + " to replay " + flushed, Duration.ofSeconds(30), () -> replayLsn(replica) >= flushed);
    Thread.sleep(TIMINGS.loopWait().multipliedBy(2).toMillis());
    long onReplica = slotLsn(replica).orElseThrow();
    assertTrue(onReplica <= confirmedAtStop,
        "the replica's slot never passes what the consumer confirmed: " + onReplica + " > " + confirmedAtStop);

    Instant killAt = Instant.now();
    cluster.killAgent(leader);
    cluster.killPostmaster(leader);
    String next = cluster.awaitLeaderOtherThan(leader, Duration.ofSeconds(90));
    assertEquals(replica, next);
    await(next + " to accept writes", Duration.ofSeconds(60), () -> {
      try (Connection c = connect(next)) {
        return "f".equals(query(c, "SELECT pg_is_in_recovery()"));
      }
    });
    record("kill -9 of " + leader + " to " + next + " writable " + E2eSupport.since(killAt));
    insert(next, 301, 350, committed);

    // 3. The consumer reconnects to the new primary, from the slot's position there.
    Path second = dir.resolve("second.out");
    Instant resumed = Instant.now();
    Process again = recvlogical(next, second);
    await("the consumer on " + next + " to receive every row it has not", Duration.ofSeconds(60), () -> {
      Set<Integer> all = new TreeSet<>(decoded(first));
      all.addAll(decoded(second));
      return all.containsAll(committed);
    });
    stop(again);
    Set<Integer> firstRun = decoded(first);
    Set<Integer> secondRun = decoded(second);
    Set<Integer> all = new TreeSet<>(firstRun);
    all.addAll(secondRun);
    assertEquals(committed, all, "no change missing, none invented");
    Set<Integer> twice = new TreeSet<>(firstRun);
    twice.retainAll(secondRun);
    assertTrue(secondRun.containsAll(Set.of(201, 300, 301, 350)), "the rows the first run never saw come from the new primary");
    record("consumer resumed on " + next + " in " + E2eSupport.since(resumed) + ": " + secondRun.size() + " rows, "
        + twice.size() + " of them already received before (at-least-once), " + committed.size() + " committed, 0 missing");
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private Process recvlogical(String member, Path out) throws IOException {
    String bin = Files.isExecutable(Path.of("/usr/lib/postgresql/15/bin/pg_recvlogical"))
        ? "/usr/lib/postgresql/15/bin/pg_recvlogical" : "/usr/bin/pg_recvlogical";
    ProcessBuilder pb = new ProcessBuilder(bin, "-d", "host=127.0.0.1 port=" + cluster.node(member).pgPort()
        + " dbname=postgres user=" + LocalCluster.SUPERUSER, "--slot", "sub", "--start", "--no-loop",
        "--status-interval", "1", "--fsync-interval", "1", "-f", out.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve(out.getFileName() + ".log").toFile());
    pb.environment().put("PGPASSWORD", PASSWORD);
    Process p = pb.start();
    consumers.add(p);
    return p;
  }

  /** SIGINT, as an operator stops it: it flushes and confirms what it wrote, then exits. */
  private static void stop(Process p) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start();
    kill.waitFor(10, TimeUnit.SECONDS);
    if (!p.waitFor(15, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
  }

  private static Set<Integer> decoded(Path file) throws IOException {
    Set<Integer> ids = new TreeSet<>();
    if (!Files.exists(file)) {
      return ids;
    }
    Matcher m = INSERT.matcher(Files.readString(file, StandardCharsets.UTF_8));
    while (m.find()) {
      ids.add(Integer.parseInt(m.group(1)));
    }
    return ids;
  }

  private void insert(String member, int from, int to, Set<Integer> committed) throws SQLException {
    try (Connection c = connect(member); Statement st = c.createStatement()) {
      for (int i = from; i <= to; i++) {
        st.execute("INSERT INTO e2e_slot VALUES (" + i + ")");
        committed.add(i);
      }
    }
  }

  private Optional<Long> slotLsn(String member) throws SQLException {
    try (Connection c = connect(member); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT pg_wal_lsn_diff(confirmed_flush_lsn, '0/0')::bigint"
            + " FROM pg_replication_slots WHERE slot_name = 'sub'")) {
      return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
    }
  }

  private long currentLsn(String member) throws SQLException {
    try (Connection c = connect(member)) {
      return Long.parseLong(query(c, "SELECT pg_wal_lsn_diff(pg_current_wal_flush_lsn(), '0/0')::bigint"));
    }
  }

  private long replayLsn(String member) throws SQLException {
    try (Connection c = connect(member)) {
      return Long.parseLong(query(c, "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint"));
    }
  }

  private Connection connect(String member) throws SQLException {
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + cluster.node(member).pgPort()
        + "/postgres?connectTimeout=5&socketTimeout=30", LocalCluster.SUPERUSER, PASSWORD);
  }

  private static String query(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static void exec(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  private void await(String what, Duration limit, E2eSupport.ThrowingCondition condition) throws InterruptedException {
    E2eSupport.awaitCondition(cluster, what, limit, condition);
  }

  private void record(String line) {
    String l = "e2e-slots: " + line;
    System.out.println(l);
    timings.add(l);
  }
}
