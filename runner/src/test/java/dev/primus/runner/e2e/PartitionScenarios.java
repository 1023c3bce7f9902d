package dev.primus.runner.e2e;

import dev.primus.runner.demo.LocalCluster;
import dev.primus.runner.demo.Writer;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The partition scenarios of issue 11 on a {@link PartitionCluster}, one after the other on the same
 * cluster: each starts from a whole cluster (one primary, two streaming replicas), runs the writer
 * ({@link Writer} following {@code GET /primary}, every 50 ms) and the {@link Probes}, injects its fault,
 * heals it, waits for the cluster to be whole again, and reports a {@link Row}. Shared by
 * {@link PartitionE2eIT} (a subset, with assertions) and {@link PartitionBench} (the matrix, a table).
 */
final class PartitionScenarios {
  static final Duration INTERVAL = Duration.ofMillis(50);

  /** Replication mode of a run: {@code synchronous_mode} off or on. */
  enum Mode {
    ASYNC, SYNC;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The faults of issue 11; what "healing" means for each is in its description. */
  enum Scenario {
    ISOLATE_PRIMARY("isolate the primary", "every packet on the primary's host link dropped for 2 x ttl"),
    ISOLATE_PRIMARY_DCS("isolate the primary from the DCS", "etcd's ports (2379, 2380) dropped on the primary's"
        + " host link for 2 x ttl; PostgreSQL and REST stay reachable"),
    ISOLATE_REPLICA("isolate a replica", "every packet on a replica's host link dropped for 2 x ttl (in"
        + " synchronous mode the synchronous standby's)"),
    BLACKHOLE_ETCD("black-hole one etcd member", "the etcd member on the primary's host (the one its agent asks"
        + " first) black-holed for everyone for 2 x ttl"),
    FREEZE_AGENT("freeze the primary's agent", "SIGSTOP of the primary's agent for 2 x ttl, then SIGCONT;"
        + " its PostgreSQL keeps running"),
    KILL9_PRIMARY("kill -9 the primary", "SIGKILL of the primary's agent and postmaster; 2 x ttl later its"
        + " agent is started again"),
    FLAPPING("flapping", "the primary's host (the leader at each cut) cut off for 5 s, then healed for 5 s,"
        + " ten times");

    final String title;
    final String fault;

    Scenario(String title, String fault) {
      this.title = title;
      this.fault = fault;
    }

    /** Whether issue 11 requires the primary to lose at most one loop_wait of writes. */
    boolean primaryUnaffected() {
      return this == ISOLATE_REPLICA || this == BLACKHOLE_ETCD;
    }
  }

  /**
   * What one scenario measured.
   *
   * @param toHealthy  from healing to one primary + two streaming replicas (empty: not within the limit)
   * @param primaries  the epochs (member@timeline) that acknowledged writes, in order
   */
  record Row(Scenario scenario, Mode mode, String target, PartitionCheck.Figures figures,
      Optional<Duration> toHealthy, Duration healLimit, String finalPrimary, List<String> misses, String notes) {
    Duration gap() {
      return figures.gap().map(PartitionCheck.Gap::length).orElse(Duration.ZERO);
    }
  }

  private final PartitionCluster cluster;
  private final Duration healLimit;
  private final Consumer<String> log;
  private long nextId = 1;
  private Mode mode = Mode.ASYNC;

  PartitionScenarios(PartitionCluster cluster, Duration healLimit, Consumer<String> log) {
    this.cluster = cluster;
    this.healLimit = healLimit;
    this.log = log;
  }

  /** Boots the cluster (h1 first), waits for it whole and creates the writer's table. */
  String boot(Duration limit) throws Exception {
    Instant t = Instant.now();
    cluster.startAgents(limit);
    String leader = cluster.awaitHealthy(limit);
    Writer.createTable(cluster.target(leader), LocalCluster.SUPERUSER, PartitionCluster.PASSWORD);
    log.accept(String.format(Locale.ROOT, "boot: %s leads, whole after %s", leader, E2eSupport.since(t)));
    return leader;
  }

  /** Turns {@code synchronous_mode} on or off through {@code PATCH /config} on the primary. */
  void mode(Mode m) throws Exception {
    String leader = cluster.awaitHealthy(healLimit);
    String body = m == Mode.SYNC ? "{\"synchronous_mode\":true}" : "{\"synchronous_mode\":null}";
    LocalCluster.Answer a = cluster.rest(leader, "PATCH", "/config", Optional.of(body), Duration.ofSeconds(10));
    if (a.status() != 200) {
      throw new IOException("PATCH /config " + body + " on " + leader + ": " + a.status() + " " + a.body());
    }
    if (m == Mode.SYNC) {
      String sync = cluster.awaitSyncStandby(leader, Duration.ofSeconds(60));
      log.accept("mode: synchronous, " + sync + " is " + leader + "'s synchronous standby");
    } else {
      log.accept("mode: asynchronous");
    }
    mode = m;
  }

