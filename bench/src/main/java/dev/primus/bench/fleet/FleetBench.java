package dev.primus.bench.fleet;

import dev.primus.bench.EtcdProcess;
import dev.primus.bench.failover.EtcdView;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The fleet benchmark: what one more member costs. For each N it starts one JVM ({@link FleetHost}) with N
 * members in clusters of three on one shared runtime and one etcd store, lets them settle, and measures an
 * idle window: the JVM's heap after a full GC, its threads, its CPU time, its RSS, and the gRPC messages
 * etcd received (all members together). Then the same with N separate JVMs of one member each. It prints
 * the figures per member and per added member ({@code (X(N) - X(1)) / (N - 1)}) next to the targets.
 *
 * <p>Every member runs the real agent ({@code PrimusAgent}, its loop, executor, watch and the etcd backend)
 * over {@link StandInDatabase}, which stands in for PostgreSQL inside this benchmark only, so a hundred
 * members fit on a small machine. Prints figures; no pass/fail.
 *
 * <p>Options: {@code --sizes 1,10,100}, {@code --processes 1,10} ({@code 0}: skip separate processes),
 * {@code --idle-seconds 60}, {@code --settle-seconds 90} (past the 60 s an idle gRPC executor thread lingers), {@code --ttl 30}, {@code --loop-wait 10},
 * {@code --retry-timeout 10}.
 */
public final class FleetBench {
  /** The launcher's JVM flags (runner/bin/primus) with a heap bound that fits a hundred members. */
  static final List<String> JVM_FLAGS = List.of("-Xms8m", "-Xmx256m", "-Xss512k", "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-XX:+ExitOnOutOfMemoryError");
  static final double TARGET_HEAP_MB = 2.0;
  static final double TARGET_THREADS = 0.2;
  /** Patroni 3.0.2 idle, ttl 30 / loop_wait 10 / retry_timeout 10, measured by bench/failover. */
  static final double PATRONI_REQUESTS_PER_MIN = 6.7;

  private FleetBench() {}

  /** One measured JVM. */
  record Sample(long heapBytes, int threads, double cpuSeconds, long rssKb) {}

  /** One measured configuration: {@code members} members in {@code jvms} JVMs. */
  record Row(String mode, int members, int jvms, long heapBytes, int threads, double cpuSecondsPerMin,
      long rssKb, double requestsPerMin, Map<String, Double> byMethod) {}

