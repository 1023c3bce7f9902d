package dev.primus.runner.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.primus.dcs.etcd.EtcdHarnessForAgents;
import dev.primus.dcs.spi.DcsException;
import dev.primus.ha.Timings;
import dev.primus.runner.AgentProcess;
import dev.primus.runner.demo.LocalCluster;
import dev.primus.runner.demo.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Several members in one JVM, for real: three "hosts", each ONE process of the shaded jar
 * ({@code primus run a.yml b.yml c.yml}) running a member of each of three clusters, so nine PostgreSQL 15
 * instances and one etcd. Host 1 is started first and leads all three clusters; hosts 2 and 3 join as
 * replicas. A writer commits to each cluster's primary every 50 ms. Then host 1 dies: its JVM is SIGKILLed
 * and its three postmasters with it. Every cluster fails over, none loses an acknowledged write; host 1 comes
 * back (the same three files) and its members rejoin as streaming replicas. Prints what it saw as
 * {@code fleet: ...} lines. Needs etcd and PostgreSQL 15 ({@code .ci/setup}); fails, never skips, without them.
 */
class FleetIT {
  static final Timings TIMINGS = new Timings(Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(3));
  static final String PASSWORD = "fleet-secret";
  static final Duration BOOT = Duration.ofSeconds(300);
  static final Duration HEAL = Duration.ofSeconds(240);
  /** Liveness (DESIGN 6.4): ttl + loop_wait, plus slack for nine servers on two cores. */
  static final Duration FAILOVER_BOUND = TIMINGS.ttl().plus(TIMINGS.loopWait()).plusSeconds(10);
  static final List<String> SCOPES = List.of("fleet-a", "fleet-b", "fleet-c");

