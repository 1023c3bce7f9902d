package dev.primus.bench;

import dev.primus.dcs.compat.CompatCluster;
import dev.primus.dcs.layout.ClusterPath;
import dev.primus.dcs.layout.PatroniDcs;
import dev.primus.dcs.layout.RenewOutcome;
import dev.primus.dcs.model.ClusterStatus;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.Watchable;
import dev.primus.dcs.spi.Watchable.WatchOutcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * DCS latency of each backend through the Patroni layout layer, as an agent experiences it:
 *
 * <ul>
 *   <li><b>prefix read</b>: {@link KeyValueStore#read} of the cluster's prefix, the store alone;
 *   <li><b>cluster read</b>: {@link PatroniDcs#read()} of the compatibility kit's three-member cluster
 *       (that prefix read, then decoding every key) — what an agent does every cycle;
 *   <li><b>lock renewal</b>: {@link PatroniDcs#renewLeaderLock()} while the leader key sits on the
 *       live lease — a keep-alive round trip and no write, as in Patroni's etcd3 backend;
 *   <li><b>watch wake-up</b>: from the moment another client starts writing {@code status} until
 *       {@link Watchable#awaitChange} returns in the agent: the write's trip to the server, its commit,
 *       and the notification back. The waiter is given {@value #SETTLE_MILLIS} ms to block first
 *       (untimed); a wake-up before the write is spurious, counted, and the iteration repeated.
 * </ul>
 *
 * Each figure is the wall time of one call on the calling thread ({@link System#nanoTime()}), after a
 * warm-up that is not recorded. The agent and the other writer are separate clients (connections and
 * sessions) of one server on loopback. It prints figures and never fails on them.
 *
 * <p>Usage: {@code dcs-latency [--iterations N] [--warmup N] [--backend etcd3|zookeeper]...}
 */
public final class DcsLatency {
  private static final Duration TTL = Duration.ofSeconds(30);
  private static final Duration RETRY_TIMEOUT = Duration.ofSeconds(10);
  private static final long SETTLE_MILLIS = 25;
  private static final Duration WAKE_DEADLINE = Duration.ofSeconds(10);
  /** The member leases are renewed this often during the long watch series (untimed). */
  private static final int KEEP_ALIVE_EVERY = 50;

  private DcsLatency() {}

  /** The command line. */
  record Options(int iterations, int warmup, List<String> backends) {
    static Options parse(String[] args) {
      int iterations = 500;
      int warmup = 100;
      List<String> backends = new ArrayList<>();
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(a + " needs a value");
        }
        String v = args[++i];
        switch (a) {
          case "--iterations" -> iterations = positive(a, v);
          case "--warmup" -> warmup = Math.max(0, positive(a, v));
          case "--backend" -> {
            if (!Backend.NAMES.contains(v)) {
              throw new IllegalArgumentException("unknown backend '" + v + "'; known: " + Backend.NAMES);
            }
            backends.add(v);
          }
          default -> throw new IllegalArgumentException("unknown option " + a);
        }
      }
      return new Options(iterations, warmup, backends.isEmpty() ? Backend.NAMES : List.copyOf(backends));
    }

    private static int positive(String option, String v) {
      try {
        int n = Integer.parseInt(v);
        if (n > 0) {
          return n;
        }
      } catch (NumberFormatException e) {
        // Reported below.
      }
      throw new IllegalArgumentException(option + " takes a positive integer, got '" + v + "'");
    }
  }

  public static void main(String[] args) throws Exception {
    String usage = "usage: dcs-latency [--iterations N (500)] [--warmup N (100)] [--backend "
        + String.join("|", Backend.NAMES) + "]...";
    if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
      System.out.println(usage);
      return;
    }
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("dcs-latency: " + e.getMessage() + "\n" + usage);
      System.exit(2);
      return;
    }
    System.out.printf(Locale.ROOT, "Primus DCS latency: %d measured iterations per operation after %d warm-up%n",
        o.iterations(), o.warmup());
    System.out.printf(Locale.ROOT, "machine: %d cores, load average %s at start; Java %s%n",
        Runtime.getRuntime().availableProcessors(), loadAverage(), System.getProperty("java.version"));
    for (String name : o.backends()) {
      try (Backend b = Backend.start(name)) {
        System.out.printf(Locale.ROOT, "%n%s: %s%n", b.name(), b.server());
        print(measure(b, o));
      }
    }
  }

  /** What one backend measured. */
  private record Result(List<Series> series, int spuriousWakeUps) {}

  /** The watch series, and how many wake-ups came before the write (repeated, not recorded). */
  private record WakeUps(Series series, int spurious) {}

  private static Result measure(Backend b, Options o) throws Exception {
    try (KeyValueStore agent = b.connect(TTL, RETRY_TIMEOUT); KeyValueStore other = b.connect(TTL, RETRY_TIMEOUT)) {
      ClusterPath path = ClusterPath.of("primus-bench", CompatCluster.SCOPE);
      CompatCluster cluster = CompatCluster.write(agent, path, TTL);
      try {
        PatroniDcs node1 = cluster.agent("node1");
        ClusterView first = node1.read();
        if (first.members().size() != 3 || !first.invalid().isEmpty() || !first.isLockedBy("node1")) {
          throw new IllegalStateException("the cluster did not read back as written: " + first);
        }
        String prefix = path.base();
        int keys = agent.read(prefix).entries().size();
        Series raw = time("prefix read    (KeyValueStore.read, " + keys + " keys)", o, () -> {
          if (agent.read(prefix).entries().size() != keys) {
            throw new IllegalStateException("a key vanished during the prefix read series");
          }
        });
        Series read = time("cluster read   (PatroniDcs.read, 3 members)", o, () -> {
          if (node1.read().members().size() != 3) {
            throw new IllegalStateException("a member key vanished during the read series");
          }
        });
        cluster.keepAlive();
        Series renew = time("lock renewal   (PatroniDcs.renewLeaderLock)", o, () -> {
          RenewOutcome r = node1.renewLeaderLock();
          if (!(r instanceof RenewOutcome.Renewed renewed) || renewed.how() != RenewOutcome.How.KEPT_ALIVE) {
            throw new IllegalStateException("the renewal was not a plain keep-alive: " + r);
          }
        });
        cluster.keepAlive();
        WakeUps wake = wakeUps(agent, other, cluster, o);
        return new Result(List.of(raw, read, renew, wake.series()), wake.spurious());
      } finally {
        cluster.close();
      }
    }
  }

  @FunctionalInterface
  private interface Call {
    void run() throws Exception;
  }

  private static Series time(String operation, Options o, Call call) throws Exception {
    long[] samples = new long[o.iterations()];
    for (int i = 0; i < o.warmup() + o.iterations(); i++) {
      long t0 = System.nanoTime();
      call.run();
      long elapsed = System.nanoTime() - t0;
      if (i >= o.warmup()) {
        samples[i - o.warmup()] = elapsed;
      }
    }
    return new Series(operation, samples);
  }

  private static WakeUps wakeUps(KeyValueStore agent, KeyValueStore other, CompatCluster cluster, Options o)
      throws Exception {
    Watchable watch = agent.watcher()
        .orElseThrow(() -> new IllegalStateException(agent + " has no native watch to measure"));
    String prefix = cluster.path().base();
    // The leader's status write, but from the other client: a remote change under the cluster prefix.
    PatroniDcs remote = new PatroniDcs(other, cluster.path(), "node1", TTL);
    ExecutorService waiter = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "bench-watch-waiter");
      t.setDaemon(true);
      return t;
    });
    long[] samples = new long[o.iterations()];
    int spurious = 0;
    try {
      int done = 0;
      for (int i = 0; done < o.warmup() + o.iterations(); i++) {
        if (i % KEEP_ALIVE_EVERY == 0) {
          cluster.keepAlive();
        }
        long since = agent.read(prefix).revision();
        Future<Long> woke = waiter.submit(() -> {
          WatchOutcome outcome = watch.awaitChange(prefix, since, WAKE_DEADLINE);
          long at = System.nanoTime();
          if (outcome != WatchOutcome.CHANGED) {
            throw new IllegalStateException("no wake-up within " + WAKE_DEADLINE + " of a remote write");
          }
          return at;
        });
        Thread.sleep(SETTLE_MILLIS);
        long t0 = System.nanoTime();
        remote.writeStatus(new ClusterStatus(CompatCluster.OPTIME + i + 1, Map.of(), List.of()));
        long t1 = woke.get(WAKE_DEADLINE.toSeconds() + 5, TimeUnit.SECONDS);
        if (t1 < t0) {
          spurious++;
          continue;
        }
        if (done >= o.warmup()) {
          samples[done - o.warmup()] = t1 - t0;
        }
        done++;
      }
    } finally {
      waiter.shutdownNow();
    }
    return new WakeUps(new Series("watch wake-up  (remote put -> awaitChange returns)", samples), spurious);
  }

  private static void print(Result r) {
    System.out.printf(Locale.ROOT, "  %-52s %10s %10s %10s%n", "operation", "median", "p99", "max");
    for (Series s : r.series()) {
      System.out.printf(Locale.ROOT, "  %-52s %10s %10s %10s%n", s.operation(), ms(s.median()), ms(s.percentile(99)),
          ms(s.max()));
    }
    if (r.spuriousWakeUps() > 0) {
      System.out.printf(Locale.ROOT, "  (%d wake-ups came before the write and were repeated)%n", r.spuriousWakeUps());
    }
  }

  private static String ms(long nanos) {
    return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