  public static void main(String[] args) throws Exception {
    List<Integer> sizes = List.of(1, 10, 100);
    List<Integer> processes = List.of(1, 10);
    int idle = 60;
    int settle = 90;
    int ttl = 30;
    int loopWait = 10;
    int retryTimeout = 10;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (a) {
        case "--sizes" -> { sizes = ints(a, v); i++; }
        case "--processes" -> { processes = ints(a, v); i++; }
        case "--idle-seconds" -> { idle = positive(a, v); i++; }
        case "--settle-seconds" -> { settle = positive(a, v); i++; }
        case "--ttl" -> { ttl = positive(a, v); i++; }
        case "--loop-wait" -> { loopWait = positive(a, v); i++; }
        case "--retry-timeout" -> { retryTimeout = positive(a, v); i++; }
        default -> throw new IllegalArgumentException("unknown option " + a
            + " (known: --sizes, --processes, --idle-seconds, --settle-seconds, --ttl, --loop-wait, --retry-timeout)");
      }
    }
    PrintStream out = System.out;
    List<Row> rows = new ArrayList<>();
    try (EtcdProcess etcd = EtcdProcess.start()) {
      EtcdView view = new EtcdView(etcd.clientUrl(), etcd.metricsUrl());
      String hosts = etcd.clientUrl().getHost() + ":" + etcd.clientUrl().getPort();
      Settings s = new Settings(hosts, ttl, loopWait, retryTimeout, idle, settle);
      out.printf(Locale.ROOT, "fleet: etcd %s on %s; ttl %d, loop_wait %d, retry_timeout %d; idle window %d s%n",
          etcd.version(), hosts, ttl, loopWait, retryTimeout, idle);
      for (int n : sizes) {
        rows.add(measure("one JVM", n, List.of(new Range(0, n)), s, view, out));
      }
      for (int k : processes) {
        if (k <= 0) {
          continue;
        }
        List<Range> ranges = new ArrayList<>();
        for (int i = 0; i < k; i++) {
          ranges.add(new Range(i, 1));
        }
        rows.add(measure("JVM per member", k, ranges, s, view, out));
      }
    }
    out.println();
    out.print(report(rows, idle));
  }

  record Settings(String hosts, int ttl, int loopWait, int retryTimeout, int idleSeconds, int settleSeconds) {}

  /** Members {@code from .. from+count-1} in one JVM. */
  record Range(int from, int count) {}

  private static int run;

  private static Row measure(String mode, int members, List<Range> jvms, Settings s, EtcdView view, PrintStream out)
      throws Exception {
    String namespace = "/fleet-" + (++run) + "/";
    out.printf(Locale.ROOT, "%s, %d member(s) in %d JVM(s): starting%n", mode, members, jvms.size());
    List<Host> hosts = new ArrayList<>();
    try {
      for (Range r : jvms) {
        hosts.add(Host.start(s, namespace, r));
      }
      for (Host h : hosts) {
        h.awaitReady(Duration.ofSeconds(300));
      }
      // Past bootstrap's writes and the first touches of every member key.
      Thread.sleep(TimeUnit.SECONDS.toMillis(s.settleSeconds()));
      Map<String, Double> before = view.requestsByMethod();
      hosts.forEach(h -> h.send("measure " + s.idleSeconds()));
      List<Sample> samples = new ArrayList<>();
      for (Host h : hosts) {
        samples.add(h.awaitResult(Duration.ofSeconds(s.idleSeconds() + 120L)));
      }
      Map<String, Double> after = view.requestsByMethod();
      Map<String, Double> delta = new java.util.TreeMap<>();
      after.forEach((m, v) -> {
        double d = v - before.getOrDefault(m, 0.0);
        if (d > 0) {
          delta.put(m, d * 60.0 / s.idleSeconds());
        }
      });
      double requests = delta.values().stream().mapToDouble(Double::doubleValue).sum();
      Row row = new Row(mode, members, jvms.size(), samples.stream().mapToLong(Sample::heapBytes).sum(),
          samples.stream().mapToInt(Sample::threads).sum(),
          samples.stream().mapToDouble(Sample::cpuSeconds).sum() * 60.0 / s.idleSeconds(),
          samples.stream().mapToLong(Sample::rssKb).sum(), requests, delta);
      out.printf(Locale.ROOT, "  heap %.1f MB, %d threads, %.2f CPU-s/min, RSS %.0f MiB, %.1f DCS requests/min %s%n",
          row.heapBytes() / 1e6, row.threads(), row.cpuSecondsPerMin(), row.rssKb() / 1024.0, requests, delta);
      return row;
    } finally {
      hosts.forEach(Host::close);
    }
  }

  static String report(List<Row> rows, int idle) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%-15s %7s %5s | %10s %8s %10s %9s %11s | %s%n", "mode", "members", "JVMs",
        "heap MB", "threads", "CPU-s/min", "RSS MiB", "DCS req/min", "per member: DCS req/min"));
    for (Row r : rows) {
      b.append(String.format(Locale.ROOT, "%-15s %7d %5d | %10.1f %8d %10.2f %9.0f %11.1f | %.2f%n", r.mode(),
          r.members(), r.jvms(), r.heapBytes() / 1e6, r.threads(), r.cpuSecondsPerMin(), r.rssKb() / 1024.0,
          r.requestsPerMin(), r.requestsPerMin() / r.members()));
    }
    b.append(String.format(Locale.ROOT, "%nper added member, (X(N) - X(1)) / (N - 1), against the smallest run of its mode:%n"));
    b.append(String.format(Locale.ROOT, "%-15s %7s | %10s %8s %10s %9s %11s%n", "mode", "N", "heap MB", "threads",
        "CPU-s/min", "RSS MiB", "DCS req/min"));
    for (String mode : List.of("one JVM", "JVM per member")) {
      List<Row> of = rows.stream().filter(r -> r.mode().equals(mode)).toList();
      if (of.size() < 2) {
        continue;
      }
      Row base = of.get(0);
      for (Row r : of.subList(1, of.size())) {
        int added = r.members() - base.members();
        if (added <= 0) {
          continue;
        }
        b.append(String.format(Locale.ROOT, "%-15s %7d | %10.2f %8.2f %10.3f %9.1f %11.2f%n", mode, r.members(),
            (r.heapBytes() - base.heapBytes()) / 1e6 / added, (double) (r.threads() - base.threads()) / added,
            (r.cpuSecondsPerMin() - base.cpuSecondsPerMin()) / added, (r.rssKb() - base.rssKb()) / 1024.0 / added,
            (r.requestsPerMin() - base.requestsPerMin()) / added));
      }
    }
    b.append(String.format(Locale.ROOT, "%ntargets per added member (one JVM): heap <= %.1f MB, threads <= %.1f; "
        + "DCS requests/min per member <= %.1f (Patroni 3.0.2, 30/10/10, bench/failover)%n", TARGET_HEAP_MB,
        TARGET_THREADS, PATRONI_REQUESTS_PER_MIN));
    b.append(String.format(Locale.ROOT, "heap: used after two System.gc() at the end of the %d s idle window; threads: "
        + "the JVM's live threads; CPU: process CPU time over the window; DCS requests: gRPC messages etcd received "
        + "(grpc_server_msg_received_total), all members together.%n"
        + "Each member runs the real agent and etcd backend over a stand-in for PostgreSQL (bench only).%n", idle));
    return b.toString();
  }

  /** One child JVM running {@link FleetHost}. */
  private static final class Host implements AutoCloseable {
    private final Process process;
    private final BufferedReader in;
    private final Writer toChild;
    private final Path log;
    private boolean failed;

    private Host(Process process, Path log) {
      this.process = process;
      this.log = log;
      this.in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      this.toChild = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    static Host start(Settings s, String namespace, Range r) throws IOException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> cmd = new ArrayList<>();
      cmd.add(java);
      cmd.addAll(JVM_FLAGS);
      cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), FleetHost.class.getName(), s.hosts(),
          namespace, String.valueOf(r.from()), String.valueOf(r.count()), String.valueOf(s.ttl()),
          String.valueOf(s.loopWait()), String.valueOf(s.retryTimeout())));
      Path log = Files.createTempFile("primus-fleet-host-", ".log");
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(log.toFile());
      return new Host(pb.start(), log);
    }

    void awaitReady(Duration limit) throws IOException {
      String line = readLine(limit);
      if (!"ready".equals(line)) {
        failed = true;
        throw new IOException("fleet host said " + line + " instead of ready; its log: " + log);
      }
    }

    void send(String line) {
      try {
        toChild.write(line + "\n");
        toChild.flush();
      } catch (IOException e) {
        throw new IllegalStateException("fleet host gone; its log: " + log, e);
      }
    }

    Sample awaitResult(Duration limit) throws IOException {
      String line = readLine(limit);
      String[] f = line == null ? new String[0] : line.split(" ");
      if (f.length != 5 || !f[0].equals("result")) {
        failed = true;
        throw new IOException("fleet host said " + line + " instead of a result; its log: " + log);
      }
      return new Sample(Long.parseLong(f[1]), Integer.parseInt(f[2]), Double.parseDouble(f[3]), Long.parseLong(f[4]));
    }

    private String readLine(Duration limit) throws IOException {
      long deadline = System.nanoTime() + limit.toNanos();
      while (!in.ready()) {
        if (!process.isAlive()) {
          return in.readLine();
        }
        if (System.nanoTime() > deadline) {
          failed = true;
          throw new IOException("fleet host silent for " + limit.toSeconds() + " s; its log: " + log);
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted");
        }
      }
      return in.readLine();
    }

    @Override
    public void close() {
      try {
        send("exit");
      } catch (RuntimeException e) {
        // already gone
      }
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (!failed && !Boolean.getBoolean("fleet.keep-logs")) {
          Files.deleteIfExists(log); // kept when something went wrong: the error names it
        } else {
          System.out.println("  host log: " + log);
        }
      } catch (InterruptedException | IOException e) {
        process.destroyForcibly();
      }
    }
  }

  private static List<Integer> ints(String option, String v) {
    if (v == null) {
      throw new IllegalArgumentException(option + " needs a comma-separated list of numbers");
    }
    try {
      return java.util.Arrays.stream(v.split(",")).map(String::trim).map(Integer::parseInt).toList();
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + ": not a list of numbers: " + v);
    }
  }

  private static int positive(String option, String v) {
    try {
      int n = Integer.parseInt(v == null ? "" : v);
      if (n <= 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " needs a positive number, got " + v);
    }
  }
}
