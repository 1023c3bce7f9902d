package dev.primus.runner.e2e;

import dev.primus.runner.demo.LocalCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's HAProxy in front of a {@link LocalCluster}, configured the way Patroni's documentation
 * configures it: TCP to every member's PostgreSQL, each server checked with {@code OPTIONS /primary}
 * on its REST port, only a 200 keeps it in. Run in the foreground ({@code -db}) as a child process.
 */
final class HaproxyProcess implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/sbin/haproxy");
  static final String INSTALL = "apt-get install -y haproxy";

  private final Process process;
  private final int port;
  private final Path log;

  private HaproxyProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Fails (never skips) when HAProxy is not installed, naming the apt command. */
  static void require() {
    if (!Files.isExecutable(BINARY)) {
      throw new AssertionError("the end-to-end tests route writes through HAProxy, and " + BINARY
          + " is not installed. Install it: " + INSTALL + " (.ci/setup does)");
    }
  }

  /** The configuration: one listener on {@code port}, a server per member checked on its REST API. */
  static String config(LocalCluster cluster, int port) {
    List<String> lines = new ArrayList<>(List.of(
        "global",
        "  maxconn 200",
        "defaults",
        "  mode tcp",
        "  timeout connect 2s",
        "  timeout client 30m",
        "  timeout server 30m",
        "  timeout check 2s",
        "listen primary",
        "  bind 127.0.0.1:" + port,
        "  option httpchk OPTIONS /primary",
        "  http-check expect status 200",
        // Sessions to a server that fails its check are cut, so clients reconnect to the new primary.
        "  default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions"));
    for (LocalCluster.Node n : cluster.nodes()) {
      lines.add("  server " + n.name() + " 127.0.0.1:" + n.pgPort() + " maxconn 100 check port " + n.restPort());
    }
    return String.join("\n", lines) + "\n";
  }

  static HaproxyProcess start(LocalCluster cluster, Path dir, int port) throws IOException {
    require();
    Path cfg = dir.resolve("haproxy.cfg");
    Files.writeString(cfg, config(cluster, port), StandardCharsets.UTF_8);
    Path log = dir.resolve("haproxy.log");
    Process p = new ProcessBuilder(BINARY.toString(), "-db", "-f", cfg.toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    return new HaproxyProcess(p, port, log);
  }

  int port() {
    return port;
  }

  boolean alive() {
    return process.isAlive();
  }

  String log() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
