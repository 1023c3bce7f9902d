package dev.primus.runner;

import dev.primus.runner.wiring.Backends;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.primus.dcs.etcd.EtcdHarnessForAgents;
import dev.primus.dcs.layout.ClusterPath;
import dev.primus.dcs.spi.DcsSettings;
import dev.primus.dcs.spi.KeyValueStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
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
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The whole agent, once, for real: the shaded jar started as its own process ({@code primus run}) on a
 * real etcd and a real PostgreSQL 15 run as the unprivileged user {@code primus-pg}. It bootstraps the
 * cluster, takes the leader lock, answers {@code GET /primary} with 200, {@code primus ctl list} shows it
 * as the running leader, and SIGTERM stops PostgreSQL and deletes the leader key at once (nobody waits for
 * the ttl). Its watchdog is {@code required} on Patroni's {@code driver: testing}, so it leads only because the
 * configuration reached the device: the file shows the timeout {@code ttl - safety_margin} set, the
 * keepalives, and the magic close at SIGTERM. Needs etcd ({@code etcd-server}), PostgreSQL 15 and, as root, the user {@code primus-pg}
 * ({@code .ci/setup}); fails, never skips, without them.
 */
class AgentSmokeIT {
  static final String OS_USER = "primus-pg";
  static final Duration BOOT = Duration.ofSeconds(180);

  @Test
  void oneAgentBootstrapsLeadsAndGivesTheLockUpOnSigterm() throws Exception {
    requirePostgres();
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dir = Files.createTempDirectory("primus-agent-it-");
    try (EtcdHarnessForAgents etcd = EtcdHarnessForAgents.start(1)) {
      ownByPostgresUser(dir, root);
      Path sock = Files.createDirectories(dir.resolve("sock"));
      ownByPostgresUser(sock, root);
      Path nodeDir = Files.createDirectories(dir.resolve("node1"));
      ownByPostgresUser(nodeDir, root);
      int restPort = freePort();
      int pgPort = freePort();
      Path calls = dir.resolve("callbacks.txt");
      Path recorder = dir.resolve("record.sh");
      Files.writeString(recorder, "#!/bin/sh\necho \"$*\" >> '" + calls + "'\n");
      Files.setPosixFilePermissions(recorder, PosixFilePermissions.fromString("rwx------"));
      Path watchdog = Files.createFile(dir.resolve("watchdog"));
      Path config = dir.resolve("node1.yml");
      Files.writeString(config, config("node1", etcd.hosts(), restPort, pgPort, nodeDir.resolve("data"), sock, root)
          .replace("\npostgresql:\n", "\npostgresql:\n" + callbacks(recorder))
          .replace("watchdog:\n  mode: off\n", "watchdog:\n  mode: required\n  driver: testing\n  device: " + watchdog
              + "\n"));

      AgentProcess agent = AgentProcess.start(config, dir.resolve("node1.log"), Map.of());
      try {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        URI primary = URI.create("http://127.0.0.1:" + restPort + "/primary");
        await(agent, "GET /primary to answer 200", BOOT, () -> status(http, primary) == 200);
        // ttl 20 - safety_margin 5, then keepalives: what Patroni's testing driver writes.
        await(agent, "the watchdog armed with a 15 s timeout and petted", Duration.ofSeconds(20),
            () -> read(watchdog).startsWith("Ctimeout=15\n1"));

        JsonNode patroni = new ObjectMapper().readTree(get(http, URI.create("http://127.0.0.1:" + restPort + "/patroni")));
        assertEquals("running", patroni.path("state").asText(), patroni.toString());
        assertEquals("master", patroni.path("role").asText(), "Patroni 3.0.2's word: " + patroni);
        assertTrue(patroni.path("server_version").asInt() >= 150000, "server_version_num of the running server: "
            + patroni);
        assertEquals(PrimusVersion.PATRONI_COMPATIBLE, patroni.path("patroni").path("version").asText(), patroni.toString());
        assertFalse(patroni.path("primus_version").asText().isBlank(), patroni.toString());

        // postgresql.callbacks: the bootstrap's on_start, then a REST restart and a reload.
        await(agent, "the on_start callback", Duration.ofSeconds(20), () -> lines(calls).size() >= 1);
        assertEquals(List.of("on_start master smoke"), lines(calls));
        assertEquals(200, post(http, URI.create("http://127.0.0.1:" + restPort + "/restart")), agent.tail(20));
        await(agent, "the on_restart callback", Duration.ofSeconds(20), () -> lines(calls).size() >= 2);
        assertEquals(202, post(http, URI.create("http://127.0.0.1:" + restPort + "/reload")), agent.tail(20));
        await(agent, "the on_reload callback", Duration.ofSeconds(20), () -> lines(calls).size() >= 3);
        await(agent, "GET /primary to answer 200 after the restart", BOOT, () -> status(http, primary) == 200);

        String json = ctl(config, "list", "-f", "json");
        JsonNode members = new ObjectMapper().readTree(json);
        assertEquals(1, members.size(), json);
        assertEquals("node1", members.get(0).path("Member").asText());
        assertEquals("Leader", members.get(0).path("Role").asText(), json);
        assertEquals("running", members.get(0).path("State").asText(), json);
        String table = ctl(config, "list");
        assertTrue(table.contains("| node1  | 127.0.0.1:" + pgPort + " | Leader | running |"), table);

        try (KeyValueStore store = etcdStore(etcd)) {
          ClusterPath path = ClusterPath.of("smoke");
          assertEquals("node1", store.read(path.leader()).get(path.leader()).orElseThrow().value());
          String member = store.read(path.member("node1")).get(path.member("node1")).orElseThrow().value();
          assertEquals(PrimusVersion.PATRONI_COMPATIBLE, new ObjectMapper().readTree(member).path("version").asText(),
              "a Patroni version patronictl takes as modern: " + member);

          Optional<Integer> exit = agent.terminate(Duration.ofSeconds(90));
          assertTrue(exit.isPresent(), "the agent did not exit within 90 s after SIGTERM:\n" + agent.tail(40));
          assertTrue(exit.get() == 0 || exit.get() == 143, "exit status " + exit.get() + "\n" + agent.tail(40));
          assertTrue(store.read(path.leader()).get(path.leader()).isEmpty(),
              "the leader key must be gone at once, not after the ttl:\n" + agent.tail(40));
          assertFalse(Files.exists(nodeDir.resolve("data").resolve("postmaster.pid")), "PostgreSQL must be stopped");
          assertTrue(read(watchdog).contains("V"), "the watchdog disarmed at SIGTERM: " + read(watchdog));
          String log = Files.readString(agent.log(), StandardCharsets.UTF_8);
          assertTrue(log.contains("no action. I am (node1), the leader with the lock"), "one Patroni-style line per cycle");
          assertEquals(List.of("on_start master smoke", "on_restart master smoke", "on_reload master smoke",
              "on_stop master smoke"), lines(calls), "every callback once, in order, the on_stop at SIGTERM included");
        }
      } finally {
        agent.close();
        stopLeftoverPostgres(nodeDir.resolve("data"));
      }
    } finally {
      deleteTree(dir);
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      return "";
    }
  }

