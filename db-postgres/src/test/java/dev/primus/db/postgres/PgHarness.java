package dev.primus.db.postgres;

import static org.junit.jupiter.api.Assertions.fail;

import dev.primus.ha.driver.DriverSettings;
import dev.primus.ha.driver.Upstream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Real PostgreSQL servers for the integration tests: a temporary directory per run, a free loopback
 * port per node, small server settings, and an unprivileged OS user when the tests run as root
 * (PostgreSQL refuses root). That user is {@value #OS_USER}; it is created with
 * {@code useradd --system --no-create-home --shell /usr/sbin/nologin primus-pg} when missing (CI runs as
 * root; {@code .ci/setup} creates it too). Missing PostgreSQL binaries fail the run with the apt command
 * that installs them: these tests are never skipped.
 */
final class PgHarness implements AutoCloseable {
  static final String OS_USER = "primus-pg";
  static final String APT_COMMAND = "apt-get install -y --no-install-recommends postgresql-15";
  static final String SUPERUSER_PASSWORD = "su-secret";
  static final String REPLICATION_PASSWORD = "repl secret:1\\";
  static final String REWIND_PASSWORD = "rw'secret";

  private final Path root;
  private final boolean asRoot;
  private final List<Path> dataDirs = new ArrayList<>();

  PgHarness() throws IOException, InterruptedException {
    requireBinaries();
    asRoot = RunAs.Identity.current().isRoot();
    if (asRoot) {
      ensureOsUser();
    }
    root = Files.createTempDirectory("primus-pg-it-");
    Files.createDirectories(root.resolve("sock"));
    own(root);
    own(root.resolve("sock"));
  }

  /** Fails (never skips) when the server binaries are not installed. */
  static void requireBinaries() {
    List<Path> dirs = PostgresBinaries.versioned(Path.of("/usr/lib/postgresql"), "", "bin");
    boolean found = dirs.stream().anyMatch(d -> PostgresBinaries.TOOLS.stream().allMatch(t -> Files.isExecutable(d.resolve(t))));
    if (!found) {
      fail("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; install them with: " + APT_COMMAND);
    }
  }

  private static void ensureOsUser() throws IOException, InterruptedException {
    if (run(List.of("id", "-u", OS_USER)) == 0) {
      return;
    }
    int rc = run(List.of("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", OS_USER));
    if (rc != 0 && run(List.of("id", "-u", OS_USER)) != 0) {
      fail("cannot create the OS user " + OS_USER + " (useradd exited " + rc + ")");
    }
  }

  private static int run(List<String> argv) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }

  /** Owner-only access, and the OS user as owner when the tests run as root (files the server or a tool reads). */
  void own(Path p) throws IOException {
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    if (asRoot) {
      var lookup = p.getFileSystem().getUserPrincipalLookupService();
      Files.setOwner(p, lookup.lookupPrincipalByName(OS_USER));
    }
  }

  Path root() {
    return root;
  }

  /** The newest installed server binaries (the driver finds the same ones). */
  static Path binDir() {
    return PostgresBinaries.versioned(Path.of("/usr/lib/postgresql"), "", "bin").get(0);
  }

  boolean asRoot() {
    return asRoot;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Small, quick server settings; replicas need at least the primary's max_connections. */
  Map<String, Object> baseParameters() {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("shared_buffers", "16MB");
    // logical: the slot test creates a logical slot.
    p.put("wal_level", "logical");
    p.put("max_connections", 30);
    p.put("max_wal_senders", 6);
    p.put("max_replication_slots", 10);
    p.put("max_worker_processes", 4);
    p.put("max_wal_size", "96MB");
    p.put("min_wal_size", "32MB");
    p.put("wal_keep_size", "64MB");
    p.put("unix_socket_directories", root.resolve("sock").toString());
    p.put("dynamic_shared_memory_type", "posix");
    p.put("autovacuum", false);
    p.put("jit", false);
    p.put("wal_receiver_status_interval", "1s");
    p.put("wal_retrieve_retry_interval", "500ms");
    p.put("log_min_messages", "info");
    return p;
  }

  /** A node's settings: the Patroni postgresql section plus Primus's os_user and log_dir. */
  Node node(String name) throws IOException {
    return node(name, Map.of(), Optional.empty());
  }

  /** A node with extra {@code postgresql:} keys and, when given, its own {@code bootstrap:} section. */
  Node node(String name, Map<String, Object> sectionExtra, Optional<Map<String, Object>> bootstrapSection)
      throws IOException {
    int port = freePort();
    Path dir = root.resolve(name);
    Files.createDirectories(dir);
    own(dir);
    dataDirs.add(dir.resolve("data"));
    Map<String, Object> section = new LinkedHashMap<>();
    section.put("listen", "127.0.0.1:" + port);
    section.put("connect_address", "127.0.0.1:" + port);
    section.put("data_dir", dir.resolve("data").toString());
    section.put("log_dir", dir.resolve("log").toString());
    section.put("scope", "it");
    if (asRoot) {
      section.put("os_user", OS_USER);
    }
    section.put("authentication", Map.of(
        "superuser", Map.of("username", "postgres", "password", SUPERUSER_PASSWORD),
        "replication", Map.of("username", "replicator", "password", REPLICATION_PASSWORD),
        "rewind", Map.of("username", "rewinder", "password", REWIND_PASSWORD)));
    section.put("parameters", baseParameters());
    section.put("pg_hba", List.of(
        "local all all trust",
        "host replication replicator 127.0.0.1/32 scram-sha-256",
        "host all all 127.0.0.1/32 scram-sha-256"));
    section.put("basebackup", Map.of("checkpoint", "fast", "max-rate", "200M"));
    section.put("use_pg_rewind", true);
    section.put("pg_ctl_timeout", 60);
    Map<String, Object> bootstrap = new LinkedHashMap<>();
    bootstrap.put("initdb", List.of(Map.of("encoding", "UTF8"), Map.of("locale", "C"), "no-sync", "no-instructions"));
    // The script gets the superuser's connection URL as its last argument; psql takes it as dbname.
    bootstrap.put("post_bootstrap", binDir().resolve("psql") + " -X -q -v ON_ERROR_STOP=1 -c 'CREATE TABLE primus_it (id int PRIMARY KEY, note text)'");
    section.putAll(sectionExtra);
    DriverSettings settings = new DriverSettings(name, section, bootstrapSection.orElse(bootstrap), Map.of(),
        PgHarness.class.getClassLoader());
    return new Node(name, port, dir.resolve("data"), dir.resolve("log"), settings);
  }

  /** One test node. */
  record Node(String name, int port, Path dataDir, Path logDir, DriverSettings settings) {
    Upstream upstream() {
      return new Upstream(name, "postgres://127.0.0.1:" + port + "/postgres");
    }

    Connection connect() throws SQLException {
      return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?connectTimeout=5&socketTimeout=30",
          "postgres", SUPERUSER_PASSWORD);
    }
  }

  /** SIGKILL to a node's postmaster: a crash, as far as PostgreSQL can tell. */
  static void crash(Node node) throws InterruptedException {
    Optional<Postmaster> pm = Postmaster.read(node.dataDir()).filter(Postmaster::alive);
    if (pm.isEmpty()) {
      fail(node.name() + " is not running; nothing to crash");
    }
    pm.get().kill(Duration.ofSeconds(10));
    // Children notice the dead postmaster on their own within a moment; wait so they stop writing.
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline && ProcessHandle.allProcesses().anyMatch(h -> isChildOf(h, pm.get().pid()))) {
      Thread.sleep(50);
    }
  }

  private static boolean isChildOf(ProcessHandle h, long pid) {
    return h.parent().map(p -> p.pid() == pid).orElse(false);
  }

  static void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out after " + timeout.toSeconds() + " s waiting for " + what);
      }
      Thread.sleep(100);
    }
  }

  /** Kills every server still running in this run's data directories, then removes the directory. */
  @Override
  public void close() throws IOException {
    for (Path data : dataDirs) {
      Postmaster.read(data).filter(Postmaster::alive).ifPresent(pm -> {
        System.out.println("harness: killing leftover postmaster " + pm.pid() + " in " + data);
        pm.kill(Duration.ofSeconds(10));
      });
    }
    if (Boolean.getBoolean("primus.it.keep")) {
      System.out.println("harness: keeping " + root);
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // best effort: a temp directory
        }
      });
    }
  }
}