  Mode mode() {
    return mode;
  }

  /** Runs one scenario in the current mode; never throws for what it measures (a miss is in the row). */
  Row run(Scenario s) throws Exception {
    Duration ttl = cluster.timings().ttl();
    Duration hold = ttl.multipliedBy(2);
    String leader = cluster.awaitHealthy(healLimit);
    if (mode == Mode.SYNC) {
      cluster.awaitSyncStandby(leader, Duration.ofSeconds(60));
    }
    long base = nextId;
    nextId += 10_000_000L;
    Writer writer = new Writer(cluster::primaryByRest, LocalCluster.SUPERUSER, PartitionCluster.PASSWORD, INTERVAL,
        base);
    List<Writer.Target> targets = cluster.names().stream().map(cluster::target).toList();
    Probes probes = new Probes(targets, PartitionCluster.PASSWORD, INTERVAL, base + 1_000_000L);
    String target = leader;
    Instant healedAt;
    List<String> notes = new ArrayList<>();
    try {
      writer.start();
      probes.start();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (writer.stats().acked() < 40 && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      log.accept(String.format(Locale.ROOT, "%s (%s): %s leads; %s", s.title, mode.label(), leader, s.fault));
      Netns.Host lh = cluster.host(leader);
      switch (s) {
        case ISOLATE_PRIMARY -> {
          cluster.net().isolate(lh);
          Thread.sleep(hold.toMillis());
          cluster.net().heal(lh);
        }
        case ISOLATE_PRIMARY_DCS -> {
          cluster.net().isolateFromPorts(lh, PartitionCluster.ETCD_CLIENT, PartitionCluster.ETCD_PEER);
          Thread.sleep(hold.toMillis());
          cluster.net().heal(lh);
        }
        case ISOLATE_REPLICA -> {
          target = replica(leader);
          Netns.Host rh = cluster.host(target);
          cluster.net().isolate(rh);
          Thread.sleep(hold.toMillis());
          cluster.net().heal(rh);
        }
        case BLACKHOLE_ETCD -> {
          target = leader + " (etcd)";
          cluster.net().blackHole(lh, List.of(PartitionCluster.ETCD_CLIENT, PartitionCluster.ETCD_PEER),
              List.of(PartitionCluster.ETCD_PEER));
          Thread.sleep(hold.toMillis());
          cluster.net().heal(lh);
        }
        case FREEZE_AGENT -> {
          cluster.signalAgent(leader, "STOP");
          Thread.sleep(hold.toMillis());
          cluster.signalAgent(leader, "CONT");
        }
        case KILL9_PRIMARY -> {
          cluster.killAgent(leader);
          cluster.killPostmaster(leader);
          Thread.sleep(hold.toMillis());
          cluster.startAgent(leader);
        }
        case FLAPPING -> {
          List<String> cut = new ArrayList<>();
          String current = leader;
          for (int i = 0; i < 10; i++) {
            current = cluster.leader().orElse(current);
            cut.add(current);
            Netns.Host h = cluster.host(current);
            cluster.net().isolate(h);
            Thread.sleep(5_000);
            cluster.net().heal(h);
            if (i < 9) {
              Thread.sleep(5_000);
            }
          }
          target = String.join(",", cut);
        }
        default -> throw new IllegalStateException(s.name());
      }
      healedAt = Instant.now();
      Optional<Duration> toHealthy;
      String finalPrimary;
      try {
        finalPrimary = cluster.awaitHealthy(healLimit);
        toHealthy = Optional.of(Duration.between(healedAt, Instant.now()));
      } catch (LocalCluster.WaitFailed e) {
        toHealthy = Optional.empty();
        notes.add("not whole " + healLimit.toSeconds() + " s after healing");
        log.accept(e.getMessage() + "\n" + cluster.logTails());
        finalPrimary = cluster.leader().orElse("?");
      }
      // The writer on the final primary again, then a little more, before the count.
      String fp = finalPrimary;
      long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!writer.wroteTo(fp, healedAt) && System.nanoTime() < until) {
        Thread.sleep(100);
      }
      Thread.sleep(1_000);
      writer.close();
      probes.close();
      Set<Long> present = idsOn(cluster.target(finalPrimary), base, base + 10_000_000L);
      PartitionCheck.Figures f = PartitionCheck.check(writer.acks(), probes.acks(), present);
      List<String> misses = misses(s, f, toHealthy);
      Row row = new Row(s, mode, target, f, toHealthy, healLimit, finalPrimary, misses, String.join("; ", notes));
      log.accept(describe(row));
      return row;
    } finally {
      writer.close();
      probes.close();
      cluster.net().healAll();
      for (String n : cluster.names()) {
        cluster.signalAgent(n, "CONT");
        if (cluster.agent(n).map(a -> !a.alive()).orElse(true)) {
          cluster.startAgent(n);
        }
      }
    }
  }

