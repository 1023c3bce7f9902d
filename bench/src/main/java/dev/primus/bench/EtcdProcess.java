package dev.primus.bench;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One real etcd member on loopback, from Debian's {@code etcd-server} binary, with a temporary data
 * directory. A trimmed-down counterpart of {@code dcs-etcd}'s test harness {@code EtcdServers}, which is
 * package-private test code and not published in any jar; the flags are the same except the election
 * timings, which do not matter on a single member.
 */
public final class EtcdProcess implements AutoCloseable {
  static final String INSTALL_HINT = "apt-get update && apt-get install -y etcd-server";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final Path binary;
  private final Path dataRoot;
  private final Path log;
  private final int clientPort;
  private final int metricsPort;
  private final Process process;

  private EtcdProcess(Path binary, Path dataRoot, Path log, int clientPort, int metricsPort, Process process) {
    this.binary = binary;
    this.dataRoot = dataRoot;
    this.log = log;
    this.clientPort = clientPort;
    this.metricsPort = metricsPort;
    this.process = process;
  }

  /** Starts a one-member cluster and waits until {@code /health} says so. */
  public static EtcdProcess start() throws IOException, InterruptedException {
    Path binary = binary();
    Path root = Files.createTempDirectory("primus-bench-etcd-");
    List<Integer> ports = freePorts(3);
    int client = ports.get(0);
    int peer = ports.get(1);
    int metrics = ports.get(2);
    Path log = root.resolve("etcd.log");
    List<String> cmd = List.of(binary.toString(),
        "--name", "bench",
        "--data-dir", root.resolve("data").toString(),
        "--listen-client-urls", "http://127.0.0.1:" + client,
        "--advertise-client-urls", "http://127.0.0.1:" + client,
        "--listen-peer-urls", "http://127.0.0.1:" + peer,
        "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
        "--initial-cluster", "bench=http://127.0.0.1:" + peer,
        "--listen-metrics-urls", "http://127.0.0.1:" + metrics,
        "--logger", "zap",
        "--log-outputs", "stderr",
        "--log-level", "warn");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    if (!arch.equals("amd64") && !arch.equals("x86_64")) {
      // etcd 3.4 refuses to start on other architectures unless told they are accepted.
      pb.environment().put("ETCD_UNSUPPORTED_ARCH", arch.equals("aarch64") ? "arm64" : arch);
    }
    EtcdProcess etcd = new EtcdProcess(binary, root, log, client, metrics, pb.start());
    try {
      etcd.awaitHealthy(metrics);
      return etcd;
    } catch (IOException | InterruptedException | RuntimeException e) {
      etcd.close();
      throw e;
    }
  }

  /** {@code $PRIMUS_ETCD_BIN}, {@code /usr/bin/etcd}, or {@code etcd} on the {@code PATH}. */
  private static Path binary() {
    String override = System.getenv("PRIMUS_ETCD_BIN");
    if (override != null && !override.isBlank()) {
      return Path.of(override);
    }
    if (Files.isExecutable(Path.of("/usr/bin/etcd"))) {
      return Path.of("/usr/bin/etcd");
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "etcd"))) {
        return Path.of(dir, "etcd");
      }
    }
    throw new IllegalStateException("no etcd binary ($PRIMUS_ETCD_BIN, /usr/bin/etcd, PATH). Install it: "
        + INSTALL_HINT);
  }

  public URI clientUrl() {
    return URI.create("http://127.0.0.1:" + clientPort);
  }

  /** Where etcd serves {@code /metrics} (Prometheus text) and {@code /health}, apart from client traffic. */
  public URI metricsUrl() {
    return URI.create("http://127.0.0.1:" + metricsPort);
  }

  /** Whether the server process still runs (someone else's cleanup may kill it on a shared machine). */
  public boolean alive() {
    return process.isAlive();
  }

  /** etcd's process id, e.g. to tell its resource use apart from the agents'. */
  public long pid() {
    return process.pid();
  }

  /** The first line of {@code etcd --version}, e.g. {@code etcd Version: 3.4.23}. */
  public String version() {
    try {
      Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(10, TimeUnit.SECONDS);
      return out.lines().findFirst().orElse("etcd (unknown version)").strip();
    } catch (IOException e) {
      return "etcd (version unknown: " + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "etcd (version unknown)";
    }
  }

  private void awaitHealthy(int metricsPort) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/health"))
        .timeout(Duration.ofSeconds(2)).GET().build();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("etcd exited; log:\n" + Files.readString(log));
      }
      try {
        HttpResponse<String> r = http.send(health, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().contains("\"true\"")) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("etcd not healthy within " + START_TIMEOUT + "; log:\n" + Files.readString(log));
  }

  /** Stops etcd ({@code SIGTERM}, then {@code SIGKILL} after 10 s) and deletes its directory. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    try (Stream<Path> walk = Files.walk(dataRoot)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.err.println("bench: could not delete " + dataRoot + ": " + e.getMessage());
    }
  }

  private static List<Integer> freePorts(int n) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
      }
      return sockets.stream().map(ServerSocket::getLocalPort).toList();
    } finally {
      for (ServerSocket s : sockets) {
        s.close();
      }
    }
  }
}
