package dev.primus.agent.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Real PostgreSQL 15 instances for a test, on free loopback ports, in a temporary directory: as the
 * {@code postgresql:} sections a driver is built from, run as the unprivileged {@code primus-pg} when the
 * test runs as root (PostgreSQL refuses root). Closing kills whatever a failed test left running and deletes
 * the directory.
 */
final class Pg implements AutoCloseable {
  static final String OS_USER = "primus-pg";
  static final String SUPERUSER_PASSWORD = "it-super";

  private final Path root;
  private final boolean asRoot;
  private final List<Integer> ports = new ArrayList<>();

  private Pg(Path root, boolean asRoot) {
    this.root = root;
    this.asRoot = asRoot;
  }

  static Pg create(String prefix, int members) throws IOException {
    boolean asRoot = "root".equals(System.getProperty("user.name"));
    Pg pg = new Pg(Files.createTempDirectory(prefix), asRoot);
    pg.own(pg.root);
    pg.own(Files.createDirectories(pg.root.resolve("sock")));
    for (int i = 0; i < members; i++) {
      pg.own(Files.createDirectories(pg.root.resolve("node" + (i + 1))));
      pg.ports.add(freePort());
    }
    return pg;
  }

  static void requirePostgres() {
    try (Stream<Path> s = Files.list(Path.of("/usr/lib/postgresql"))) {
      if (s.noneMatch(d -> Files.isExecutable(d.resolve("bin").resolve("pg_ctl")))) {
        fail("no PostgreSQL under /usr/lib/postgresql; apt-get install -y postgresql-15 (see .ci/setup)");
      }
    } catch (IOException e) {
      fail("no PostgreSQL under /usr/lib/postgresql; apt-get install -y postgresql-15 (see .ci/setup)");
    }
  }

  int port(int i) {
    return ports.get(i);
  }

  Path dataDir(int i) {
    return root.resolve("node" + (i + 1)).resolve("data");
  }

  /** The {@code postgresql:} section of member {@code i}, as patroni.yml would hold it. */
  Map<String, Object> section(int i) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("listen", "127.0.0.1:" + port(i));
    s.put("connect_address", "127.0.0.1:" + port(i));
    s.put("data_dir", dataDir(i).toString());
    if (asRoot) {
      s.put("os_user", OS_USER);
    }
    s.put("pg_ctl_timeout", 60);
    s.put("authentication", Map.of(
        "superuser", Map.of("username", "postgres", "password", SUPERUSER_PASSWORD),
        "replication", Map.of("username", "replicator", "password", "it-repl"),
        "rewind", Map.of("username", "rewinder", "password", "it-rewind")));
    s.put("parameters", Map.of("unix_socket_directories", root.resolve("sock").toString(), "shared_buffers", "16MB",
        "max_connections", 30, "max_wal_senders", 8, "max_replication_slots", 8, "wal_keep_size", "64MB"));
    s.put("pg_hba", List.of("local all all trust", "host replication replicator 127.0.0.1/32 scram-sha-256",
        "host all all 127.0.0.1/32 scram-sha-256"));
    return s;
  }

  /** The {@code bootstrap:} section: initdb options that keep a test quick. */
  Map<String, Object> bootstrap() {
    return Map.of("initdb", List.of(Map.of("encoding", "UTF8"), Map.of("locale", "C"), "no-sync"));
  }

  /** SIGKILL to member {@code i}'s postmaster, as a host crash would do it. */
  void kill(int i) throws IOException, InterruptedException {
    Path pidFile = dataDir(i).resolve("postmaster.pid");
    long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor(5, TimeUnit.SECONDS);
  }

  private void own(Path p) throws IOException {
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    if (asRoot) {
      Files.setOwner(p, p.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(OS_USER));
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws IOException {
    for (int i = 0; i < ports.size(); i++) {
      Path pidFile = dataDir(i).resolve("postmaster.pid");
      if (Files.exists(pidFile)) {
        try {
          long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
          ProcessHandle.of(pid).ifPresent(h -> {
            h.destroyForcibly();
            try {
              h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
              // best effort: nothing else to do
            }
          });
        } catch (IOException | RuntimeException e) {
          // a half-written pid file: nothing to kill
        }
      }
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
