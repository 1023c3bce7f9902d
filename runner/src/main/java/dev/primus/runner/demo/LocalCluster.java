package dev.primus.runner.demo;

import dev.primus.dcs.layout.ClusterPath;
import dev.primus.dcs.layout.PatroniCodec;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.LeaderLock;
import dev.primus.dcs.model.Member;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DcsSettings;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.ha.Timings;
import dev.primus.runner.wiring.Backends;
import dev.primus.runner.ctl.Tables;
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
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL cluster of Primus agents on this machine: every member on loopback with its own free
 * ports, data directory and {@code patroni.yml} under one base directory, each agent a separate process
 * of the shaded jar. The DCS is the caller's (a section of YAML for the agents, the same settings for
 * this class's own reads). Used by {@code primus demo} and by the end-to-end tests, which is why it knows
 * how to crash a member (SIGKILL of the agent and of its postmaster) as well as how to run one.
 *
 * <p>{@link #close()} leaves nothing running: agents get SIGTERM (which stops their PostgreSQL), then
 * SIGKILL; postmasters whose agent died are killed through their pid files; any process still naming the
 * base directory on its command line (a pg_basebackup, a pg_rewind) is killed last.
 */
public final class LocalCluster implements AutoCloseable {
  /** The JVM flags of {@code runner/bin/primus}: agents are small. */
  public static final List<String> LEAN_JVM = List.of("-Xmx64m", "-Xss512k", "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1", "-XX:MaxMetaspaceSize=96m", "-XX:+ExitOnOutOfMemoryError");
  public static final String SUPERUSER = "postgres";
  public static final String REPLICATION_USER = "replicator";

  /**
   * What the cluster is made of.
   *
   * @param scope     the cluster name
   * @param size      how many members ({@code node1} ... {@code nodeN})
   * @param timings   ttl, loop_wait, retry_timeout of {@code bootstrap.dcs}
   * @param baseDir   an existing, empty directory that will hold everything
   * @param osUser    when running as root, the unprivileged user PostgreSQL runs as
   * @param jar       the shaded jar the agents run from
   * @param jvmFlags  the agents' JVM flags
   * @param password  the superuser's and the replication user's password (loopback only)
   */
  public record Spec(String scope, int size, Timings timings, Path baseDir, Optional<String> osUser, Path jar,
      List<String> jvmFlags, String password) {
    public Spec {
      Objects.requireNonNull(scope, "scope");
      Objects.requireNonNull(timings, "timings");
      Objects.requireNonNull(baseDir, "baseDir");
      Objects.requireNonNull(osUser, "osUser");
      Objects.requireNonNull(jar, "jar");
      jvmFlags = List.copyOf(jvmFlags);
      Objects.requireNonNull(password, "password");
      if (size < 1) {
        throw new IllegalArgumentException("size must be at least 1, got " + size);
      }
    }
  }

  /**
   * The DCS as the agents and this class see it.
   *
   * @param type   the provider name ({@code zookeeper}, {@code etcd3})
   * @param yaml   the section for {@code patroni.yml}, at column 0 (e.g. {@code zookeeper:\n  hosts: ...})
   * @param store  the same settings as a map, for this class's own reads
   */
  public record Dcs(String type, String yaml, Map<String, Object> store) {
    public Dcs {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(yaml, "yaml");
      store = Map.copyOf(store);
    }

    public static Dcs zookeeper(String connectString) {
      return new Dcs("zookeeper", "zookeeper:\n  hosts:\n  - " + connectString + "\n", Map.of("hosts", connectString));
    }

    /** {@code hosts} as {@code host:port,host:port}. */
    public static Dcs etcd3(String hosts) {
      return new Dcs("etcd3", "etcd3:\n  hosts: " + hosts + "\n", Map.of("hosts", hosts));
    }
  }

  /** One member's ports and files. */
  public record Node(String name, int restPort, int pgPort, Path dir, Path dataDir, Path config, Path log) {
    public URI rest(String path) {
      return URI.create("http://127.0.0.1:" + restPort + path);
    }

    public String apiUrl() {
      return "http://127.0.0.1:" + restPort + "/patroni";
    }

    /** Where PostgreSQL writes its own log (the driver's {@code log_dir} default). */
    public Path postgresLog() {
      return dataDir.resolveSibling(dataDir.getFileName() + ".primus-log").resolve("postgresql.log");
    }
  }

  private final Spec spec;
  private final Dcs dcs;
  private final Map<String, Node> nodes;
  private final Map<String, AgentHandle> agents = new ConcurrentHashMap<>();
  private final ClusterPath path;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Object storeLock = new Object();
  private KeyValueStore store;
  private volatile boolean closed;

  private LocalCluster(Spec spec, Dcs dcs, Map<String, Node> nodes) {
    this.spec = spec;
    this.dcs = dcs;
    this.nodes = nodes;
    this.path = ClusterPath.of(spec.scope());
  }

  /**
   * Lays the cluster out under {@code spec.baseDir()}: a free REST and PostgreSQL port per member, the
   * directories (owned by {@code osUser} when given) and each member's {@code patroni.yml}. Starts nothing.
   */
  public static LocalCluster create(Spec spec, Dcs dcs) throws IOException {
    Path base = spec.baseDir();
    Optional<UserPrincipal> owner = spec.osUser().isPresent()
        ? Optional.of(base.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(spec.osUser().get()))
        : Optional.empty();
    if (owner.isPresent()) {
      requireTraversable(base.toAbsolutePath().getParent(), owner.get());
    }
    own(base, owner);
    Path sock = Files.createDirectories(base.resolve("sock"));
    own(sock, owner);
    Set<Integer> taken = new HashSet<>();
    Map<String, Node> nodes = new LinkedHashMap<>();
    for (int i = 1; i <= spec.size(); i++) {
      String name = "node" + i;
      Path dir = Files.createDirectories(base.resolve(name));
      own(dir, owner);
      Node n = new Node(name, freePort(taken), freePort(taken), dir, dir.resolve("data"), base.resolve(name + ".yml"),
          base.resolve(name + ".log"));
      Files.writeString(n.config(), patroniYml(spec, dcs, n, sock), StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(n.config(), PosixFilePermissions.fromString("rw-------"));
      nodes.put(name, n);
    }
    return new LocalCluster(spec, dcs, nodes);
  }

  /** A member's {@code patroni.yml}: the Patroni keys an operator would write, nothing demo-specific. */
  static String patroniYml(Spec spec, Dcs dcs, Node n, Path sock) {
    Timings t = spec.timings();
    List<String> lines = new ArrayList<>(List.of(
        "scope: " + spec.scope(),
        "name: " + n.name(),
        "log:",
        "  level: INFO",
        "restapi:",
        "  listen: 127.0.0.1:" + n.restPort(),
        "  connect_address: 127.0.0.1:" + n.restPort()));
    lines.addAll(dcs.yaml().lines().toList());
    lines.addAll(List.of(
        "bootstrap:",
        "  dcs:",
        "    ttl: " + t.ttl().toSeconds(),
        "    loop_wait: " + t.loopWait().toSeconds(),
        "    retry_timeout: " + t.retryTimeout().toSeconds(),
        "    maximum_lag_on_failover: 1048576",
        "    postgresql:",
        "      use_pg_rewind: true",
        "      use_slots: true",
        "  initdb:",
        "  - encoding: UTF8",
        "  - locale: C",
        "  - no-sync",
        "postgresql:",
        "  listen: 127.0.0.1:" + n.pgPort(),
        "  connect_address: 127.0.0.1:" + n.pgPort(),
        "  data_dir: " + n.dataDir()));
    spec.osUser().ifPresent(u -> lines.add("  os_user: " + u));
    lines.addAll(List.of(
        "  pg_ctl_timeout: 60",
        "  authentication:",
        "    superuser:",
        "      username: " + SUPERUSER,
        "      password: " + spec.password(),
        "    replication:",
        "      username: " + REPLICATION_USER,
        "      password: " + spec.password(),
        "  parameters:",
        "    unix_socket_directories: " + sock,
        "    shared_buffers: 16MB",
        "    max_connections: 30",
        "    max_wal_senders: 10",
        "    max_replication_slots: 10",
        "  pg_hba:",
        "  - local all all trust",
        "  - host replication " + REPLICATION_USER + " 127.0.0.1/32 scram-sha-256",
        "  - host all all 127.0.0.1/32 scram-sha-256",
        "watchdog:",
        "  mode: off"));
    return String.join("\n", lines) + "\n";
  }

  /**
   * PostgreSQL runs as {@code owner} and must reach the base directory: every directory above it must let
   * it through. Said here, before initdb fails with "Permission denied" inside an agent's log.
   */
  private static void requireTraversable(Path dir, UserPrincipal owner) throws IOException {
    for (Path p = dir; p != null; p = p.getParent()) {
      var attrs = Files.readAttributes(p, java.nio.file.attribute.PosixFileAttributes.class);
      boolean others = attrs.permissions().contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
      if (!others && !attrs.owner().equals(owner)) {
        throw new IOException(p + " (" + PosixFilePermissions.toString(attrs.permissions()) + ", owner "
            + attrs.owner().getName() + ") does not let " + owner.getName() + ", the user PostgreSQL runs as, through"
            + " to the cluster's directory; chmod o+x it or choose another place");
      }
    }
  }

  private static void own(Path p, Optional<UserPrincipal> owner) throws IOException {
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    if (owner.isPresent()) {
      Files.setOwner(p, owner.get());
    }
  }

  private static int freePort(Set<Integer> taken) throws IOException {
    while (true) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (taken.add(s.getLocalPort())) {
          return s.getLocalPort();
        }
      }
    }
  }

  // ================================================================= members and agents

  public Spec spec() {
    return spec;
  }

  public Dcs dcs() {
    return dcs;
  }

  public List<Node> nodes() {
    return List.copyOf(nodes.values());
  }

  public List<String> names() {
    return List.copyOf(nodes.keySet());
  }

  public Node node(String name) {
    Node n = nodes.get(name);
    if (n == null) {
      throw new IllegalArgumentException("no member " + name + " in " + nodes.keySet());
    }
    return n;
  }

  /** Starts the member's agent (again, after it was killed or stopped). */
  public AgentHandle startAgent(String name) throws IOException {
    if (closed) {
      throw new IllegalStateException("the cluster is closed");
    }
    Node n = node(name);
    AgentHandle previous = agents.get(name);
    if (previous != null && previous.alive()) {
      throw new IllegalStateException("the agent of " + name + " is running (pid " + previous.pid() + ")");
    }
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    AgentHandle a = AgentHandle.start(name, java, spec.jvmFlags(), spec.jar(), n.config(), n.log());
    agents.put(name, a);
    return a;
  }

  public Optional<AgentHandle> agent(String name) {
    return Optional.ofNullable(agents.get(name));
  }

  public boolean agentAlive(String name) {
    return agent(name).map(AgentHandle::alive).orElse(false);
  }

  /** SIGKILL of the member's agent: its PostgreSQL keeps running. */
  public void killAgent(String name) throws InterruptedException {
    AgentHandle a = agents.get(name);
    if (a != null) {
      a.kill();
    }
  }

  /** SIGTERM of the member's agent, waiting up to {@code wait}; its exit status if it ended. */
  public Optional<Integer> terminateAgent(String name, Duration wait) throws InterruptedException {
    AgentHandle a = agents.get(name);
    return a == null ? Optional.empty() : a.terminate(wait);
  }

  /** The pid in the member's {@code postmaster.pid}, if the file is there and names a live process. */
  public Optional<Long> postmasterPid(String name) {
    Path pidFile = node(name).dataDir().resolve("postmaster.pid");
    try {
      if (!Files.exists(pidFile)) {
        return Optional.empty();
      }
      List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
      if (lines.isEmpty() || lines.get(0).isBlank()) {
        return Optional.empty();
      }
      long pid = Long.parseLong(lines.get(0).strip());
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(h -> pid);
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * SIGKILL of the member's postmaster, as a machine crash would stop it (no shutdown checkpoint); its
   * backends notice the postmaster's death and exit. Returns the pid killed, if one ran.
   */
  public Optional<Long> killPostmaster(String name) throws InterruptedException {
    Optional<Long> pid = postmasterPid(name);
    if (pid.isPresent()) {
      Optional<ProcessHandle> h = ProcessHandle.of(pid.get());
      if (h.isPresent()) {
        h.get().destroyForcibly();
        awaitGone(h.get(), Duration.ofSeconds(10));
      }
    }
    return pid;
  }

  private static void awaitGone(ProcessHandle h, Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (h.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  /** The member's agent log so far. */
  public String log(String name) {
    try {
      Path log = node(name).log();
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The last {@code lines} lines of the member's agent log. */
  public String logTail(String name, int lines) {
    List<String> all = log(name).lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  // ================================================================= the DCS

  /** The DCS path of this cluster. */
  public ClusterPath path() {
    return path;
  }

  /** This class's own connection to the DCS, opened on first use. */
  public KeyValueStore store() {
    synchronized (storeLock) {
      if (closed) {
        throw new IllegalStateException("the cluster is closed");
      }
      if (store == null) {
        ClassLoader loader = LocalCluster.class.getClassLoader();
        try {
          store = Backends.dcs(loader, dcs.type()).create(new DcsSettings(dcs.store(), spec.timings().ttl(),
              spec.timings().retryTimeout(), loader));
        } catch (dev.primus.dcs.spi.DcsConfigException e) {
          throw new IllegalArgumentException(dcs.type() + "." + e.getMessage(), e);
        }
      }
      return store;
    }
  }

  /** One read of the whole cluster. */
  public ClusterView view() throws DcsException {
    return PatroniCodec.decode(store().read(path.base()), path);
  }

  /** Who holds the leader lock now. */
  public Optional<String> leader() throws DcsException {
    return view().leader().map(LeaderLock::holder);
  }

  /** {@code primus ctl list}'s table of the cluster as it is now. */
  public String table() throws DcsException {
    return Tables.list(view(), spec.scope());
  }

  /** {@code primus ctl history}'s table. */
  public String historyTable() throws DcsException {
    return Tables.history(view());
  }

  /**
   * The lock holder, if the cluster is whole: it runs as primary, and every other member of
   * {@code expected} is a running replica streaming on the leader's timeline, as their member keys say.
   */
  public static Optional<String> healthyLeader(ClusterView v, java.util.Collection<String> expected) {
    Optional<String> leader = v.leader().map(LeaderLock::holder);
    if (leader.isEmpty()) {
      return Optional.empty();
    }
    Optional<Member> lm = v.member(leader.get());
    if (lm.isEmpty() || lm.get().status().role() != MemberRole.PRIMARY
        || lm.get().status().state() != MemberState.RUNNING || lm.get().status().timeline().isEmpty()) {
      return Optional.empty();
    }
    long timeline = lm.get().status().timeline().get();
    for (String name : expected) {
      if (name.equals(leader.get())) {
        continue;
      }
      if (!streamingOn(v, name, timeline)) {
        return Optional.empty();
      }
    }
    return leader;
  }

  /** The member's key shows a running replica, streaming, on {@code timeline}. */
  public static boolean streamingOn(ClusterView v, String name, long timeline) {
    Optional<Member> m = v.member(name);
    if (m.isEmpty()) {
      return false;
    }
    var s = m.get().status();
    return s.role() == MemberRole.REPLICA && s.state() == MemberState.RUNNING
        && s.replicationState().map("streaming"::equals).orElse(false)
        && s.timeline().map(t -> t == timeline).orElse(false);
  }

  // ================================================================= waiting

  /** A wait for the cluster that ran out of time; the message says what was last seen. */
  public static final class WaitFailed extends Exception {
    private static final long serialVersionUID = 1L;

    public WaitFailed(String message) {
      super(message);
    }
  }

  /** How often waits read the DCS: fine enough to time a failover to a tenth of a second. */
  public static final Duration POLL = Duration.ofMillis(100);

  /**
   * Waits until {@link #healthyLeader} holds for every member whose agent runs (or every member, when
   * {@code allMembers}); returns the leader.
   */
  public String awaitHealthy(Duration limit, java.util.Collection<String> members)
      throws WaitFailed, InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    String last = "nothing read yet";
    while (true) {
      try {
        ClusterView v = view();
        Optional<String> leader = healthyLeader(v, members);
        if (leader.isPresent()) {
          return leader.get();
        }
        last = Tables.list(v, spec.scope());
      } catch (DcsException e) {
        last = "the DCS did not answer: " + e.getMessage();
      }
      if (System.nanoTime() > deadline) {
        throw new WaitFailed("no primary with " + (members.size() - 1) + " streaming replicas after "
            + limit.toSeconds() + " s; last seen:\n" + last);
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  /** Waits until someone other than {@code old} holds the leader lock; returns who. */
  public String awaitLeaderOtherThan(String old, Duration limit) throws WaitFailed, InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    String last = "nothing read yet";
    while (true) {
      try {
        ClusterView v = view();
        Optional<String> leader = v.leader().map(LeaderLock::holder);
        if (leader.isPresent() && !leader.get().equals(old)) {
          return leader.get();
        }
        last = Tables.list(v, spec.scope());
      } catch (DcsException e) {
        last = "the DCS did not answer: " + e.getMessage();
      }
      if (System.nanoTime() > deadline) {
        throw new WaitFailed("the leader lock did not move away from " + old + " within " + limit.toSeconds()
            + " s; last seen:\n" + last);
      }
      Thread.sleep(Math.max(10, POLL.toMillis() / 2));
    }
  }

  /** Where the leader's PostgreSQL is, from its {@code conn_url}: for clients such as {@link Writer}. */
  public Optional<Writer.Target> primaryTarget() {
    try {
      ClusterView v = view();
      return v.leader().map(LeaderLock::holder).flatMap(v::member).flatMap(m -> target(m));
    } catch (DcsException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The member's PostgreSQL address, from its {@code conn_url}. */
  public static Optional<Writer.Target> target(Member m) {
    String url = m.status().connUrl();
    if (url.isBlank()) {
      return Optional.empty();
    }
    URI u = URI.create(url);
    if (u.getHost() == null) {
      return Optional.empty();
    }
    return Optional.of(new Writer.Target(m.name(), u.getHost(), u.getPort() < 0 ? 5432 : u.getPort()));
  }

  /** The member's PostgreSQL address as this cluster laid it out. */
  public Writer.Target target(String name) {
    return new Writer.Target(name, "127.0.0.1", node(name).pgPort());
  }

  // ================================================================= REST

  /** An HTTP answer. */
  public record Answer(int status, String body) {}

  /** {@code method path} on the member's REST API, with an optional JSON body; status -1 if it did not answer. */
  public Answer rest(String name, String method, String path, Optional<String> json, Duration timeout)
      throws InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(node(name).rest(path)).timeout(timeout);
    if (json.isPresent()) {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json.get()));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), r.body());
    } catch (IOException e) {
      return new Answer(-1, e.toString());
    }
  }

  // ================================================================= cleanup

  /**
   * Stops everything this cluster started, waiting up to {@code graceful} for the agents to stop their
   * databases after SIGTERM. Idempotent; safe from a shutdown hook.
   */
  public void stopAll(Duration graceful) {
    synchronized (storeLock) {
      closed = true;
    }
    List<AgentHandle> running = agents.values().stream().filter(AgentHandle::alive).toList();
    running.forEach(AgentHandle::signalTerminate);
    long deadline = System.nanoTime() + graceful.toNanos();
    try {
      for (AgentHandle a : running) {
        long left = Math.max(0, deadline - System.nanoTime());
        if (!a.awaitExit(Duration.ofNanos(left))) {
          a.kill();
        }
      }
      for (String name : nodes.keySet()) {
        killPostmaster(name);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    killStragglers();
    synchronized (storeLock) {
      if (store != null) {
        store.close();
        store = null;
      }
    }
  }

  /** Any process whose command line names the base directory: a postmaster, a copy or a rewind in flight. */
  private void killStragglers() {
    String base = spec.baseDir().toString();
    long me = ProcessHandle.current().pid();
    List<ProcessHandle> left = ProcessHandle.allProcesses()
        .filter(h -> h.pid() != me)
        .filter(h -> h.info().commandLine().map(c -> c.contains(base)).orElse(false))
        .toList();
    for (ProcessHandle h : left) {
      h.destroyForcibly();
    }
    for (ProcessHandle h : left) {
      try {
        h.onExit().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        // Best effort: it was sent SIGKILL.
      }
    }
  }

  @Override
  public void close() {
    stopAll(Duration.ofSeconds(60));
  }
}
