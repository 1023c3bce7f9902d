package dev.primus.bench.failover;

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
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Three members — PostgreSQL plus one agent each, the agents as separate processes — on one etcd, all on
 * loopback, in a directory of their own. It starts and kills agents and servers and says when the cluster
 * is whole again; it measures nothing itself.
 */
final class Cluster implements AutoCloseable {
  static final String SUPERUSER = "postgres";
  static final String SUPERUSER_PASSWORD = "bench-super";
  private static final Duration PG_CTL_TIMEOUT = Duration.ofSeconds(20);

  private final AgentKind kind;
  private final Timing timing;
  private final String scope;
  private final List<Node> nodes;
  private final EtcdView etcd;
  private final String etcdHosts;
  private final Path pgBin;
  private final String osUser;
  private final Path sock;
  private final Map<String, Process> agents = new ConcurrentHashMap<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private volatile boolean closed;

  private Cluster(AgentKind kind, Timing timing, String scope, List<Node> nodes, EtcdView etcd, String etcdHosts,
      Path pgBin, String osUser, Path sock) {
    this.kind = kind;
    this.timing = timing;
    this.scope = scope;
    this.nodes = List.copyOf(nodes);
    this.etcd = etcd;
    this.etcdHosts = etcdHosts;
    this.pgBin = pgBin;
    this.osUser = osUser;
    this.sock = sock;
  }

