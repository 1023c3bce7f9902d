package dev.primus.bench.failover;

import dev.primus.bench.failover.Results.Footprint;
import dev.primus.bench.failover.Results.Phase;
import dev.primus.bench.failover.Results.Round;
import dev.primus.bench.failover.Results.Scenario;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The scenario for one agent at one setting: bootstrap three members, measure the idle footprint, then
 * {@code n} unplanned failovers and {@code n} switchovers under the writer. Progress goes to stderr.
 */
final class ScenarioRun {
  private static final Duration BOOT = Duration.ofSeconds(240);
  private static final Duration REJOIN = Duration.ofSeconds(240);
  private static final long POLL_MILLIS = 20;
  /** Health checks run this long before the first round: connections open, the agents' REST code compiled. */
  private static final Duration WARM_UP = Duration.ofSeconds(10);

  private final AgentKind kind;
  private final Timing timing;
  private final String label;
  private final Path dir;
  private final EtcdView etcd;
  private final String etcdHosts;
  private final Path pgBin;
  private final String osUser;
  private final int rounds;
  private final Duration idle;
  private final Reaper reaper;
  private final java.util.function.BooleanSupplier etcdAlive;
  /** Health checks per second and member during the rounds; 0 for none. */
  private final int restLoad;
  /** Whether to measure the idle footprint before the rounds. */
  private final boolean measureFootprint;
  /** The kill's phase within the cycle: the same sequence for every agent and run. */
  private final java.util.Random phase = new java.util.Random(20_230_402L);

  ScenarioRun(AgentKind kind, Timing timing, String label, Path dir, EtcdView etcd, String etcdHosts, Path pgBin,
      String osUser, int rounds, Duration idle, Reaper reaper, java.util.function.BooleanSupplier etcdAlive) {
    this(kind, timing, label, dir, etcd, etcdHosts, pgBin, osUser, rounds, idle, reaper, etcdAlive, 0, true);
  }

  ScenarioRun(AgentKind kind, Timing timing, String label, Path dir, EtcdView etcd, String etcdHosts, Path pgBin,
      String osUser, int rounds, Duration idle, Reaper reaper, java.util.function.BooleanSupplier etcdAlive,
      int restLoad, boolean measureFootprint) {
    this.restLoad = restLoad;
    this.measureFootprint = measureFootprint;
    this.kind = kind;
    this.timing = timing;
    this.label = label;
    this.dir = dir;
    this.etcd = etcd;
    this.etcdHosts = etcdHosts;
    this.pgBin = pgBin;
    this.osUser = osUser;
    this.rounds = rounds;
    this.idle = idle;
    this.reaper = reaper;
    this.etcdAlive = etcdAlive;
  }

