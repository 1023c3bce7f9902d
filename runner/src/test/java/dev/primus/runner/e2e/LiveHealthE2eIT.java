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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Health checks follow PostgreSQL between cycles: a real etcd, two PostgreSQL 15 servers and two agent
 * processes with Patroni's default timings (loop_wait 10 s), so the loop itself would notice a stopped server
 * only up to 10 s later. {@code pg_ctl stop -m immediate} (as the server's OS user) on the replica must turn its
 * {@code GET /replica} to 503 within a second, and on the primary its {@code GET /primary}; then the loop starts
 * each server again and the answers come back. Prints how long each took and what a health request costs
 * ({@code e2e-live: ...}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LiveHealthE2eIT {
  static final Timings TIMINGS = new Timings(Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(10));
  static final String PASSWORD = "e2e-live-secret";
  static final Duration BOOT = Duration.ofSeconds(240);
  /** What the item asks: well within one loop_wait. */
  static final Duration BOUND = Duration.ofSeconds(1);

  private final List<String> timings = new ArrayList<>();
  private Path dir;
  private EtcdHarnessForAgents etcd;
  private LocalCluster cluster;
  private Thread hook;
  private String leader;
  private String replica;

  @BeforeAll
  void startCluster() throws Exception {
    ClusterE2eIT.requirePostgres();
    boolean root = "root".equals(System.getProperty("user.name"));
    dir = Files.createTempDirectory("primus-e2e-live-");
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    hook = new Thread(this::stopEverything, "primus-e2e-live-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    etcd = EtcdHarnessForAgents.start(1);
    Path base = Files.createDirectories(dir.resolve("cluster"));
    cluster = LocalCluster.create(new LocalCluster.Spec("e2elive", 2, TIMINGS, base,
        root ? Optional.of("primus-pg") : Optional.empty(), AgentProcess.shadedJar(), LocalCluster.LEAN_JVM, PASSWORD),
        LocalCluster.Dcs.etcd3(etcd.hosts()));
    for (String n : cluster.names()) {
      cluster.startAgent(n);
    }
    try {
      leader = cluster.awaitHealthy(BOOT, cluster.names());
    } catch (LocalCluster.WaitFailed e) {
      throw new AssertionError(e.getMessage() + "\n" + E2eSupport.logTails(cluster), e);
    }
    replica = cluster.names().stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
  }

  @AfterAll
  void stopEverything() {
    E2eSupport.tearDown(cluster, etcd, dir, "e2e-live", timings, hook);
  }

  @Test
  @Order(1)
  void aReplicaStoppedImmediatelyFailsReplicaWithinASecond() throws Exception {
    awaitStatus(replica, "/replica", 200, Duration.ofSeconds(30));
    measureCost(replica, "/replica");

    Duration took = stopImmediatelyAndAwait503(replica, "/replica");
    LocalCluster.Answer patroni = cluster.rest(replica, "GET", "/patroni", Optional.empty(), Duration.ofSeconds(5));
    assertTrue(patroni.body().contains("\"state\":\"unknown\"") || patroni.body().contains("\"state\":\"crashed\""),
        patroni.body());
    record("replica " + replica + ": GET /replica 503 " + ms(took) + " after pg_ctl stop -m immediate returned"
        + " (loop_wait " + TIMINGS.loopWait().toSeconds() + " s)");

    Duration back = awaitStatus(replica, "/replica", 200, TIMINGS.loopWait().multipliedBy(4));
    record("replica " + replica + ": started again by its loop, GET /replica 200 again " + secs(back) + " later");
  }

  @Test
  @Order(2)
  void aPrimaryStoppedImmediatelyFailsPrimaryWithinASecond() throws Exception {
    awaitStatus(leader, "/primary", 200, Duration.ofSeconds(30));
    measureCost(leader, "/primary");

    Duration took = stopImmediatelyAndAwait503(leader, "/primary");
    record("primary " + leader + ": GET /primary 503 " + ms(took) + " after pg_ctl stop -m immediate returned");

    Duration back = awaitStatus(leader, "/primary", 200, TIMINGS.loopWait().multipliedBy(4));
    record("primary " + leader + ": started again by its loop (it holds the lock), GET /primary 200 again "
        + secs(back) + " later");
  }

  /** Stops {@code member}'s server with {@code pg_ctl stop -m immediate}; polls {@code path} until it says 503. */
  private Duration stopImmediatelyAndAwait503(String member, String path) throws Exception {
    pgCtlStopImmediate(member);
    long stopped = System.nanoTime();
    long deadline = stopped + Duration.ofSeconds(15).toNanos();
    LocalCluster.Answer last;
    do {
      last = cluster.rest(member, "GET", path, Optional.empty(), Duration.ofSeconds(5));
      if (last.status() == 503) {
        Duration took = Duration.ofNanos(System.nanoTime() - stopped);
        assertTrue(took.compareTo(BOUND) <= 0, "GET " + path + " on " + member + " said 503 only " + ms(took)
            + " after the stop; the bound is " + ms(BOUND));
        return took;
      }
      Thread.sleep(10);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("GET " + path + " on " + member + " still says " + last.status() + " 15 s after"
        + " pg_ctl stop -m immediate: " + last.body() + "\n" + E2eSupport.logTails(cluster));
  }

  private Duration awaitStatus(String member, String path, int status, Duration limit) throws Exception {
    long t0 = System.nanoTime();
    E2eSupport.awaitCondition(cluster, member + " answers " + path + " with " + status, limit,
        () -> cluster.rest(member, "GET", path, Optional.empty(), Duration.ofSeconds(5)).status() == status);
    return Duration.ofNanos(System.nanoTime() - t0);
  }

  /**
   * What a health request costs the member, as HAProxy's {@code OPTIONS} checks: back to back (one look at the
   * database serves 200 ms of them), and spaced out so that every one takes a look of its own.
   */
  private void measureCost(String member, String path) throws Exception {
    int n = 300;
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      assertEquals(200, cluster.rest(member, "OPTIONS", path, Optional.empty(), Duration.ofSeconds(5)).status());
    }
    double shared = (System.nanoTime() - t0) / 1e6 / n;
    double fresh = 0;
    int m = 20;
    for (int i = 0; i < m; i++) {
      Thread.sleep(250);
      long t = System.nanoTime();
      assertEquals(200, cluster.rest(member, "OPTIONS", path, Optional.empty(), Duration.ofSeconds(5)).status());
      fresh += (System.nanoTime() - t) / 1e6;
    }
    long cluster0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      cluster.rest(member, "GET", "/cluster", Optional.empty(), Duration.ofSeconds(5));
    }
    double noLook = (System.nanoTime() - cluster0) / 1e6 / n;
    record(String.format(Locale.ROOT, "%s OPTIONS %s: %.2f ms per request back to back (a look per 200 ms),"
        + " %.2f ms with a look of its own; GET /cluster (no look) %.2f ms", member, path, shared, fresh / m, noLook));
  }

  /** {@code pg_ctl stop -m immediate} as the server's OS user, as an operator or a crash test would. */
  private void pgCtlStopImmediate(String member) throws IOException, InterruptedException {
    Path data = cluster.node(member).dataDir();
    String version = Files.readString(data.resolve("PG_VERSION"), StandardCharsets.US_ASCII).trim();
    String pgCtl = "/usr/lib/postgresql/" + version + "/bin/pg_ctl";
    List<String> argv = new ArrayList<>();
    cluster.spec().osUser().ifPresent(u -> argv.addAll(List.of("runuser", "-u", u, "--")));
    argv.addAll(List.of(pgCtl, "stop", "-D", data.toString(), "-m", "immediate", "-w"));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "pg_ctl stop did not finish");
    assertEquals(0, p.exitValue(), String.join(" ", argv) + ":\n" + out);
  }

  private void record(String line) {
    String l = "e2e-live: " + line;
    System.out.println(l);
    timings.add(l);
  }

  private static String ms(Duration d) {
    return d.toMillis() + " ms";
  }

  private static String secs(Duration d) {
    return E2eSupport.fmt(d);
  }
}