  static String config(String name, String etcdHosts, int restPort, int pgPort, Path dataDir, Path sock, boolean root) {
    return String.join("\n",
        "scope: smoke",
        "name: " + name,
        "log:",
        "  level: INFO",
        "restapi:",
        "  listen: 127.0.0.1:" + restPort,
        "  connect_address: 127.0.0.1:" + restPort,
        "etcd3:",
        "  hosts: " + etcdHosts,
        "bootstrap:",
        "  dcs:",
        "    ttl: 20",
        "    loop_wait: 2",
        "    retry_timeout: 3",
        "    postgresql:",
        "      use_pg_rewind: true",
        "  initdb:",
        "  - encoding: UTF8",
        "  - locale: C",
        "  - no-sync",
        "postgresql:",
        "  listen: 127.0.0.1:" + pgPort,
        "  connect_address: 127.0.0.1:" + pgPort,
        "  data_dir: " + dataDir,
        root ? "  os_user: " + OS_USER : "",
        "  pg_ctl_timeout: 60",
        "  authentication:",
        "    superuser:",
        "      username: postgres",
        "      password: smoke-super",
        "    replication:",
        "      username: replicator",
        "      password: smoke-repl",
        "  parameters:",
        "    unix_socket_directories: " + sock,
        "    shared_buffers: 16MB",
        "    max_connections: 20",
        "    max_wal_senders: 5",
        "    max_replication_slots: 5",
        "  pg_hba:",
        "  - local all all trust",
        "  - host replication replicator 127.0.0.1/32 scram-sha-256",
        "  - host all all 127.0.0.1/32 scram-sha-256",
        "watchdog:",
        "  mode: off",
        "") + "\n";
  }

  /** Every callback of Patroni's list runs the same recorder, which appends its arguments to a file. */
  static String callbacks(Path recorder) {
    return String.join("\n", "  callbacks:", "    on_start: " + recorder, "    on_stop: " + recorder,
        "    on_restart: " + recorder, "    on_reload: " + recorder, "    on_role_change: " + recorder, "");
  }

  static List<String> lines(Path file) {
    try {
      return Files.exists(file) ? Files.readAllLines(file) : List.of();
    } catch (IOException e) {
      return List.of();
    }
  }

  static int post(HttpClient http, URI uri) {
    try {
      return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(90))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** {@code primus ctl -c config args...} in this JVM; its output. */
  static String ctl(Path config, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = Main.commandLine(new Main(Map.of(), new ByteArrayInputStream(new byte[0])));
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    String[] argv = Stream.concat(Stream.of("ctl", "-c", config.toString()), Stream.of(args)).toArray(String[]::new);
    int rc = cl.execute(argv);
    if (rc != 0) {
      fail("primus ctl " + String.join(" ", args) + " exited " + rc + ": " + err);
    }
    return out.toString();
  }

  static KeyValueStore etcdStore(EtcdHarnessForAgents etcd) throws Exception {
    return Backends.dcs(AgentSmokeIT.class.getClassLoader(), "etcd3").create(new DcsSettings(
        Map.of("hosts", etcd.hosts()), Duration.ofSeconds(20), Duration.ofSeconds(3), AgentSmokeIT.class.getClassLoader()));
  }

  static void await(AgentProcess agent, String what, Duration limit, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (!agent.alive()) {
        fail("the agent exited while waiting for " + what + ":\n" + agent.tail(60));
      }
      if (System.nanoTime() > deadline) {
        fail("timed out after " + limit.toSeconds() + " s waiting for " + what + ":\n" + agent.tail(60));
      }
      Thread.sleep(250);
    }
  }

  static int status(HttpClient http, URI uri) {
    try {
      return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET().build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  static String get(HttpClient http, URI uri) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
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

  static void ownByPostgresUser(Path p, boolean root) throws IOException {
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    if (root) {
      Files.setOwner(p, p.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(OS_USER));
    }
  }

  /** If the agent died without stopping its server, stop it: tests must not leave processes behind. */
  static void stopLeftoverPostgres(Path dataDir) {
    Path pidFile = dataDir.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    try {
      long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
      ProcessHandle.of(pid).ifPresent(h -> {
        h.destroyForcibly();
        try {
          h.onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          // best effort
        }
      });
    } catch (IOException | RuntimeException e) {
      // nothing more to do
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
