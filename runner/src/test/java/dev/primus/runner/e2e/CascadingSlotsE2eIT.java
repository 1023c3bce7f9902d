package dev.primus.runner.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.primus.dcs.etcd.EtcdHarnessForAgents;
import dev.primus.runner.AgentProcess;
import dev.primus.runner.demo.LocalCluster;
import dev.primus.runner.demo.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Cascading replication with slots (issue 10, item 6), on a real etcd and three PostgreSQL 15: node3 has
 * {@code tags.replicatefrom: node2}. node2, itself a replica, creates the physical slot {@code node3}, and
 * node3 streams from node2 through it, as with Patroni 3.0.2 (where Primus used to leave node3's walreceiver
 * failing with {@code replication slot "node3" does not exist}).
 */
class CascadingSlotsE2eIT {
  static final String PASSWORD = "e2e-cascade-secret";
  static final Duration BOOT = Duration.ofSeconds(240);

  private Path dir;
  private EtcdHarnessForAgents etcd;
  private LocalCluster cluster;

  @AfterEach
  void stopEverything() {
    if (cluster != null) {
      cluster.stopAll(Duration.ofSeconds(60));
    }
    if (etcd != null) {
      etcd.close();
    }
    if (dir != null && !Boolean.getBoolean("primus.it.keep")) {
      E2eSupport.deleteTree(dir);
    }
  }

  @Test
  void aReplicaCreatesTheSlotForTheMemberThatCascadesFromItAndThatMemberStreamsThroughIt() throws Exception {
    ClusterE2eIT.requirePostgres();
    boolean root = "root".equals(System.getProperty("user.name"));
    dir = Files.createTempDirectory("primus-e2e-cascade-");
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    etcd = EtcdHarnessForAgents.start(1);
    Path base = Files.createDirectories(dir.resolve("cluster"));
    cluster = LocalCluster.create(new LocalCluster.Spec("e2ecascade", 3, ClusterE2eIT.TIMINGS, base,
        root ? Optional.of("primus-pg") : Optional.empty(), AgentProcess.shadedJar(), LocalCluster.LEAN_JVM, PASSWORD),
        LocalCluster.Dcs.etcd3(etcd.hosts()));
    Files.writeString(cluster.node("node3").config(), "tags:\n  replicatefrom: node2\n", StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);

    // node1 bootstraps alone, so that node2 is a replica when node3 asks to cascade from it.
    cluster.startAgent("node1");
    E2eSupport.awaitCondition(cluster, "node1 leading", BOOT, () -> cluster.leader().filter("node1"::equals).isPresent());
    cluster.startAgent("node2");
    await("node2 streaming from node1", BOOT, () -> "streaming".equals(receiver("node2").status()));
    Instant started = Instant.now();
    cluster.startAgent("node3");

    await("node3 streaming from node2 through slot node3", BOOT, () -> {
      Receiver r = receiver("node3");
      return "streaming".equals(r.status()) && "node3".equals(r.slot())
          && r.senderPort() == cluster.node("node2").pgPort();
    });
    Duration toStream = Duration.between(started, Instant.now());
    assertEquals("t", query("node2", "SELECT active FROM pg_replication_slots WHERE slot_name = 'node3'"),
        "node2 keeps an active physical slot for node3");
    assertEquals("f", query("node1", "SELECT count(*) > 0 FROM pg_replication_slots WHERE slot_name = 'node3'"),
        "the primary keeps no slot for a member that does not stream from it");
    String log = readQuietly(cluster.node("node3").postgresLog());
    long missing = log.lines().filter(l -> l.contains("replication slot \"node3\" does not exist")).count();
    System.out.println("e2e-cascade: node3 streaming from node2 through its slot " + E2eSupport.fmt(toStream)
        + " after its agent started; " + missing + " walreceiver error(s) for a missing slot");
    assertFalse(toStream.compareTo(Duration.ofSeconds(60)) > 0, "node3 took " + toStream + " to stream through node2");
  }

  private record Receiver(String status, String slot, int senderPort) {}

  private Receiver receiver(String node) {
    try (Connection c = connect(cluster.target(node)); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT status, coalesce(slot_name, ''), coalesce(sender_port, 0)"
            + " FROM pg_stat_wal_receiver")) {
      return rs.next() ? new Receiver(rs.getString(1), rs.getString(2), rs.getInt(3)) : new Receiver("", "", 0);
    } catch (SQLException e) {
      return new Receiver("", "", 0);
    }
  }

  private String query(String node, String sql) throws SQLException {
    try (Connection c = connect(cluster.target(node)); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? String.valueOf(rs.getString(1)) : "";
    }
  }

  private void await(String what, Duration limit, E2eSupport.ThrowingCondition condition) throws Exception {
    E2eSupport.awaitCondition(cluster, what, limit, condition);
  }

  private static String readQuietly(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      return "";
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
}
