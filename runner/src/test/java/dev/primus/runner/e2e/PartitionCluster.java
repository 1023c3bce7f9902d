package dev.primus.runner.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.primus.dcs.layout.ClusterPath;
import dev.primus.dcs.layout.PatroniCodec;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.LeaderLock;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.Snapshot;
import dev.primus.ha.Timings;
import dev.primus.runner.AgentProcess;
import dev.primus.runner.ctl.Tables;
import dev.primus.runner.demo.LocalCluster;
import dev.primus.runner.demo.Writer;
import java.io.IOException;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Three hosts in network namespaces ({@link Netns}), and on each of them what a real host of a Primus
 * cluster runs: one member of a three-member etcd cluster ({@code /usr/bin/etcd}), one PostgreSQL 15 (as
 * the unprivileged {@code primus-pg}, as {@link ClusterE2eIT} runs it) and one agent, a process of the
 * shaded jar. Everything on a host is started with {@code ip netns exec <namespace>}, so it lives in that
 * host's network; every host uses the default ports (etcd 2379/2380, PostgreSQL 5432, REST 8008) on its
 * own address. The tests stay in the root namespace and reach the hosts through the bridge, as clients
 * elsewhere in the network would.
 *
 * <p>The cluster view is read through etcd's JSON gateway, trying the members in turn with a short
 * timeout: the harness must see the cluster whichever etcd member a fault has taken away, with no DCS
 * client of its own that could stick to the wrong member.
 *
 * <p>{@link #close()} stops what it started by pid (agents, etcd, the postmasters through their pid
 * files, anything left in the namespaces), then removes the namespaces, links and bridge; a JVM shutdown
 * hook does the same if the JVM is stopped first.
 */