  /** A replica to cut off: in synchronous mode the synchronous standby, else the first other member. */
  private String replica(String leader) throws InterruptedException {
    if (mode == Mode.SYNC) {
      try {
        var sync = cluster.view().sync().map(v -> v.value());
        if (sync.isPresent() && !sync.get().syncStandbys().isEmpty()) {
          return sync.get().syncStandbys().get(0);
        }
      } catch (IOException e) {
        // Fall back to the first replica.
      }
    }
    return cluster.names().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
  }

  /** The requirements of issue 11 this row does not meet. */
  List<String> misses(Scenario s, PartitionCheck.Figures f, Optional<Duration> toHealthy) {
    List<String> m = new ArrayList<>();
    if (f.splitBrain() > 0) {
      m.add("split brain");
    }
    if (mode == Mode.SYNC && f.lost() > 0) {
      m.add("lost (sync)");
    }
    Duration loopWait = cluster.timings().loopWait();
    if (s.primaryUnaffected() && f.gap().map(g -> g.length().compareTo(loopWait) > 0).orElse(true)) {
      m.add("gap > loop_wait");
    }
    Duration bound = cluster.timings().ttl().plus(loopWait);
    if (toHealthy.map(d -> d.compareTo(bound) > 0).orElse(true)) {
      m.add("healthy > ttl+loop_wait");
    }
    return m;
  }

  static String describe(Row r) {
    PartitionCheck.Figures f = r.figures();
    String gap = f.gap().map(g -> String.format(Locale.ROOT, "%.2f s (%s -> %s)", g.length().toMillis() / 1000.0,
        g.before(), g.after())).orElse("-");
    return String.format(Locale.ROOT, "partition: %-38s %-5s target %s: %d acked, %d lost, %d split-brain, longest"
        + " gap %s, whole %s after healing, final primary %s, epochs %s%s%s", r.scenario().title, r.mode().label(),
        r.target(), f.acked(), f.lost(), f.splitBrain(), gap,
        r.toHealthy().map(E2eSupport::fmt).orElse("NOT within " + r.healLimit().toSeconds() + " s"),
        r.finalPrimary(), f.epochs(), r.misses().isEmpty() ? "" : "; misses: " + String.join(", ", r.misses()),
        r.notes().isEmpty() ? "" : "; " + r.notes());
  }

  /** The table of {@link PartitionBench}. */
  static String table(List<Row> rows, PartitionCluster cluster) {
    StringBuilder sb = new StringBuilder();
    var t = cluster.timings();
    sb.append(String.format(Locale.ROOT, "ttl %d s, loop_wait %d s, retry_timeout %d s; writer every %d ms;"
        + " requirements: 0 split-brain, 0 lost in sync, gap <= loop_wait for a replica or an etcd member,"
        + " whole within ttl+loop_wait of healing%n", t.ttl().toSeconds(), t.loopWait().toSeconds(),
        t.retryTimeout().toSeconds(), INTERVAL.toMillis()));
    sb.append(String.format(Locale.ROOT, "%-36s %-5s %7s %5s %11s %12s %12s  %s%n", "scenario", "mode", "acked",
        "lost", "split-brain", "longest gap", "whole after", "requirements"));
    for (Row r : rows) {
      PartitionCheck.Figures f = r.figures();
      sb.append(String.format(Locale.ROOT, "%-36s %-5s %7d %5d %11d %10.2f s %12s  %s%n", r.scenario().title,
          r.mode().label(), f.acked(), f.lost(), f.splitBrain(), r.gap().toMillis() / 1000.0,
          r.toHealthy().map(d -> String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0))
              .orElse("> " + r.healLimit().toSeconds() + " s"),
          r.misses().isEmpty() ? "met" : "MISSED: " + String.join(", ", r.misses())));
    }
    return sb.toString();
  }

  /** The ids in {@code [from, to)} on {@code t}, retried for a few seconds (a primary just promoted). */
  static Set<Long> idsOn(Writer.Target t, long from, long to) throws InterruptedException, SQLException {
    SQLException last = null;
    for (int i = 0; i < 20; i++) {
      Properties p = new Properties();
      p.setProperty("user", LocalCluster.SUPERUSER);
      p.setProperty("password", PartitionCluster.PASSWORD);
      p.setProperty("connectTimeout", "3");
      p.setProperty("socketTimeout", "10");
      try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + t.host() + ":" + t.port() + "/postgres", p);
          Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT id FROM " + Writer.TABLE + " WHERE id >= " + from + " AND id < " + to)) {
        Set<Long> ids = new HashSet<>();
        while (rs.next()) {
          ids.add(rs.getLong(1));
        }
        return ids;
      } catch (SQLException e) {
        last = e;
        Thread.sleep(500);
      }
    }
    throw last;
  }
}
