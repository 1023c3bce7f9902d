package dev.primus.dcs.consul;

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
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.consul.ConsulContainer;

/**
 * A real Consul agent for the integration tests, in the first of these forms that exists here:
 * <ol>
 *   <li>the binary named by {@code CONSUL_BIN} (an error if it is set but not executable);
 *   <li>{@code consul} on the {@code PATH};
 *   <li>the {@code hashicorp/consul} image through Testcontainers, if a Docker engine answers.
 * </ol>
 * A binary runs as {@code consul agent -dev} on 127.0.0.1 with free ports, its own data directory and
 * its log in {@code target/consul-it/}, and is stopped by its PID. {@link #find()} says which form is
 * available, or why none is, without starting anything.
 */
abstract class ConsulAgent implements AutoCloseable {
  static final String IMAGE = "hashicorp/consul:1.20";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  /** Where the agent's HTTP API listens. */
  abstract String host();

  abstract int httpPort();

  /** What runs, for the test log. */
  abstract String describe();

  /** How an agent can be had here: a launcher, or the reason there is none. */
  record Availability(Optional<Launcher> launcher, String reason) {}

  @FunctionalInterface
  interface Launcher {
    ConsulAgent start() throws Exception;
  }

  static Availability find() {
    String bin = System.getenv("CONSUL_BIN");
    if (bin != null && !bin.isBlank()) {
      Path p = Path.of(bin);
      if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
        // Asked for explicitly: a wrong path is a mistake to report, not a reason to skip.
        throw new IllegalStateException("CONSUL_BIN=" + bin + " is not an executable file");
      }
      return new Availability(Optional.of(() -> Binary.start(p)), "CONSUL_BIN=" + bin);
    }
    Optional<Path> onPath = onPath("consul");
    if (onPath.isPresent()) {
      return new Availability(Optional.of(() -> Binary.start(onPath.get())), "consul on PATH: " + onPath.get());
    }
    if (dockerAnswers()) {
      return new Availability(Optional.of(Container::start), "Docker engine via Testcontainers");
    }
    return new Availability(Optional.empty(), "no Consul agent: no `consul` on PATH, CONSUL_BIN unset, Docker engine"
        + " not reachable \u2014 this backend is verified only where one of those exists");
  }

  private static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private static boolean dockerAnswers() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  /** A {@code consul agent -dev} process of this machine's binary. */
  private static final class Binary extends ConsulAgent {
    private final Process process;
    private final Path dataDir;
    private final int httpPort;
    private final Path binary;

    private Binary(Process process, Path dataDir, int httpPort, Path binary) {
      this.process = process;
      this.dataDir = dataDir;
      this.httpPort = httpPort;
      this.binary = binary;
    }

    static ConsulAgent start(Path binary) throws IOException, InterruptedException {
      Path logDir = Path.of("target", "consul-it");
      Files.createDirectories(logDir);
      Path dataDir = Files.createTempDirectory("primus-consul-");
      List<Integer> ports = freePorts(7);
      List<String> cmd = new ArrayList<>(List.of(binary.toString(), "agent", "-dev",
          "-bind", "127.0.0.1", "-client", "127.0.0.1", "-node", "primus-it", "-data-dir", dataDir.toString(),
          "-http-port", ports.get(0).toString(), "-dns-port", ports.get(1).toString(),
          "-server-port", ports.get(2).toString(), "-serf-lan-port", ports.get(3).toString(),
          "-serf-wan-port", ports.get(4).toString(), "-grpc-port", ports.get(5).toString(),
          "-log-level", "warn"));
      if (help(binary).contains("-grpc-tls-port")) {
        // Consul 1.14+ also opens a gRPC TLS port in dev mode (8503 by default): keep it off fixed ports.
        cmd.addAll(List.of("-grpc-tls-port", ports.get(6).toString()));
      }
      Process p = new ProcessBuilder(cmd)
          .redirectErrorStream(true)
          .redirectOutput(logDir.resolve("agent.log").toFile())
          .start();
      Binary agent = new Binary(p, dataDir, ports.get(0), binary);
      try {
        awaitLeader("127.0.0.1", ports.get(0), p);
      } catch (IOException | InterruptedException | RuntimeException e) {
        agent.close();
        throw e;
      }
      return agent;
    }

    private static String help(Path binary) throws IOException, InterruptedException {
      Process p = new ProcessBuilder(binary.toString(), "agent", "-h").redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      p.waitFor(10, TimeUnit.SECONDS);
      return new String(out, StandardCharsets.UTF_8);
    }

    @Override
    String host() {
      return "127.0.0.1";
    }

    @Override
    int httpPort() {
      return httpPort;
    }

    @Override
    String describe() {
      return binary + " agent -dev (pid " + process.pid() + ", http 127.0.0.1:" + httpPort + ")";
    }

    @Override
    public void close() {
      // SIGTERM to this PID: Consul leaves cleanly; SIGKILL if it does not within 10 s.
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
      deleteTree(dataDir);
    }
  }

  /** The {@code hashicorp/consul} image in dev mode, through Testcontainers. */
  private static final class Container extends ConsulAgent {
    private final ConsulContainer container;

    private Container(ConsulContainer container) {
      this.container = container;
    }

    static ConsulAgent start() throws IOException, InterruptedException {
      ConsulContainer c = new ConsulContainer(IMAGE);
      c.start();
      Container agent = new Container(c);
      try {
        awaitLeader(c.getHost(), c.getMappedPort(8500), null);
      } catch (IOException | InterruptedException | RuntimeException e) {
        agent.close();
        throw e;
      }
      return agent;
    }

    @Override
    String host() {
      return container.getHost();
    }

    @Override
    int httpPort() {
      return container.getMappedPort(8500);
    }

    @Override
    String describe() {
      return IMAGE + " container " + container.getContainerId() + " (http " + host() + ":" + httpPort() + ")";
    }

    @Override
    public void close() {
      container.stop();
    }
  }

  /** Waits until the agent's server has elected itself: only then do sessions and KV writes work. */
  private static void awaitLeader(String host, int port, Process process) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/v1/status/leader"))
        .timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    String last = "no answer";
    while (System.nanoTime() - deadline < 0) {
      if (process != null && !process.isAlive()) {
        throw new IOException("consul exited with " + process.exitValue() + "; see target/consul-it/agent.log");
      }
      try {
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        last = r.statusCode() + " " + r.body();
        if (r.statusCode() == 200 && r.body().strip().length() > 2) {
          return;
        }
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(200);
    }
    throw new IOException("Consul at " + host + ":" + port + " has no leader after " + START_TIMEOUT + ": " + last);
  }

  private static List<Integer> freePorts(int n) throws IOException {
    List<ServerSocket> held = new ArrayList<>();
    try {
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 0, InetAddress.getLoopbackAddress());
        held.add(s);
        ports.add(s.getLocalPort());
      }
      return ports;
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      System.err.println("ConsulAgent: could not delete " + root + ": " + e);
    }
  }
}