  @Test
  void aHostRunningAMemberOfEachOfThreeClustersDiesAndEveryClusterFailsOverLosingNothing() throws Exception {
    ClusterE2eIT.requirePostgres();
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dir = Files.createTempDirectory("primus-fleet-");
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    List<LocalCluster> clusters = new ArrayList<>();
    AgentProcess[] hosts = new AgentProcess[3];
    List<Writer> writers = new ArrayList<>();
    List<String> report = new ArrayList<>();
    try (EtcdHarnessForAgents etcd = EtcdHarnessForAgents.start(1)) {
      for (String scope : SCOPES) {
        Path base = Files.createDirectories(dir.resolve(scope));
        clusters.add(LocalCluster.create(new LocalCluster.Spec(scope, 3, TIMINGS, base,
            root ? Optional.of("primus-pg") : Optional.empty(), AgentProcess.shadedJar(), LocalCluster.LEAN_JVM, PASSWORD),
            LocalCluster.Dcs.etcd3(etcd.hosts())));
      }
      Instant t0 = Instant.now();
      hosts[0] = startHost(clusters, dir, 0);
      for (LocalCluster c : clusters) {
        await(c, hosts, "host 1 to lead " + c.spec().scope(), BOOT, () -> c.leader().equals(Optional.of("node1")));
      }
      hosts[1] = startHost(clusters, dir, 1);
      hosts[2] = startHost(clusters, dir, 2);
      for (LocalCluster c : clusters) {
        c.awaitHealthy(BOOT, c.names());
      }
      report.add("fleet: 3 hosts x 3 clusters (9 PostgreSQL 15) whole " + E2eSupport.since(t0)
          + " after the first host started; host 1 leads every cluster");

      for (LocalCluster c : clusters) {
        Writer.createTable(c.target("node1"), LocalCluster.SUPERUSER, PASSWORD);
        Writer w = new Writer(c::primaryTarget, LocalCluster.SUPERUSER, PASSWORD, Duration.ofMillis(50));
        writers.add(w);
        w.start();
      }
      for (Writer w : writers) {
        await(clusters.get(writers.indexOf(w)), hosts, "acknowledged writes", Duration.ofSeconds(60),
            () -> w.stats().acked() >= 20);
      }

      // Host 1 dies: its JVM and every postmaster it ran.
      Instant killedAt = Instant.now();
      hosts[0].kill();
      for (LocalCluster c : clusters) {
        c.killPostmaster("node1");
      }
      List<String> newLeaders = new ArrayList<>();
      for (LocalCluster c : clusters) {
        String leader = c.awaitLeaderOtherThan("node1", FAILOVER_BOUND.plusSeconds(30));
        newLeaders.add(leader);
        report.add("fleet: " + c.spec().scope() + " failed over to " + leader + ", leader lock moved "
            + E2eSupport.since(killedAt) + " after the host died");
      }
      Duration allMoved = Duration.between(killedAt, Instant.now());
      for (int i = 0; i < clusters.size(); i++) {
        Writer w = writers.get(i);
        String leader = newLeaders.get(i);
        Instant after = Instant.now();
        await(clusters.get(i), hosts, "writes on " + leader, Duration.ofSeconds(60), () -> w.wroteTo(leader, after));
      }
      for (int i = 0; i < clusters.size(); i++) {
        Writer w = writers.get(i);
        w.close();
        Set<Long> acked = w.ackedIds();
        Set<Long> present = Writer.idsOn(clusters.get(i).target(newLeaders.get(i)), LocalCluster.SUPERUSER, PASSWORD);
        Set<Long> missing = new HashSet<>(acked);
        missing.removeAll(present);
        report.add(String.format(Locale.ROOT, "fleet: %s: %d acknowledged writes, %d missing on %s; writes"
            + " unavailable %s", SCOPES.get(i), acked.size(), missing.size(), newLeaders.get(i),
            w.outageSince(killedAt).map(o -> E2eSupport.fmt(o.length())).orElse("never")));
        assertEquals(Set.of(), missing, SCOPES.get(i) + ": acknowledged writes lost");
      }
      assertTrue(allMoved.compareTo(FAILOVER_BOUND.plusSeconds(20)) <= 0,
          "every cluster failed over within its bound: " + allMoved);

      // Host 1 comes back with the same files: each of its members rejoins its cluster.
      Instant back = Instant.now();
      hosts[0] = startHost(clusters, dir, 0);
      for (LocalCluster c : clusters) {
        c.awaitHealthy(HEAL, c.names());
      }
      report.add("fleet: host 1 back, its three members streaming again " + E2eSupport.since(back) + " later");
    } catch (LocalCluster.WaitFailed e) {
      fail(e.getMessage() + "\n" + hostTails(hosts));
    } finally {
      writers.forEach(Writer::close);
      for (AgentProcess h : hosts) {
        if (h != null) {
          h.terminate(Duration.ofSeconds(60));
          h.close();
        }
      }
      clusters.forEach(c -> c.stopAll(Duration.ofSeconds(30)));
      report.forEach(System.out::println);
      if (!Boolean.getBoolean("primus.it.keep")) {
        E2eSupport.deleteTree(dir);
      }
    }
  }

  /** Host {@code i}: one process running member {@code node<i+1>} of every cluster. */
  static AgentProcess startHost(List<LocalCluster> clusters, Path dir, int i) throws java.io.IOException {
    List<Path> configs = clusters.stream().map(c -> c.node("node" + (i + 1)).config()).toList();
    return AgentProcess.start(configs, dir.resolve("host" + (i + 1) + ".log"), Map.of());
  }

  static String hostTails(AgentProcess[] hosts) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < hosts.length; i++) {
      if (hosts[i] != null) {
        b.append("--- host").append(i + 1).append('\n').append(hosts[i].tail(40)).append('\n');
      }
    }
    return b.toString();
  }

  /** A condition that may throw while the cluster is in flux. */
  @FunctionalInterface
  interface Condition {
    boolean test() throws Exception;
  }

  static void await(LocalCluster c, AgentProcess[] hosts, String what, Duration limit, Condition condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    Throwable last = null;
    while (true) {
      try {
        if (condition.test()) {
          return;
        }
      } catch (Exception e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        String table;
        try {
          table = c.table();
        } catch (DcsException | RuntimeException e) {
          table = "(no table: " + e + ")";
        }
        fail("timed out after " + limit.toSeconds() + " s waiting for " + what + (last == null ? "" : " (" + last + ")")
            + "\n" + table + "\n" + hostTails(hosts));
      }
      Thread.sleep(100);
    }
  }
}
