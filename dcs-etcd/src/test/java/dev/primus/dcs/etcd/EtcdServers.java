package dev.primus.dcs.etcd;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Real etcd servers for the integration tests: {@code n} members on 127.0.0.1 with free ports and
 * temporary data directories, started from the binary Debian's {@code etcd-server} package installs.
 *
 * <p>Members run with a 50 ms heartbeat and a 500 ms election timeout so elections and lease expiry
 * are quick. They are stopped by PID: gracefully ({@code SIGTERM}) or with {@code SIGKILL} to simulate a
 * crash; {@link #restart} brings a member back on the same ports and data directory. {@link #close}
 * stops whatever still runs and deletes the directories; a JVM shutdown hook kills leftovers if a test
 * run dies before that.
 *
 * <p>There is no skipping: without the binary the tests fail and say how to install it.
 */
final class EtcdServers implements AutoCloseable {
  static final String INSTALL_HINT = "apt-get update && apt-get install -y etcd-server";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
  private static final Path LOG_DIR = Path.of("target", "etcd-logs");

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
        "etcd-servers-cleanup"));
  }

  private final Path binary;
  private final Path root;
  private final List<Member> members;
  private final Optional<TlsFiles> tls;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private EtcdServers(Path binary, Path root, List<Member> members, Optional<TlsFiles> tls) {
    this.binary = binary;
    this.root = root;
    this.members = members;
    this.tls = tls;
  }

  /**
   * The server side of TLS: clients must present a certificate signed by {@code ca}.
   *
   * @param ca   the CA that signs the server's and the clients' certificates
   * @param cert the server certificate (for 127.0.0.1)
   * @param key  its private key
   */
  record TlsFiles(Path ca, Path cert, Path key) {}

  /** Starts a plain-HTTP cluster of {@code size} members and waits until it has a leader. */
  static EtcdServers start(int size) throws IOException, InterruptedException {
    return start(size, Optional.empty());
  }

  /** Starts one member that serves clients over TLS and requires client certificates. */
  static EtcdServers startTls(TlsFiles files) throws IOException, InterruptedException {
    return start(1, Optional.of(files));
  }

  private static EtcdServers start(int size, Optional<TlsFiles> tls) throws IOException, InterruptedException {
    Path binary = binary(System.getenv(), Path.of("/usr/bin/etcd"));
    Path root = Files.createTempDirectory("primus-etcd-");
    List<Member> members = new ArrayList<>();
    List<Integer> ports = freePorts(3 * size);
    String scheme = tls.isPresent() ? "https" : "http";
    for (int i = 0; i < size; i++) {
      members.add(new Member("m" + i, scheme, ports.get(3 * i), ports.get(3 * i + 1), ports.get(3 * i + 2),
          root.resolve("m" + i)));
    }
    EtcdServers servers = new EtcdServers(binary, root, List.copyOf(members), tls);
    try {
      for (Member m : members) {
        servers.launch(m, true);
      }
      for (Member m : members) {
        servers.awaitHealthy(m);
      }
      return servers;
    } catch (IOException | InterruptedException | RuntimeException e) {
      servers.close();
      throw e;
    }
  }

  /**
   * The etcd binary: {@code $PRIMUS_ETCD_BIN}, then {@code usual} ({@code /usr/bin/etcd}), then
   * {@code etcd} on the {@code PATH} of {@code env}.
   *
   * @throws IllegalStateException saying how to install etcd, when there is none
   */
  static Path binary(java.util.Map<String, String> env, Path usual) {
    String override = env.get("PRIMUS_ETCD_BIN");
    if (override != null && !override.isBlank()) {
      Path p = Path.of(override);
      if (Files.isExecutable(p)) {
        return p;
      }
      throw new IllegalStateException("PRIMUS_ETCD_BIN=" + override + " is not an executable etcd binary;"
          + " unset it to use the packaged one (" + INSTALL_HINT + ")");
    }
    if (Files.isExecutable(usual)) {
      return usual;
    }
    String path = Optional.ofNullable(env.get("PATH")).orElse("");
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "etcd"))) {
        return Path.of(dir, "etcd");
      }
    }
    throw new IllegalStateException("the etcd integration tests need a real etcd server, and no 'etcd' binary"
        + " was found (looked at $PRIMUS_ETCD_BIN, " + usual + " and the PATH). Install it: " + INSTALL_HINT);
  }

  List<Member> members() {
    return members;
  }

  /** The client URLs of every member, running or not. */
  List<URI> clientUrls() {
    return members.stream().map(Member::clientUrl).toList();
  }

  /** The member that currently leads, from the running members' {@code etcd_server_is_leader} metric. */
  Member leader() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      for (Member m : members) {
        if (!m.running()) {
          continue;
        }
        try {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(m.metricsUrl() + "/metrics"))
              .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 200 && r.body().lines().anyMatch(l -> l.equals("etcd_server_is_leader 1"))) {
            return m;
          }
        } catch (IOException e) {
          // Not answering right now; ask the next one.
        }
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("no etcd member reports itself as leader within " + START_TIMEOUT);
  }

  /** Simulates a crash: {@code SIGKILL} to the member's PID. */
  void kill(Member m) throws InterruptedException {
    Process p = m.process;
    if (p != null) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      LIVE.remove(p);
      m.process = null;
    }
  }

  /** Stops the member gracefully ({@code SIGTERM}), escalating to {@code SIGKILL} after 10 s. */
  void stop(Member m) throws InterruptedException {
    Process p = m.process;
    if (p != null) {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
      LIVE.remove(p);
      m.process = null;
    }
  }

  /** Starts a stopped member again on its ports and data directory, and waits until it is healthy. */
  void restart(Member m) throws IOException, InterruptedException {
    if (m.running()) {
      throw new IllegalStateException(m.name + " is still running");
    }
    launch(m, false);
    awaitHealthy(m);
  }

  /** Stops every member gracefully: the whole store becomes unreachable. */
  void stopAll() throws InterruptedException {
    for (Member m : members) {
      stop(m);
    }
  }

  /**
   * Starts every stopped member again and waits until all are healthy. Members are launched together
   * because a lone member of a multi-member cluster cannot become healthy without a quorum.
   */
  void restartAll() throws IOException, InterruptedException {
    List<Member> stopped = members.stream().filter(m -> !m.running()).toList();
    for (Member m : stopped) {
      launch(m, false);
    }
    for (Member m : stopped) {
      awaitHealthy(m);
    }
  }

  /** Stops every member and deletes the data directories. Safe to call twice. */
  @Override
  public void close() {
    for (Member m : members) {
      try {
        stop(m);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        if (m.process != null) {
          m.process.destroyForcibly();
        }
      }
    }
    try (Stream<Path> walk = Files.exists(root) ? Files.walk(root) : Stream.empty()) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete " + root, e);
    }
  }

  private void launch(Member m, boolean fresh) throws IOException {
    String initialCluster = members.stream()
        .map(x -> x.name + "=http://127.0.0.1:" + x.peerPort)
        .collect(Collectors.joining(","));
    List<String> cmd = new ArrayList<>(List.of(binary.toString(),
        "--name", m.name,
        "--data-dir", m.dataDir.toString(),
        "--listen-client-urls", m.clientUrl().toString(),
        "--advertise-client-urls", m.clientUrl().toString(),
        // Plain-HTTP /health even when clients must use TLS.
        "--listen-metrics-urls", "http://127.0.0.1:" + m.metricsPort,
        "--listen-peer-urls", "http://127.0.0.1:" + m.peerPort,
        "--initial-advertise-peer-urls", "http://127.0.0.1:" + m.peerPort,
        "--initial-cluster", initialCluster,
        // Ignored on a restart: the data directory already knows the cluster.
        "--initial-cluster-state", "new",
        "--initial-cluster-token", "primus-" + root.getFileName(),
        "--heartbeat-interval", "50",
        "--election-timeout", "500",
        "--logger", "zap",
        "--log-outputs", "stderr",
        "--log-level", "warn"));
    tls.ifPresent(t -> cmd.addAll(List.of(
        "--cert-file", t.cert().toString(),
        "--key-file", t.key().toString(),
        "--trusted-ca-file", t.ca().toString(),
        "--client-cert-auth")));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(m.log().toFile()));
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    if (!arch.equals("amd64") && !arch.equals("x86_64")) {
      // etcd 3.4 refuses to start on other architectures unless told they are accepted.
      pb.environment().put("ETCD_UNSUPPORTED_ARCH", arch.equals("aarch64") ? "arm64" : arch);
    }
    if (fresh) {
      Files.createDirectories(m.dataDir.getParent());
      Files.createDirectories(LOG_DIR);
    }
    Process p = pb.start();
    LIVE.add(p);
    m.process = p;
  }

  private void awaitHealthy(Member m) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (m.process == null || !m.process.isAlive()) {
        throw new IllegalStateException("etcd member " + m.name + " exited; log:\n" + tail(m));
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(m.metricsUrl() + "/health"))
            .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().contains("\"true\"")) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("etcd member " + m.name + " not healthy within " + START_TIMEOUT + "; log:\n"
        + tail(m));
  }

  private static String tail(Member m) {
    try {
      List<String> lines = Files.readAllLines(m.log(), StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static List<Integer> freePorts(int n) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        s.setReuseAddress(true);
        sockets.add(s);
      }
      return sockets.stream().map(ServerSocket::getLocalPort).toList();
    } finally {
      for (ServerSocket s : sockets) {
        s.close();
      }
    }
  }

  /** One etcd process. */
  static final class Member {
    final String name;
    final String scheme;
    final int clientPort;
    final int peerPort;
    final int metricsPort;
    final Path dataDir;
    volatile Process process;

    Member(String name, String scheme, int clientPort, int peerPort, int metricsPort, Path dataDir) {
      this.name = name;
      this.scheme = scheme;
      this.clientPort = clientPort;
      this.peerPort = peerPort;
      this.metricsPort = metricsPort;
      this.dataDir = dataDir;
    }

    URI clientUrl() {
      return URI.create(scheme + "://127.0.0.1:" + clientPort);
    }

    URI metricsUrl() {
      return URI.create("http://127.0.0.1:" + metricsPort);
    }

    boolean running() {
      return process != null && process.isAlive();
    }

    long pid() {
      Process p = process;
      if (p == null) {
        throw new IllegalStateException(name + " is not running");
      }
      return p.pid();
    }

    /** Kept under target/etcd-logs after the data directories are gone, for post-mortems. */
    Path log() {
      return LOG_DIR.resolve(dataDir.getParent().getFileName() + "-" + name + ".log");
    }

    @Override
    public String toString() {
      return name + "(client " + clientPort + ", peer " + peerPort + ")";
    }
  }
}