final class PartitionCluster implements AutoCloseable {
  static final int ETCD_CLIENT = 2379;
  static final int ETCD_PEER = 2380;
  static final int PG = 5432;
  static final int REST = 8008;
  static final String PASSWORD = "partition-secret";
  static final String OS_USER = "primus-pg";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String scope;
  private final Timings timings;
  private final Path dir;
  private final Netns net;
  private final Map<String, Process> etcd = new LinkedHashMap<>();
  private final Map<String, AgentProcess> agents = new LinkedHashMap<>();
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofMillis(800)).build();
  private final ClusterPath path;
  private final Thread hook;
  private volatile boolean closed;
  private int preferredEtcd;

  private PartitionCluster(String scope, Timings timings, Path dir, Netns net) {
    this.scope = scope;
    this.timings = timings;
    this.dir = dir;
    this.net = net;
    this.path = ClusterPath.of(scope);
    this.hook = new Thread(this::close, "primus-partition-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /**
   * Why this harness cannot run here, if it cannot: {@link Netns#unavailable()}, no etcd, no PostgreSQL,
   * no {@code primus-pg} user, no shaded jar.
   */
  static Optional<String> unavailable() {
    Optional<String> net = Netns.unavailable();
    if (net.isPresent()) {
      return net;
    }
    if (!Files.isExecutable(etcdBinary())) {
      return Optional.of(etcdBinary() + " is missing (apt-get install -y etcd-server; see .ci/setup)");
    }
    try (Stream<Path> s = Files.list(Path.of("/usr/lib/postgresql"))) {
      if (s.noneMatch(d -> Files.isExecutable(d.resolve("bin").resolve("postgres")))) {
        return Optional.of("no PostgreSQL under /usr/lib/postgresql (apt-get install -y postgresql-15)");
      }
    } catch (IOException e) {
      return Optional.of("no PostgreSQL under /usr/lib/postgresql (apt-get install -y postgresql-15)");
    }
    try {
      Netns.run(List.of("id", OS_USER));
    } catch (IOException e) {
      return Optional.of("no user " + OS_USER + " for PostgreSQL (see .ci/setup)");
    }
    try {
      AgentProcess.shadedJar();
    } catch (IOException | IllegalStateException e) {
      return Optional.of(e.getMessage());
    }
    return Optional.empty();
  }

  static Path etcdBinary() {
    String env = System.getenv("PRIMUS_ETCD_BIN");
    return Path.of(env == null || env.isBlank() ? "/usr/bin/etcd" : env);
  }

  /** Builds the hosts and starts etcd on each; the agents are started by {@link #startAgents()}. */
  static PartitionCluster start(String scope, Timings timings) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("primus-partition-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    Netns net = Netns.create(3);
    PartitionCluster c = new PartitionCluster(scope, timings, dir, net);
    try {
      c.startEtcd();
      c.writeConfigs();
    } catch (IOException | RuntimeException | InterruptedException e) {
      c.close();
      throw e;
    }
    return c;
  }

  Netns net() {
    return net;
  }

  Timings timings() {
    return timings;
  }

  Path dir() {
    return dir;
  }

  List<String> names() {
    return net.hosts().stream().map(Netns.Host::name).toList();
  }

  Netns.Host host(String name) {
    return net.host(name);
  }

  // ================================================================= etcd

  private void startEtcd() throws IOException, InterruptedException {
    String initial = String.join(",", net.hosts().stream()
        .map(h -> h.name() + "=http://" + h.address() + ":" + ETCD_PEER).toList());
    for (Netns.Host h : net.hosts()) {
      Path data = Files.createDirectories(dir.resolve("etcd-" + h.name()));
      List<String> cmd = new ArrayList<>(h.exec());
      cmd.addAll(List.of(etcdBinary().toString(),
          "--name", h.name(),
          "--data-dir", data.toString(),
          "--listen-client-urls", "http://" + h.address() + ":" + ETCD_CLIENT,
          "--advertise-client-urls", "http://" + h.address() + ":" + ETCD_CLIENT,
          "--listen-peer-urls", "http://" + h.address() + ":" + ETCD_PEER,
          "--initial-advertise-peer-urls", "http://" + h.address() + ":" + ETCD_PEER,
          "--initial-cluster", initial,
          "--initial-cluster-state", "new",
          "--initial-cluster-token", "primus-partition-" + ProcessHandle.current().pid(),
          "--heartbeat-interval", "100",
          "--election-timeout", "1000",
          "--logger", "zap",
          "--log-outputs", "stderr",
          "--log-level", "warn"));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("etcd-" + h.name() + ".log").toFile()))
          .start();
      etcd.put(h.name(), p);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (Netns.Host h : net.hosts()) {
      while (!etcdHealthy(h)) {
        if (System.nanoTime() > deadline) {
          // The members reach each other through the bridge: with bridge-nf-call-iptables on, the root
          // namespace's FORWARD chain sees that traffic, and a DROP policy there (Docker sets one) cuts it.
          throw new IOException("etcd on " + h.name() + " not healthy after 60 s (if the members cannot reach"
              + " each other: is the root namespace's iptables FORWARD policy DROP?): " + tail(dir.resolve(
              "etcd-" + h.name() + ".log"), 20));
        }
        Thread.sleep(200);
      }
    }
  }

  private boolean etcdHealthy(Netns.Host h) throws InterruptedException {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + h.address() + ":"
          + ETCD_CLIENT + "/health")).timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && r.body().contains("true");
    } catch (IOException e) {
      return false;
    }
  }

  /** The etcd process of a host (to freeze or kill it). */
  Optional<Process> etcdProcess(String host) {
    return Optional.ofNullable(etcd.get(host));
  }

  // ================================================================= PostgreSQL and agents

  Path config(String host) {
    return dir.resolve(host + ".yml");
  }

  Path log(String host) {
    return dir.resolve(host + ".log");
  }

  Path dataDir(String host) {
    return dir.resolve(host).resolve("data");
  }

  private void writeConfigs() throws IOException {
    UserPrincipal owner = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(OS_USER);
    for (Netns.Host h : net.hosts()) {
      Path home = Files.createDirectories(dir.resolve(h.name()));
      Path sock = Files.createDirectories(dir.resolve(h.name() + "-sock"));
      for (Path p : List.of(home, sock)) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        Files.setOwner(p, owner);
      }
      // Each agent asks its own host's etcd member first: black-holing that member hits it.
      List<String> etcdHosts = new ArrayList<>();
      etcdHosts.add(h.address() + ":" + ETCD_CLIENT);
      net.hosts().stream().filter(o -> o != h).forEach(o -> etcdHosts.add(o.address() + ":" + ETCD_CLIENT));
      String yml = String.join("\n", List.of(
          "scope: " + scope,
          "name: " + h.name(),
          "log:",
          "  level: INFO",
          "restapi:",
          "  listen: " + h.address() + ":" + REST,
          "  connect_address: " + h.address() + ":" + REST,
          "etcd3:",
          "  hosts: " + String.join(",", etcdHosts),
          "bootstrap:",
          "  dcs:",
          "    ttl: " + timings.ttl().toSeconds(),
          "    loop_wait: " + timings.loopWait().toSeconds(),
          "    retry_timeout: " + timings.retryTimeout().toSeconds(),
          "    maximum_lag_on_failover: 1048576",
          "    postgresql:",
          "      use_pg_rewind: true",
          "      use_slots: true",
          "  initdb:",
          "  - encoding: UTF8",
          "  - locale: C",
          "  - no-sync",
          "postgresql:",
          "  listen: " + h.address() + ":" + PG,
          "  connect_address: " + h.address() + ":" + PG,
          "  data_dir: " + home.resolve("data"),
          "  os_user: " + OS_USER,
          "  pg_ctl_timeout: 60",
          "  authentication:",
          "    superuser:",
          "      username: " + LocalCluster.SUPERUSER,
          "      password: " + PASSWORD,
          "    replication:",
          "      username: " + LocalCluster.REPLICATION_USER,
          "      password: " + PASSWORD,
          "  parameters:",
          "    unix_socket_directories: " + sock,
          "    shared_buffers: 16MB",
          "    max_connections: 40",
          "    max_wal_senders: 10",
          "    max_replication_slots: 10",
          "  pg_hba:",
          "  - local all all trust",
          "  - host replication " + LocalCluster.REPLICATION_USER + " " + net.cidr() + " scram-sha-256",
          "  - host all all " + net.cidr() + " scram-sha-256",
          "  - host all all 127.0.0.1/32 scram-sha-256",
          "watchdog:",
          "  mode: off")) + "\n";
      Files.writeString(config(h.name()), yml, StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(config(h.name()), PosixFilePermissions.fromString("rw-------"));
    }
  }

  /** Starts every host's agent; the first is started alone until it leads, so node h1 bootstraps. */
  void startAgents(Duration limit) throws IOException, InterruptedException, LocalCluster.WaitFailed {
    List<String> names = names();
    startAgent(names.get(0));
    long deadline = System.nanoTime() + limit.toNanos();
    while (!leader().equals(Optional.of(names.get(0)))) {
      if (System.nanoTime() > deadline) {
        throw new LocalCluster.WaitFailed(names.get(0) + " did not bootstrap within " + limit.toSeconds() + " s:\n"
            + logTail(names.get(0), 30));
      }
      Thread.sleep(200);
    }
    for (String n : names.subList(1, names.size())) {
      startAgent(n);
    }
    awaitHealthy(limit);
  }

  /** Starts the host's agent, {@code ip netns exec <namespace> java ... -jar <shaded jar> run <host>.yml}. */
  void startAgent(String host) throws IOException {
    AgentProcess previous = agents.get(host);
    if (previous != null && previous.alive()) {
      throw new IllegalStateException("the agent of " + host + " runs (pid " + previous.pid() + ")");
    }
    agents.put(host, AgentProcess.start(net.host(host).exec(), List.of(config(host)), log(host), Map.of()));
  }

  Optional<AgentProcess> agent(String host) {
    return Optional.ofNullable(agents.get(host));
  }

  /** SIGKILL of the host's agent (its PostgreSQL keeps running). */
  void killAgent(String host) throws InterruptedException {
    AgentProcess a = agents.get(host);
    if (a != null) {
      signal("CONT", a.pid());
      a.kill();
    }
  }

  /** SIGSTOP ({@code STOP}) or SIGCONT ({@code CONT}) of the host's agent. */
  void signalAgent(String host, String signal) {
    AgentProcess a = agents.get(host);
    if (a != null && a.alive()) {
      signal(signal, a.pid());
    }
  }

  private static void signal(String signal, long pid) {
    Netns.quietly(List.of("kill", "-" + signal, String.valueOf(pid)));
  }

  /** The pid in the host's {@code postmaster.pid}, if it names a live process. */
  Optional<Long> postmasterPid(String host) {
    Path pidFile = dataDir(host).resolve("postmaster.pid");
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

  /** SIGKILL of the host's postmaster (a crash: no shutdown checkpoint). */
  void killPostmaster(String host) {
    postmasterPid(host).flatMap(ProcessHandle::of).ifPresent(h -> {
      h.destroyForcibly();
      try {
        h.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // Sent SIGKILL.
      }
    });
  }

  String logTail(String host, int lines) {
    return tail(log(host), lines);
  }

  /** The agent log's length so far, to read what a scenario added ({@link #logSince}). */
  long logLength(String host) {
    try {
      return Files.exists(log(host)) ? Files.size(log(host)) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  String logSince(String host, long offset) {
    try {
      byte[] all = Files.readAllBytes(log(host));
      return new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset),
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log " + file + ")";
    }
  }

  String logTails() {
    StringBuilder sb = new StringBuilder();
    for (String n : names()) {
      sb.append("--- ").append(n).append('\n').append(logTail(n, 30)).append('\n');
    }
    return sb.toString();
  }

  // ================================================================= the cluster as the DCS says

  /**
   * One read of the cluster through etcd's JSON gateway: the member that answered last is asked first,
   * then the others, each with a 1.5 s timeout (a linearizable read: a member without quorum does not
   * answer).
   */
  ClusterView view() throws IOException, InterruptedException {
    IOException last = null;
    int n = net.hosts().size();
    for (int k = 0; k < n; k++) {
      int i = (preferredEtcd + k) % n;
      Netns.Host h = net.hosts().get(i);
      try {
        ClusterView v = viewFrom(h);
        preferredEtcd = i;
        return v;
      } catch (IOException e) {
        last = e;
      }
    }
    throw last;
  }

  private ClusterView viewFrom(Netns.Host h) throws IOException, InterruptedException {
    String prefix = path.base();
    byte[] start = prefix.getBytes(StandardCharsets.UTF_8);
    byte[] end = start.clone();
    end[end.length - 1]++;
    String body = "{\"key\":\"" + Base64.getEncoder().encodeToString(start) + "\",\"range_end\":\""
        + Base64.getEncoder().encodeToString(end) + "\"}";
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + h.address() + ":" + ETCD_CLIENT
        + "/v3/kv/range")).timeout(Duration.ofMillis(1500)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("etcd on " + h.name() + ": HTTP " + r.statusCode() + " " + r.body());
    }
    JsonNode root = JSON.readTree(r.body());
    List<KeyValue> entries = new ArrayList<>();
    for (JsonNode kv : root.path("kvs")) {
      String key = new String(Base64.getDecoder().decode(kv.path("key").asText("")), StandardCharsets.UTF_8);
      String value = new String(Base64.getDecoder().decode(kv.path("value").asText("")), StandardCharsets.UTF_8);
      long lease = kv.path("lease").asLong(0);
      entries.add(new KeyValue(key, value, kv.path("mod_revision").asLong(),
          lease == 0 ? Optional.empty() : Optional.of(Long.toHexString(lease))));
    }
    entries.sort(java.util.Comparator.comparing(KeyValue::key));
    long revision = root.path("header").path("revision").asLong();
    return PatroniCodec.decode(new Snapshot(prefix, entries, revision, ConnectionState.CONNECTED), path);
  }

  Optional<String> leader() throws InterruptedException {
    try {
      return view().leader().map(LeaderLock::holder);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  String table() throws InterruptedException {
    try {
      return Tables.list(view(), scope);
    } catch (IOException | RuntimeException e) {
      return "(no table: " + e.getMessage() + ")";
    }
  }

  /** Waits for one primary and every other member a replica streaming on its timeline; returns the leader. */
  String awaitHealthy(Duration limit) throws InterruptedException, LocalCluster.WaitFailed {
    long deadline = System.nanoTime() + limit.toNanos();
    String last = "nothing read yet";
    while (true) {
      try {
        ClusterView v = view();
        Optional<String> leader = LocalCluster.healthyLeader(v, names());
        if (leader.isPresent()) {
          return leader.get();
        }
        last = Tables.list(v, scope);
      } catch (IOException e) {
        last = "etcd did not answer: " + e.getMessage();
      }
      if (System.nanoTime() > deadline) {
        throw new LocalCluster.WaitFailed("no primary with " + (names().size() - 1) + " streaming replicas after "
            + limit.toSeconds() + " s; last seen:\n" + last);
      }
      Thread.sleep(LocalCluster.POLL.toMillis());
    }
  }

  /** Waits until the DCS names a synchronous standby of {@code leader}; returns it. */
  String awaitSyncStandby(String leader, Duration limit) throws InterruptedException, LocalCluster.WaitFailed {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      try {
        var s = view().sync().map(v -> v.value());
        if (s.isPresent() && s.get().leader().equals(Optional.of(leader)) && !s.get().syncStandbys().isEmpty()) {
          return s.get().syncStandbys().get(0);
        }
      } catch (IOException e) {
        // Not yet.
      }
      if (System.nanoTime() > deadline) {
        throw new LocalCluster.WaitFailed("no synchronous standby of " + leader + " after " + limit.toSeconds() + " s:\n"
            + table());
      }
      Thread.sleep(LocalCluster.POLL.toMillis());
    }
  }

  // ================================================================= REST and PostgreSQL

  /** The host's PostgreSQL as a writer's target. */
  Writer.Target target(String host) {
    return new Writer.Target(host, net.host(host).address(), PG);
  }

  /** {@code method path} on the host's REST API; status -1 if it did not answer in time. */
  LocalCluster.Answer rest(String host, String method, String path, Optional<String> json, Duration timeout)
      throws InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + net.host(host).address() + ":" + REST + path))
        .timeout(timeout);
    if (json.isPresent()) {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json.get()));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new LocalCluster.Answer(r.statusCode(), r.body());
    } catch (IOException e) {
      return new LocalCluster.Answer(-1, e.toString());
    }
  }

  /**
   * The primary as a client finds it: {@code GET /primary} on every host at once (400 ms each); the first
   * host, in host order, that answers 200. For {@link Writer}'s locator.
   */
  Optional<Writer.Target> primaryByRest() {
    List<CompletableFuture<HttpResponse<Void>>> asks = new ArrayList<>();
    for (Netns.Host h : net.hosts()) {
      asks.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://" + h.address() + ":" + REST + "/primary"))
          .timeout(Duration.ofMillis(400)).GET().build(), HttpResponse.BodyHandlers.discarding()));
    }
    for (int i = 0; i < asks.size(); i++) {
      try {
        if (asks.get(i).get(600, TimeUnit.MILLISECONDS).statusCode() == 200) {
          return Optional.of(target(net.hosts().get(i).name()));
        }
      } catch (Exception e) {
        // No answer: not the primary, as far as a client can tell.
      }
    }
    return Optional.empty();
  }

  // ================================================================= cleanup

  /**
   * Stops everything by pid: agents (SIGCONT first, then SIGKILL), postmasters from their pid files,
   * etcd, then whatever is left in the namespaces; removes the namespaces, links and bridge, and the
   * directory unless {@code -Dprimus.it.keep=true}. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    net.healAll();
    for (AgentProcess a : agents.values()) {
      signal("CONT", a.pid());
      a.close();
    }
    for (String n : names()) {
      killPostmaster(n);
    }
    for (Process p : etcd.values()) {
      p.destroyForcibly();
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    net.close();
    if (!Boolean.getBoolean("primus.it.keep")) {
      E2eSupport.deleteTree(dir);
    }
    if (Thread.currentThread() != hook) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The hook runs this too.
      }
    }
  }

  /** Now, for timings. */
  static Instant now() {
    return Instant.now();
  }
}