  /**
   * Lays out {@code dir}: a socket directory and one directory per member, owned by {@code osUser} (when
   * the bench is root) because PostgreSQL — and Patroni — run as that user and create the data directories
   * there. Nothing is started yet.
   */
  static Cluster create(AgentKind kind, Timing timing, String scope, Path dir, EtcdView etcd, String etcdHosts,
      Path pgBin, String osUser) throws IOException {
    Files.createDirectories(dir);
    // Traversable, not listable: the PostgreSQL user must reach its own directories below.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    Path sock = Files.createDirectories(dir.resolve("sock"));
    own(sock, osUser);
    List<Integer> ports = freePorts(6);
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Node n = new Node("node" + (i + 1), ports.get(2 * i), ports.get(2 * i + 1), dir.resolve("node" + (i + 1)));
      Files.createDirectories(n.dir());
      own(n.dir(), osUser);
      nodes.add(n);
    }
    Cluster c = new Cluster(kind, timing, scope, nodes, etcd, etcdHosts, pgBin, osUser, sock);
    for (Node n : nodes) {
      Files.writeString(n.config(), c.config(n), StandardCharsets.UTF_8);
      // Patroni reads it as the PostgreSQL user; there is no secret in it worth more than this test.
      Files.setPosixFilePermissions(n.config(), PosixFilePermissions.fromString("rw-r--r--"));
    }
    return c;
  }

  List<Node> nodes() {
    return nodes;
  }

  String scope() {
    return scope;
  }

  AgentKind kind() {
    return kind;
  }

  Node node(String name) {
    return nodes.stream().filter(n -> n.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no member " + name));
  }

  int index(String name) {
    return nodes.indexOf(node(name));
  }

  /** The patroni.yml of one member; the same keys for both agents. */
  String config(Node n) {
    List<String> lines = new ArrayList<>(List.of(
        "scope: " + scope,
        "name: " + n.name(),
        "log:",
        "  level: INFO"));
    kind.logExtras().forEach(l -> lines.add("  " + l));
    lines.addAll(List.of(
        "restapi:",
        "  listen: 127.0.0.1:" + n.restPort(),
        "  connect_address: 127.0.0.1:" + n.restPort(),
        "etcd3:",
        "  hosts: " + etcdHosts,
        "bootstrap:",
        "  dcs:",
        "    ttl: " + timing.ttl(),
        "    loop_wait: " + timing.loopWait(),
        "    retry_timeout: " + timing.retryTimeout(),
        "    postgresql:",
        "      use_pg_rewind: true",
        "  initdb:",
        "  - encoding: UTF8",
        "  - locale: C",
        "  - no-sync",
        "postgresql:",
        "  listen: 127.0.0.1:" + n.pgPort(),
        "  connect_address: 127.0.0.1:" + n.pgPort(),
        "  data_dir: " + n.dataDir(),
        "  bin_dir: " + pgBin,
        "  pgpass: " + n.dir().resolve("pgpass"),
        "  pg_ctl_timeout: 60"));
    kind.postgresqlExtras().forEach(l -> lines.add("  " + l));
    lines.addAll(List.of(
        "  authentication:",
        "    superuser:",
        "      username: " + SUPERUSER,
        "      password: " + SUPERUSER_PASSWORD,
        "    replication:",
        "      username: replicator",
        "      password: bench-repl",
        "  parameters:",
        "    unix_socket_directories: " + sock,
        "    shared_buffers: 16MB",
        "    max_connections: 30",
        "    max_wal_senders: 5",
        "    max_replication_slots: 5",
        "  pg_hba:",
        "  - local all all trust",
        "  - host replication replicator 127.0.0.1/32 scram-sha-256",
        "  - host all all 127.0.0.1/32 scram-sha-256",
        "watchdog:",
        "  mode: 'off'"));
    return String.join("\n", lines) + "\n";
  }

  void startAll() throws IOException {
    for (Node n : nodes) {
      start(n);
    }
  }

  /** Starts the member's agent (again); output is appended to its log. */
  void start(Node n) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(kind.command(n.config())).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(n.log().toFile()));
    // The agent must read its file only, not the bench's own Patroni/Primus variables.
    pb.environment().keySet().removeIf(k -> (k.startsWith("PATRONI_") || k.startsWith("PRIMUS_"))
        && !k.equals("PRIMUS_JAVA_OPTS"));
    pb.environment().putAll(kind.environment(n));
    pb.directory(n.dir().toFile());
    agents.put(n.name(), pb.start());
  }

  /** The agent's process id; for Primus the JVM's (the script execs it), for Patroni Python's. */
  long agentPid(String name) {
    Process p = agents.get(name);
    if (p == null || !p.isAlive()) {
      throw new IllegalStateException(kind.name() + " agent " + name + " is not running:\n" + tail(node(name), 40));
    }
    return p.pid();
  }

  boolean agentAlive(String name) {
    Process p = agents.get(name);
    return p != null && p.isAlive();
  }

  /**
   * A crash of the whole member: SIGKILL to the agent, then at once to the postmaster and every process
   * it started (backends, walsender, checkpointer...), so nothing of the old primary answers afterwards.
   */
  void kill(String name) {
    Process agent = agents.remove(name);
    Optional<Long> postmaster = postmasterPid(node(name));
    if (agent != null) {
      agent.destroyForcibly();
    }
    postmaster.ifPresent(pm -> {
      List<Long> children = Proc.children(pm);
      Proc.kill(pm);
      children.forEach(Proc::kill);
    });
    if (agent != null) {
      try {
        agent.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    postmaster.ifPresent(pm -> Proc.awaitExit(pm, 10_000));
  }

  /** The leader key's value, if any. */
  Optional<String> leader() throws InterruptedException {
    return etcd.leaderName(scope);
  }

  /**
   * Waits until the cluster is whole: a leader in the DCS whose agent answers {@code GET /primary} with
   * 200, the two others answering {@code GET /replica} with 200, and the leader's PostgreSQL showing two
   * streaming standbys with less than 1 MiB to replay. Returns the leader.
   */
  String awaitHealthy(Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    String last = "nothing checked yet";
    while (true) {
      for (Node n : nodes) {
        if (!agentAlive(n.name())) {
          throw new IllegalStateException(kind.name() + " agent " + n.name() + " exited:\n" + tail(n, 40));
        }
      }
      Optional<String> leader = leader();
      if (leader.isEmpty()) {
        last = "no leader key";
      } else if (nodes.stream().noneMatch(n -> n.name().equals(leader.get()))) {
        last = "leader key names unknown member " + leader.get();
      } else {
        Node l = node(leader.get());
        int primary = status(l.rest("/primary"));
        List<String> replicas = new ArrayList<>();
        boolean replicasOk = true;
        for (Node n : nodes) {
          if (n != l) {
            int code = status(n.rest("/replica"));
            replicas.add(n.name() + " /replica " + code);
            replicasOk &= code == 200;
          }
        }
        int streaming = primary == 200 && replicasOk ? streamingStandbys(l) : -1;
        if (streaming >= 2) {
          return l.name();
        }
        last = "leader " + l.name() + " /primary " + primary + ", " + String.join(", ", replicas)
            + ", streaming standbys " + streaming;
      }
      if (System.nanoTime() > deadline) {
        StringBuilder sb = new StringBuilder(kind.name() + " cluster " + scope + " not whole within "
            + limit.toSeconds() + " s: " + last);
        for (Node n : nodes) {
          sb.append("\n--- ").append(n.name()).append(" (last lines of ").append(n.log()).append(")\n")
              .append(tail(n, 15));
        }
        throw new IllegalStateException(sb.toString());
      }
      Thread.sleep(200);
    }
  }

  /** Standbys streaming from {@code leader} and less than 1 MiB behind in replay; -1 if it cannot be asked. */
  private int streamingStandbys(Node leader) {
    try (Connection c = connect(leader, 2); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
            + " AND pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) < 1048576")) {
      rs.next();
      return rs.getInt(1);
    } catch (SQLException e) {
      return -1;
    }
  }

  /** A superuser connection over TCP, failing fast: a dead member is refused at once on loopback. */
  static Connection connect(Node n, int socketTimeoutSeconds) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", SUPERUSER);
    p.setProperty("password", SUPERUSER_PASSWORD);
    p.setProperty("connectTimeout", "1");
    p.setProperty("loginTimeout", "3");
    p.setProperty("socketTimeout", Integer.toString(socketTimeoutSeconds));
    p.setProperty("ApplicationName", "primus-bench");
    return DriverManager.getConnection(n.jdbcUrl(), p);
  }

  /** HTTP status of a GET, or -1 when the agent does not answer. */
  int status(String url) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).GET().build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** {@code POST /switchover} to the leader, as {@code patronictl switchover} does; the answer arrives when it is done. */
  java.util.concurrent.CompletableFuture<HttpResponse<String>> switchover(String leader, String candidate) {
    String body = "{\"leader\":\"" + leader + "\",\"candidate\":\"" + candidate + "\"}";
    return http.sendAsync(HttpRequest.newBuilder(URI.create(node(leader).rest("/switchover")))
        .timeout(Duration.ofSeconds(2L * Math.max(10, timing.loopWait()) + 30))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static Optional<Long> postmasterPid(Node n) {
    try {
      List<String> lines = Files.readAllLines(n.dataDir().resolve("postmaster.pid"), StandardCharsets.US_ASCII);
      return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()))
          .filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The size of each member's log now, in member order: where {@link #logsSince} starts reading. */
  long[] logSizes() {
    return nodes.stream().mapToLong(n -> {
      try {
        return Files.size(n.log());
      } catch (IOException e) {
        return 0;
      }
    }).toArray();
  }

  /** Every member's log lines written since {@code sizes} ({@link #logSizes}). */
  List<String> logsSince(long[] sizes) throws IOException {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      Path log = nodes.get(i).log();
      if (!Files.exists(log)) {
        continue;
      }
      try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(log.toFile(), "r")) {
        long from = Math.min(sizes[i], f.length());
        byte[] bytes = new byte[(int) (f.length() - from)];
        f.seek(from);
        f.readFully(bytes);
        out.addAll(new String(bytes, StandardCharsets.UTF_8).lines().toList());
      }
    }
    return out;
  }

  String tail(Node n, int lines) {
    try {
      List<String> all = Files.readAllLines(n.log(), StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | RuntimeException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /**
   * Kills the agents, then stops each PostgreSQL with {@code pg_ctl stop -m immediate} (it removes its shared
   * memory, which SIGKILL would leave behind), and SIGKILLs whatever is left. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Process p : agents.values()) {
      p.destroyForcibly();
    }
    for (Process p : agents.values()) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    agents.clear();
    for (Node n : nodes) {
      Optional<Long> pm = postmasterPid(n);
      if (pm.isEmpty()) {
        continue;
      }
      List<String> cmd = new ArrayList<>();
      if (!osUser.isEmpty()) {
        cmd.addAll(List.of("setpriv", "--reuid=" + osUser, "--regid=" + osUser, "--init-groups", "--"));
      }
      cmd.addAll(List.of(pgBin.resolve("pg_ctl").toString(), "-D", n.dataDir().toString(), "stop", "-m", "immediate",
          "-w", "-t", Long.toString(PG_CTL_TIMEOUT.toSeconds())));
      try {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(n.dir().resolve("pg_ctl-stop.log").toFile())).start();
        if (!p.waitFor(PG_CTL_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (IOException e) {
        // SIGKILL below.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      pm.filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).ifPresent(pid -> {
        List<Long> children = Proc.children(pid);
        Proc.kill(pid);
        children.forEach(Proc::kill);
        Proc.awaitExit(pid, 10_000);
      });
    }
  }

  @Override
  public String toString() {
    return kind.name() + " cluster " + scope;
  }

  private static void own(Path p, String osUser) throws IOException {
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    if (!osUser.isEmpty()) {
      Files.setOwner(p, p.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(osUser));
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
