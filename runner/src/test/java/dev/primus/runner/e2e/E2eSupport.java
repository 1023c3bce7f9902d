package dev.primus.runner.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import dev.primus.dcs.spi.DcsException;
import dev.primus.runner.Main;
import dev.primus.runner.demo.LocalCluster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/** What the end-to-end suites share: waiting with a useful failure, {@code primus ctl}, timings, cleanup. */
final class E2eSupport {
  private E2eSupport() {}

  /** A condition that may throw while the cluster is in flux (a refused connection counts as not yet). */
  @FunctionalInterface
  interface ThrowingCondition {
    boolean test() throws Exception;
  }

  /**
   * Polls {@code condition} every 100 ms until it holds; after {@code limit} fails with the last error,
   * the cluster's table and every agent's log tail.
   */
  static void awaitCondition(LocalCluster cluster, String what, Duration limit, ThrowingCondition condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    Throwable last = null;
    while (true) {
      try {
        if (condition.test()) {
          return;
        }
      } catch (Exception | AssertionError e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        String table;
        try {
          table = cluster.table();
        } catch (DcsException | RuntimeException e) {
          table = "(no table: " + e + ")";
        }
        fail("timed out after " + limit.toSeconds() + " s waiting for " + what
            + (last == null ? "" : " (last error: " + last + ")") + "\n" + table + "\n" + logTails(cluster));
      }
      Thread.sleep(100);
    }
  }

  /** The last 30 lines of every agent's log. */
  static String logTails(LocalCluster cluster) {
    StringBuilder sb = new StringBuilder();
    for (String n : cluster.names()) {
      sb.append("--- ").append(n).append('\n').append(cluster.logTail(n, 30)).append('\n');
    }
    return sb.toString();
  }

  /** {@code primus ctl -c node1.yml args...} in this JVM; fails the test on a non-zero exit. */
  static String ctl(LocalCluster cluster, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = Main.commandLine(new Main(Map.of(), new ByteArrayInputStream(new byte[0])));
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    String[] argv = Stream.concat(Stream.of("ctl", "-c", cluster.node("node1").config().toString()), Stream.of(args))
        .toArray(String[]::new);
    int rc = cl.execute(argv);
    if (rc != 0) {
      fail("primus ctl " + String.join(" ", args) + " exited " + rc + ":\n" + out + err);
    }
    return out.toString();
  }

  static String since(Instant t) {
    return fmt(Duration.between(t, Instant.now()));
  }

  static String fmt(Duration d) {
    return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }

  static void deleteTree(Path root) {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // Best effort: a leftover is in the temporary directory.
    }
  }

  /**
   * An end-to-end test's cleanup, idempotent, run by {@code @AfterAll} and by its shutdown hook: the agents
   * and their PostgreSQL, etcd, the directory (kept with {@code -Dprimus.it.keep=true}), then the timings
   * the test recorded, printed once more under {@code name}, and the hook unregistered unless it is the caller.
   */
  static void tearDown(LocalCluster cluster, dev.primus.dcs.etcd.EtcdHarnessForAgents etcd, Path dir, String name,
      java.util.List<String> timings, Thread hook) {
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
      System.out.println(name + " summary:");
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
}