  Scenario run() {
    String loadBefore = FailoverBench.loadAverage();
    long began = System.nanoTime();
    String scope = "bench-" + kind.name().toLowerCase(Locale.ROOT) + "-" + label;
    List<Round> failovers = new ArrayList<>();
    List<Round> switchovers = new ArrayList<>();
    Optional<Footprint> footprint = Optional.empty();
    String command = "?";
    Cluster cluster = null;
    Writer writer = null;
    RestLoad load = null;
    List<Phase> phases = new ArrayList<>();
    try {
      cluster = reaper.add(Cluster.create(kind, timing, scope, dir, etcd, etcdHosts, pgBin, osUser));
      progress("bootstrapping 3 members (" + timing + ")");
      long t0 = System.nanoTime();
      cluster.startAll();
      String leader = cluster.awaitHealthy(BOOT);
      progress(String.format(Locale.ROOT, "whole after %.1f s, leader %s", seconds(System.nanoTime() - t0), leader));
      command = cmdline(cluster.agentPid(leader));

      if (measureFootprint) {
        footprint = Optional.of(idleFootprint(cluster));
      }

      writer = Writer.start(cluster.nodes(), cluster.node(leader));
      if (writer.awaitAckOn(cluster.index(leader), System.nanoTime() - 1, Duration.ofSeconds(10)).isEmpty()) {
        throw new IllegalStateException("the writer could not commit on the leader " + leader);
      }
      if (restLoad > 0) {
        load = RestLoad.start(cluster.nodes(), restLoad);
        progress("health checks: " + restLoad + " requests/s per member on " + String.join(" and ", RestLoad.PATHS)
            + "; " + WARM_UP.toSeconds() + " s before the first round");
        Thread.sleep(WARM_UP.toMillis());
      }
      int lostSoFar = 0;
      long phaseStart = System.nanoTime();
      long[] logs = cluster.logSizes();
      for (int i = 1; i <= rounds; i++) {
        Round r = failover(cluster, writer, lostSoFar);
        lostSoFar += r.lostWrites();
        failovers.add(r);
        progress("failover " + i + "/" + rounds + ": " + describe(r));
      }
      phases.add(phase("failover", cluster, load, phaseStart, logs));
      phaseStart = System.nanoTime();
      logs = cluster.logSizes();
      for (int i = 1; i <= rounds; i++) {
        Round r = switchover(cluster, writer, i, lostSoFar);
        lostSoFar += r.lostWrites();
        switchovers.add(r);
        progress("switchover " + i + "/" + rounds + ": " + describe(r));
      }
      phases.add(phase("switchover", cluster, load, phaseStart, logs));
      return new Scenario(kind.name(), timing, command, footprint, failovers, switchovers, loadBefore,
          FailoverBench.loadAverage(), Optional.empty(), seconds(System.nanoTime() - began), restLoad, phases);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      // A dead etcd explains every timeout after it; say so first.
      String why = (etcdAlive.getAsBoolean() ? "" : "etcd exited meanwhile (the bench did not stop it) -> ")
          + firstLine(e);
      progress("stopped: " + (etcdAlive.getAsBoolean() ? "" : "etcd is gone; ") + e.getMessage());
      return new Scenario(kind.name(), timing, command, footprint, failovers, switchovers, loadBefore,
          FailoverBench.loadAverage(), Optional.of(why), seconds(System.nanoTime() - began), restLoad, phases);
    } finally {
      if (load != null) {
        try {
          load.close();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (writer != null) {
        try {
          writer.close();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (cluster != null) {
        reaper.close(cluster);
      }
    }
  }

  /** The health checks due and the cycles logged since {@code start} and {@code logs}. */
  private Phase phase(String name, Cluster cluster, RestLoad load, long start, long[] logs) throws IOException {
    CycleLog.Cycles c = CycleLog.parse(cluster.logsSince(logs));
    Optional<RestLoad.Figures> rest = load == null ? Optional.empty()
        : Optional.of(load.figures(start, System.nanoTime()));
    progress(String.format(Locale.ROOT, "%s phase: %sHA loop cycles p50/p99/max %s ms (%d cycles), began late by"
        + " p50/p99/max %s ms", name, rest.map(f -> String.format(Locale.ROOT, "%.0f health checks answered per second,"
        + " latency p50/p99/max %s ms, %d refused, %d failed; ", f.answeredPerSecond(), f.latency().format(), f.refused(),
        f.errors())).orElse(""), c.took().format(), c.took().count(), c.late().format()));
    return new Phase(name, rest, c.took(), c.late());
  }

  /**
   * Lets the agents settle (JIT warm-up, the first cycles after bootstrap), then measures over the idle
   * window: CPU time per agent, etcd's request counters, and at its end resident memory. The bench sends
   * etcd nothing inside the window; the leader key is read just outside it to catch a spurious failover.
   */
  private Footprint idleFootprint(Cluster cluster) throws IOException, InterruptedException {
    Duration settle = Duration.ofSeconds(Math.max(20, 2L * timing.loopWait()));
    progress("settling " + settle.toSeconds() + " s, then measuring " + idle.toSeconds() + " s idle");
    Thread.sleep(settle.toMillis());
    List<Node> nodes = cluster.nodes();
    long[] pids = nodes.stream().mapToLong(n -> cluster.agentPid(n.name())).toArray();
    Optional<EtcdView.Leader> leaderBefore = etcd.leader(cluster.scope());

    Map<String, Double> before = etcd.requestsByMethod();
    double[] cpuBefore = new double[pids.length];
    for (int i = 0; i < pids.length; i++) {
      cpuBefore[i] = Proc.cpuSeconds(pids[i]).orElseThrow();
    }
    long start = System.nanoTime();
    Thread.sleep(idle.toMillis());
    double[] cpuAfter = new double[pids.length];
    for (int i = 0; i < pids.length; i++) {
      cpuAfter[i] = Proc.cpuSeconds(pids[i]).orElseThrow(() -> new IllegalStateException("an agent exited while idle"));
    }
    long end = System.nanoTime();
    Map<String, Double> after = etcd.requestsByMethod();

    double minutes = seconds(end - start) / 60.0;
    double[] rss = new double[pids.length];
    double[] anon = new double[pids.length];
    double[] pss = new double[pids.length];
    long[] threads = new long[pids.length];
    double[] cpu = new double[pids.length];
    for (int i = 0; i < pids.length; i++) {
      rss[i] = Proc.rssKib(pids[i]).orElseThrow() / 1024.0;
      anon[i] = Proc.rssAnonKib(pids[i]).orElse(0L) / 1024.0;
      pss[i] = Proc.pssKib(pids[i]).map(k -> k / 1024.0).orElse(Double.NaN);
      threads[i] = Proc.threads(pids[i]).orElse(0L);
      cpu[i] = (cpuAfter[i] - cpuBefore[i]) / minutes;
    }
    Map<String, Double> byMethod = new TreeMap<>();
    double total = 0;
    for (Map.Entry<String, Double> e : after.entrySet()) {
      double d = e.getValue() - before.getOrDefault(e.getKey(), 0.0);
      if (d > 0) {
        byMethod.put(e.getKey(), d / pids.length / minutes);
        total += d;
      }
    }
    Optional<EtcdView.Leader> leaderAfter = etcd.leader(cluster.scope());
    boolean changed = !leaderBefore.equals(leaderAfter);
    return new Footprint(seconds(end - start), rss, anon, pss, threads, cpu, total / pids.length / minutes, byMethod,
        changed);
  }

  /**
   * Kill -9 the primary's agent and postmaster; time until the DCS names a new leader and until a write
   * commits on it; then restart the killed agent and wait until it has rejoined as a streaming standby.
   *
   * <p>The kill comes at a random point of the leader's cycle (a delay drawn from {@code [0, loop_wait)},
   * the same sequence for every agent): the lease expires {@code ttl} after the last renewal, so the moment
   * of the kill within the cycle decides most of the failover time, and a fixed phase would favour one
   * agent by accident.
   */
  private Round failover(Cluster cluster, Writer writer, int lostSoFar) throws Exception {
    String old = cluster.awaitHealthy(REJOIN);
    awaitSteadyWrites(cluster, writer, old);
    Thread.sleep(phase.nextInt(timing.loopWait() * 1000));
    long event = System.nanoTime();
    cluster.kill(old);
    Optional<LeaderChange> change = awaitLeader(cluster, l -> !l.equals(old), event,
        Duration.ofSeconds(timing.ttl() + 60L));
    if (change.isEmpty()) {
      cluster.start(cluster.node(old));
      return Round.failed("no new leader within ttl + 60 s");
    }
    String fresh = change.get().name();
    Optional<Writer.Ack> first = writer.awaitAckOn(cluster.index(fresh), event, Duration.ofSeconds(60));
    cluster.start(cluster.node(old));
    if (first.isEmpty()) {
      return Round.failed("no write committed on the new leader " + fresh + " within 60 s");
    }
    long from = writer.lastBefore(event).map(Writer.Ack::at).orElse(event);
    double window = seconds(writer.longestGap(from, first.get().at()));
    String now = cluster.awaitHealthy(REJOIN);
    int lost = writer.missingOn(cluster.node(now)) - lostSoFar;
    LeaderChange c = change.get();
    return new Round(window, seconds(c.seenAt() - event), seconds(c.seenAt() - c.goneAt()), lost, Optional.empty());
  }

  /**
   * {@code POST /switchover} to the leader with the next member as candidate; time until the DCS names
   * the candidate and until a write commits on it; then wait until the old primary streams from it.
   */
  private Round switchover(Cluster cluster, Writer writer, int round, int lostSoFar) throws Exception {
    String old = cluster.awaitHealthy(REJOIN);
    List<Node> nodes = cluster.nodes();
    // Rotate the candidate so every member gets promoted in turn.
    String candidate = nodes.get((cluster.index(old) + 1 + (round % 2)) % nodes.size()).name();
    awaitSteadyWrites(cluster, writer, old);
    long event = System.nanoTime();
    CompletableFuture<HttpResponse<String>> answer = cluster.switchover(old, candidate);
    Optional<LeaderChange> change = awaitLeader(cluster, l -> l.equals(candidate), event,
        Duration.ofSeconds(2L * Math.max(10, timing.loopWait()) + 30));
    HttpResponse<String> response;
    try {
      response = answer.get(2L * Math.max(10, timing.loopWait()) + 40, TimeUnit.SECONDS);
    } catch (Exception e) {
      return Round.failed("POST /switchover: " + firstLine(e));
    }
    if (change.isEmpty()) {
      return Round.failed("the leader key did not move to " + candidate + "; POST /switchover answered "
          + response.statusCode() + " " + response.body().strip());
    }
    long leaderAt = change.get().seenAt();
    Optional<Writer.Ack> first = writer.awaitAckOn(cluster.index(candidate), event, Duration.ofSeconds(60));
    if (first.isEmpty()) {
      return Round.failed("no write committed on the new leader " + candidate + " within 60 s");
    }
    long from = writer.lastBefore(event).map(Writer.Ack::at).orElse(event);
    double window = seconds(writer.longestGap(from, first.get().at()));
    String now = cluster.awaitHealthy(REJOIN);
    int lost = writer.missingOn(cluster.node(now)) - lostSoFar;
    Optional<String> note = response.statusCode() == 200 ? Optional.empty()
        : Optional.of("POST /switchover answered " + response.statusCode() + " " + response.body().strip());
    return new Round(window, seconds(leaderAt - event), Double.NaN, lost, note);
  }

  /**
   * A change of the leader key as the bench's polling saw it.
   *
   * @param name   the new leader
   * @param goneAt the first poll that no longer showed the old leader (the key expired or was released)
   * @param seenAt the first poll that showed the new one
   */
  private record LeaderChange(String name, long goneAt, long seenAt) {}

  private Optional<LeaderChange> awaitLeader(Cluster cluster, java.util.function.Predicate<String> wanted, long since,
      Duration limit) throws InterruptedException {
    long deadline = since + limit.toNanos();
    Optional<String> before = cluster.leader();
    long goneAt = -1;
    while (System.nanoTime() < deadline) {
      Optional<String> l = cluster.leader();
      long seen = System.nanoTime();
      if (goneAt < 0 && !l.equals(before)) {
        goneAt = seen;
      }
      if (l.isPresent() && wanted.test(l.get())) {
        return Optional.of(new LeaderChange(l.get(), goneAt, seen));
      }
      Thread.sleep(POLL_MILLIS);
    }
    return Optional.empty();
  }

  /**
   * Waits a little past the cluster becoming whole (the members publish their state once more) and until
   * the writer has committed on the leader just now, so the window starts from a steady stream of writes.
   */
  private void awaitSteadyWrites(Cluster cluster, Writer writer, String leader) throws InterruptedException {
    Thread.sleep(1000);
    long now = System.nanoTime();
    if (writer.awaitAckOn(cluster.index(leader), now, Duration.ofSeconds(30)).isEmpty()) {
      throw new IllegalStateException("the writer does not commit on the leader " + leader);
    }
  }

  private String describe(Round r) {
    if (!r.ok() && Double.isNaN(r.unavailableSeconds())) {
      return "FAILED: " + r.note().orElseThrow();
    }
    return String.format(Locale.ROOT, "writes unavailable %.2f s, new leader after %.2f s%s, %d acked writes lost%s",
        r.unavailableSeconds(), r.newLeaderSeconds(), Double.isNaN(r.reactionSeconds()) ? ""
            : String.format(Locale.ROOT, " (%.2f s after the old key went)", r.reactionSeconds()),
        r.lostWrites(), r.note().map(n -> " (" + n + ")").orElse(""));
  }

  private void progress(String what) {
    System.err.printf(Locale.ROOT, "[%s %s] %s%n", kind.name(), label, what);
  }

  static double seconds(long nanos) {
    return nanos / 1e9;
  }

  private static String cmdline(long pid) {
    try {
      byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
      return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').strip();
    } catch (IOException e) {
      return "?";
    }
  }

  private static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    return e.getClass().getSimpleName() + ": " + m.lines().findFirst().orElse("");
  }
}
