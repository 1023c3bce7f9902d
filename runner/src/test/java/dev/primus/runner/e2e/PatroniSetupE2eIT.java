package dev.primus.runner.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.primus.dcs.compat.CtlTable;
import dev.primus.dcs.compat.PatroniCtl;
import dev.primus.dcs.etcd.EtcdHarnessForAgents;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.LeaderLock;
import dev.primus.dcs.spi.DcsException;
import dev.primus.ha.Timings;
import dev.primus.runner.AgentProcess;
import dev.primus.runner.demo.LocalCluster;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Patroni's "SSL everywhere" setup on Primus, driven by Patroni 3.0.2's own {@code patronictl} (issue 10's
 * evidence): a real etcd, three PostgreSQL 15 servers and three agent processes of the shaded jar, with
 *
 * <ul>
 *   <li>PostgreSQL on {@code ssl = on} with a server certificate signed by a CA made here with {@code openssl};
 *       {@code pg_hba} lets the superuser, the replication user and the rewind user in only with
 *       {@code hostssl ... cert} (a client certificate whose CN is the user) and rejects everything else;
 *   <li>{@code postgresql.authentication.{superuser,replication,rewind}} with {@code sslmode} ({@code verify-ca}
 *       or {@code require}), {@code sslcert}, {@code sslkey} and {@code sslrootcert}, the keys PEM as libpq reads
 *       them: PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) on node1 and node3, PKCS#8 ({@code BEGIN PRIVATE KEY}) on
 *       node2;
 *   <li>the REST API on HTTPS as Patroni's own acceptance tests set it up: one self-signed certificate for
 *       every member whose only name is a CN that is not the address asked (no subject alternative names: the
 *       shape that broke host name checks, item 10), its key PKCS#1 on node1 and node3 and PKCS#8 on node2,
 *       {@code restapi.cafile} that certificate, {@code verify_client: required}, {@code ctl.insecure: true} in
 *       the members' config, and {@code patronictl} with a configuration file of its own whose {@code ctl}
 *       section says {@code insecure: true} (and gives the client certificate and the CA).
 * </ul>
 *
 * <p>Why {@code restapi.cafile}: with {@code restapi.certfile} set, Patroni 3.0.2's agent presents it to its
 * peers and checks their chain ({@code CERT_REQUIRED}) even when insecure, only not their name; members with
 * different self-signed certificates and no {@code cafile} cannot check each other, in Patroni as in Primus
 * (tried with Patroni's own {@code PatroniRequest}).
 *
 * <p>Then {@code patronictl} 3.0.2 does what an operator does, each step checked by what the cluster then does:
 * list, switchover, failover, pause and resume, restart, reinit; then a primary that diverged rejoins with
 * pg_rewind, connecting as the rewind user with its certificate. Prints {@code e2e-ssl: ...} timings.
 *
 * <p>Skips, saying why, when patronictl 3.0.x (with python3-etcd), etcd, openssl or PostgreSQL 15 is missing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PatroniSetupE2eIT {
  static final String SCOPE = "e2essl";
  static final Timings TIMINGS = new Timings(Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(3));
  static final String PASSWORD = "e2e-ssl-secret";
  static final String REWIND_USER = "rewinder";
  static final Path PG15 = Path.of("/usr/lib/postgresql/15/bin/postgres");
  static final Duration BOOT = Duration.ofSeconds(240);
  static final Duration HEAL = Duration.ofSeconds(180);

  private final List<String> timings = new ArrayList<>();
  private Path dir;
  private Certificates certs;
  private EtcdHarnessForAgents etcd;
  private LocalCluster cluster;
  private PatroniCtl patronictl;
  private Thread hook;
  private String neverBootstrapped;

  @BeforeAll
  void startCluster() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(PG15), "PostgreSQL 15 is not installed (" + PG15 + ")");
    Assumptions.assumeTrue(onPath("etcd"), "etcd is not installed");
    Assumptions.assumeTrue(onPath("openssl"), "openssl is not installed");
    try {
      PatroniCtl.require(PatroniCtl.Dcs.etcd3("127.0.0.1:2379"));
    } catch (AssertionError e) {
      Assumptions.abort("patronictl 3.0.x with python3-etcd is not usable here: " + e.getMessage());
    }
    boolean root = "root".equals(System.getProperty("user.name"));
    Optional<String> osUser = root ? Optional.of("primus-pg") : Optional.empty();
    dir = Files.createTempDirectory("primus-e2e-ssl-");
    // PostgreSQL runs as primus-pg under dir/cluster and reads its keys under dir/tls: let it through dir.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    hook = new Thread(this::stopEverything, "primus-e2e-ssl-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    certs = Certificates.make(Files.createDirectories(dir.resolve("tls")), osUser);

    etcd = EtcdHarnessForAgents.start(1);
    Path base = Files.createDirectories(dir.resolve("cluster"));
    LocalCluster.Dcs dcs = LocalCluster.Dcs.etcd3(etcd.hosts());
    cluster = LocalCluster.create(new LocalCluster.Spec(SCOPE, 3, TIMINGS, base, osUser, AgentProcess.shadedJar(),
        LocalCluster.LEAN_JVM, PASSWORD), dcs);
    // LocalCluster laid out the ports and directories; each member's patroni.yml is this setup's instead.
    Path sock = base.resolve("sock");
    int i = 0;
    for (LocalCluster.Node n : cluster.nodes()) {
      boolean pkcs8 = i++ % 2 == 1;
      Files.writeString(n.config(), patroniYml(n, dcs, osUser, sock, pkcs8), StandardCharsets.UTF_8);
    }
    String etcdHost = etcd.clientUrls().get(0).getHost() + ":" + etcd.clientUrls().get(0).getPort();
    // As Patroni's acceptance tests configure their patronictl: insecure (no host name check), with the
    // client certificate verify_client: required asks for, and the certificate to check the members' against.
    patronictl = PatroniCtl.configure(dir.resolve("patronictl"), "/service/", SCOPE, PatroniCtl.Dcs.etcd3(etcdHost),
        "ctl:\n  insecure: true\n  cacert: " + certs.restCert() + "\n  certfile: " + certs.restCert()
            + "\n  keyfile: " + certs.restKey8() + "\n");
    for (String n : cluster.names()) {
      cluster.startAgent(n);
    }
  }

  /** A member's patroni.yml in Patroni's SSL-everywhere shape. */
  private String patroniYml(LocalCluster.Node n, LocalCluster.Dcs dcs, Optional<String> osUser, Path sock,
      boolean pkcs8) {
    Certificates.Client su = certs.superuser();
    Certificates.Client repl = certs.replication();
    Certificates.Client rw = certs.rewind();
    List<String> l = new ArrayList<>(List.of(
        "scope: " + SCOPE,
        "name: " + n.name(),
        "log:",
        "  level: INFO",
        "restapi:",
        "  listen: 127.0.0.1:" + n.restPort(),
        "  connect_address: 127.0.0.1:" + n.restPort(),
        "  certfile: " + certs.restCert(),
        "  keyfile: " + (pkcs8 ? certs.restKey8() : certs.restKey1()),
        "  cafile: " + certs.restCert(),
        "  verify_client: required",
        "ctl:",
        "  insecure: true"));
    l.addAll(dcs.yaml().lines().toList());
    l.addAll(List.of(
        "bootstrap:",
        "  dcs:",
        "    ttl: " + TIMINGS.ttl().toSeconds(),
        "    loop_wait: " + TIMINGS.loopWait().toSeconds(),
        "    retry_timeout: " + TIMINGS.retryTimeout().toSeconds(),
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
    osUser.ifPresent(u -> l.add("  os_user: " + u));
    l.addAll(List.of(
        "  pg_ctl_timeout: 60",
        "  authentication:",
        "    superuser:",
        "      username: " + LocalCluster.SUPERUSER,
        "      password: " + PASSWORD,
        "      sslmode: verify-ca",
        "      sslcert: " + su.cert(),
        "      sslkey: " + (pkcs8 ? su.pkcs8() : su.pkcs1()),
        "      sslrootcert: " + certs.caCert(),
        "    replication:",
        "      username: " + LocalCluster.REPLICATION_USER,
        "      password: " + PASSWORD,
        "      sslmode: require",
        "      sslcert: " + repl.cert(),
        "      sslkey: " + (pkcs8 ? repl.pkcs8() : repl.pkcs1()),
        "      sslrootcert: " + certs.caCert(),
        "    rewind:",
        "      username: " + REWIND_USER,
        "      password: " + PASSWORD,
        "      sslmode: verify-ca",
        "      sslcert: " + rw.cert(),
        "      sslkey: " + (pkcs8 ? rw.pkcs8() : rw.pkcs1()),
        "      sslrootcert: " + certs.caCert(),
        "  parameters:",
        "    unix_socket_directories: " + sock,
        "    shared_buffers: 16MB",
        "    max_connections: 30",
        "    max_wal_senders: 10",
        "    max_replication_slots: 10",
        "    log_connections: 'on'",
        "    ssl: 'on'",
        "    ssl_cert_file: " + certs.serverCert(),
        "    ssl_key_file: " + certs.serverKey(),
        "    ssl_ca_file: " + certs.caCert(),
        "  pg_hba:",
        "  - hostssl replication " + LocalCluster.REPLICATION_USER + " 127.0.0.1/32 cert",
        "  - hostssl all " + LocalCluster.SUPERUSER + " 127.0.0.1/32 cert",
        "  - hostssl all " + REWIND_USER + " 127.0.0.1/32 cert",
        "  - hostnossl all all 127.0.0.1/32 reject",
        "watchdog:",
        "  mode: off"));
    return String.join("\n", l) + "\n";
  }

  @AfterAll
  void stopEverything() {
    E2eSupport.tearDown(cluster, etcd, dir, "e2e-ssl", timings, hook);
  }

  // ================================================================= 1. bootstrap, list

  @Test
  @Order(1)
  void bootstrapsWithClientCertificatesAndPatronictlListsIt() throws Exception {
    Instant t = Instant.now();
    String leader;
    try {
      leader = healthy(BOOT);
    } catch (AssertionError e) {
      neverBootstrapped = e.getMessage().lines().findFirst().orElse("?");
      throw e;
    }
    report("bootstrap with client certificates to one primary and two streaming replicas %s", since(t));
    List<String> replicas = others(leader);

    // The replicas stream over TLS, authenticated by the replication user's certificate.
    awaitStreamingOverTls(leader);
    // The superuser's own session is TLS with the certificate (pg_hba lets nothing else in).
    assertEquals("true|/CN=" + LocalCluster.SUPERUSER, query(leader,
        "SELECT ssl || '|' || client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()"));

    // The member keys advertise the REST API as https, and it answers with the self-signed certificate.
    ClusterView v = view();
    for (String n : cluster.names()) {
      String api = v.member(n).map(m -> m.status().apiUrl()).orElse("");
      assertTrue(api.startsWith("https://127.0.0.1:" + cluster.node(n).restPort() + "/"), n + "'s api_url " + api);
      HttpResponse<String> r = https(n, "/patroni");
      assertEquals(200, r.statusCode(), r.body());
    }

    Instant l = Instant.now();
    CtlTable list = patronictl.run("list").ok().table();
    Duration listTook = Duration.between(l, Instant.now());
    assertEquals(cluster.names(), list.column("Member"), list.toString());
    assertEquals(List.of(leader), list.rows().stream().filter(r -> "Leader".equals(r.get("Role")))
        .map(r -> r.get("Member")).toList(), list.toString());
    for (String n : replicas) {
      assertEquals("Replica", list.row("Member", n).get("Role"), list.toString());
      assertEquals("running", list.row("Member", n).get("State"), list.toString());
    }
    report("patronictl list %s", fmt(listTook));
  }

  // ================================================================= 2. switchover, failover

  @Test
  @Order(2)
  void patronictlSwitchoverMovesTheLockToTheCandidate() throws Exception {
    String leader = whole();
    String x = others(leader).get(0);
    Instant t = Instant.now();
    PatroniCtl.Result r = patronictl.run("switchover", "--force", "--candidate", x).ok();
    // patronictl exits 0 also when the REST call failed and it wrote the failover key itself: not good enough.
    assertFalse(r.stdout().contains("falling back to DCS"), r.toString());
    assertTrue(r.stdout().contains("Successfully switched over to \"" + x + "\""), r.toString());
    awaitCondition(x + " holding the leader key after patronictl switchover", Duration.ofSeconds(60),
        () -> view().isLockedBy(x));
    Duration moved = Duration.between(t, Instant.now());
    assertEquals(x, healthy(HEAL), "whole again with " + x + " leading");
    assertFalse(isInRecovery(x), x + " accepts writes");
    awaitStreamingOverTls(x);
    report("patronictl switchover %s→%s: leader key moved %s, whole again %s", leader, x, fmt(moved), since(t));
  }

  @Test
  @Order(3)
  void patronictlFailoverMovesTheLockToTheCandidate() throws Exception {
    String leader = whole();
    String y = others(leader).get(1);
    Instant t = Instant.now();
    PatroniCtl.Result r = patronictl.run("failover", "--force", "--candidate", y).ok();
    assertFalse(r.stdout().contains("falling back to DCS"), r.toString());
    assertTrue(r.stdout().contains("Successfully failed over to \"" + y + "\""), r.toString());
    awaitCondition(y + " holding the leader key after patronictl failover", Duration.ofSeconds(60),
        () -> view().isLockedBy(y));
    Duration moved = Duration.between(t, Instant.now());
    assertEquals(y, healthy(HEAL), "whole again with " + y + " leading");
    assertFalse(isInRecovery(y), y + " accepts writes");
    awaitStreamingOverTls(y);
    CtlTable after = patronictl.run("list").ok().table();
    assertEquals("Leader", after.row("Member", y).get("Role"), after.toString());
    report("patronictl failover %s→%s: leader key moved %s, whole again %s", leader, y, fmt(moved), since(t));
  }

  // ================================================================= 3. pause, resume

  @Test
  @Order(4)
  void patronictlPauseShowsMaintenanceModeAndResumeEndsIt() throws Exception {
    String leader = whole();
    Instant t = Instant.now();
    PatroniCtl.Result p = patronictl.run("pause", "--wait").ok();
    Duration took = Duration.between(t, Instant.now());
    assertTrue(p.stdout().contains("Success: cluster management is paused"), p.toString());
    ClusterView v = view();
    assertTrue(v.paused(), "the config key says pause");
    assertTrue(v.members().stream().allMatch(m -> m.status().pause()), "every member key says pause: " + v.members());
    CtlTable list = patronictl.run("list").ok().table();
    assertTrue(list.trailer().contains("Maintenance mode: on"), list.toString());
    assertEquals("Leader", list.row("Member", leader).get("Role"), list.toString());
    assertEquals(Optional.of(leader), v.leader().map(LeaderLock::holder), "pause keeps the leader");

    Instant t2 = Instant.now();
    PatroniCtl.Result r = patronictl.run("resume", "--wait").ok();
    Duration resumed = Duration.between(t2, Instant.now());
    assertTrue(r.stdout().contains("Success: cluster management is resumed"), r.toString());
    assertFalse(view().paused(), "the config key no longer says pause");
    awaitCondition("no member key saying pause", Duration.ofSeconds(30),
        () -> view().members().stream().noneMatch(m -> m.status().pause()));
    CtlTable after = patronictl.run("list").ok().table();
    assertFalse(after.trailer().contains("Maintenance mode: on"), after.toString());
    assertEquals(leader, healthy(HEAL));
    report("patronictl pause --wait %s, resume --wait %s", fmt(took), fmt(resumed));
  }

  // ================================================================= 4. restart

  @Test
  @Order(5)
  void patronictlRestartRestartsThePrimaryInPlace() throws Exception {
    String leader = whole();
    String startedBefore = query(leader, "SELECT pg_postmaster_start_time()::text");
    long pidBefore = cluster.postmasterPid(leader).orElseThrow();
    Instant t = Instant.now();
    PatroniCtl.Result r = patronictl.run("restart", "--force", SCOPE, leader).ok();
    Duration answered = Duration.between(t, Instant.now());
    assertTrue(r.stdout().contains("Success: restart on member " + leader), r.toString());
    awaitCondition(leader + " running with a new postmaster start time", Duration.ofSeconds(60),
        () -> !startedBefore.equals(query(leader, "SELECT pg_postmaster_start_time()::text")));
    assertNotEquals(Optional.of(pidBefore), cluster.postmasterPid(leader), "a new postmaster");
    assertEquals(leader, healthy(HEAL), "a restart keeps the leader");
    assertFalse(isInRecovery(leader), leader + " is primary again");
    awaitStreamingOverTls(leader);
    report("patronictl restart of the primary %s answered in %s, whole again %s", leader, fmt(answered), since(t));
  }

  // ================================================================= 5. reinit

  @Test
  @Order(6)
  void patronictlReinitCopiesTheReplicaAgain() throws Exception {
    String leader = whole();
    String replica = others(leader).get(0);
    exec(leader, "CREATE TABLE IF NOT EXISTS e2e_ssl_reinit (id int PRIMARY KEY, note text)");
    exec(leader, "INSERT INTO e2e_ssl_reinit VALUES (1, 'written before reinit')");
    // A file only the old copy has: a reinitialized replica's data directory is a new copy of the primary's.
    Path marker = cluster.node(replica).dataDir().resolve("e2e-before-reinit");
    Files.writeString(marker, "old copy\n");
    if (cluster.spec().osUser().isPresent()) {
      Files.setOwner(marker, Files.getOwner(marker.getParent()));
    }
    String startedBefore = query(replica, "SELECT pg_postmaster_start_time()::text");

    Instant t = Instant.now();
    PatroniCtl.Result r = patronictl.run("reinit", "--force", SCOPE, replica).ok();
    assertTrue(r.stdout().contains("Success: reinitialize for member " + replica), r.toString());
    awaitCondition(replica + "'s data directory replaced", Duration.ofSeconds(120), () -> !Files.exists(marker));
    Duration removed = Duration.between(t, Instant.now());
    // The member key may still show the old copy streaming: wait for the new server itself.
    awaitCondition("the row written before reinit readable on the new copy of " + replica, HEAL,
        () -> !startedBefore.equals(query(replica, "SELECT pg_postmaster_start_time()::text"))
            && "written before reinit".equals(query(replica, "SELECT note FROM e2e_ssl_reinit WHERE id = 1")));
    awaitCondition(replica + " streaming from " + leader + " over TLS", Duration.ofSeconds(60),
        () -> ("true|/CN=" + LocalCluster.REPLICATION_USER).equals(walSendersSsl(leader).get(replica)));
    Duration took = Duration.between(t, Instant.now());
    assertFalse(Files.exists(marker), "the old copy's file is gone");
    assertTrue(isInRecovery(replica), replica + " is a replica again");
    assertEquals(leader, healthy(HEAL), "a reinit keeps the leader");
    report("patronictl reinit of %s: old copy removed after %s, new copy streaming with the row after %s", replica,
        fmt(removed), fmt(took));
  }

  // ================================================================= 6. pg_rewind as the rewind user

  /**
   * The rewind user's certificate in use: the primary is cut off from its replicas (WAL senders stopped),
   * writes alone and dies, so it must come back with pg_rewind, which connects as {@code rewinder} with its
   * PEM key ({@code hostssl all rewinder ... cert} is its only way in).
   */
  @Test
  @Order(7)
  void aDivergedPrimaryRejoinsWithPgRewindAsTheRewindUser() throws Exception {
    String old = whole();
    cluster.killAgent(old);
    List<Long> senders = walSenderPids(old);
    assertEquals(2, senders.size(), "two WAL senders on " + old);
    signal("STOP", senders);
    exec(old, "CREATE TABLE e2e_ssl_diverged AS SELECT g AS id FROM generate_series(1, 1000) g");
    Instant killAt = Instant.now();
    cluster.killPostmaster(old);
    signal("KILL", senders);
    String next;
    try {
      next = cluster.awaitLeaderOtherThan(old, Duration.ofSeconds(60));
    } catch (LocalCluster.WaitFailed e) {
      throw new AssertionError(e.getMessage() + "\n" + E2eSupport.logTails(cluster), e);
    }
    Duration toLeader = Duration.between(killAt, Instant.now());
    Path pgLog = cluster.node(next).postgresLog();
    long logOffset = Files.exists(pgLog) ? Files.size(pgLog) : 0;

    int offset = cluster.log(old).length();
    Instant restart = Instant.now();
    cluster.startAgent(old);
    assertEquals(next, healthy(HEAL));
    String log = cluster.log(old).substring(offset);
    assertTrue(log.contains("Rewind[source=" + next + "] done"),
        old + " wrote WAL its replicas never received: it must rejoin with pg_rewind:\n" + log);
    awaitStreamingOverTls(next);
    String pgLogSince = Files.readString(pgLog, StandardCharsets.UTF_8).substring((int) logOffset);
    assertTrue(pgLogSince.lines().anyMatch(l -> l.contains("connection authorized: user=" + REWIND_USER)
        && l.contains("SSL enabled")), "pg_rewind connected to " + next + " as " + REWIND_USER + " over TLS:\n"
        + pgLogSince.lines().filter(l -> l.contains("connection authorized")).toList());
    assertEquals("false", query(next, "SELECT (to_regclass('e2e_ssl_diverged') IS NOT NULL)::text"),
        "the cut-off primary's own writes are gone after the rewind");
    report("crash of the cut-off primary %s→new leader %s %s; %s rejoined with pg_rewind as %s over TLS %s", old, next,
        fmt(toLeader), old, REWIND_USER, since(restart));
  }

  // ================================================================= helpers

  private List<Long> walSenderPids(String member) throws SQLException {
    List<Long> pids = new ArrayList<>();
    try (Connection c = connect(member); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT pid FROM pg_stat_replication")) {
      while (rs.next()) {
        pids.add(rs.getLong(1));
      }
    }
    return pids;
  }

  private static void signal(String sig, List<Long> pids) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("kill", "-" + sig));
    pids.forEach(p -> cmd.add(String.valueOf(p)));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS), "kill -" + sig);
    assertEquals(0, p.exitValue(), "kill -" + sig + " " + pids + ": " + new String(p.getInputStream().readAllBytes(),
        StandardCharsets.UTF_8));
  }

  private void report(String format, Object... args) {
    String line = "e2e-ssl: " + String.format(Locale.ROOT, format, args);
    System.out.println(line);
    timings.add(line.substring("e2e-ssl: ".length()));
  }

  private String whole() throws Exception {
    if (neverBootstrapped != null) {
      fail("the cluster never bootstrapped (scenario 1): " + neverBootstrapped);
    }
    return healthy(HEAL);
  }

  private String healthy(Duration limit) throws Exception {
    try {
      return cluster.awaitHealthy(limit, cluster.names());
    } catch (LocalCluster.WaitFailed e) {
      throw new AssertionError(e.getMessage() + "\n" + E2eSupport.logTails(cluster), e);
    }
  }

  private ClusterView view() {
    try {
      return cluster.view();
    } catch (DcsException e) {
      throw new AssertionError("etcd did not answer: " + e.getMessage(), e);
    }
  }

  private List<String> others(String member) {
    return cluster.names().stream().filter(n -> !n.equals(member)).toList();
  }

  private void awaitCondition(String what, Duration limit, E2eSupport.ThrowingCondition condition)
      throws InterruptedException {
    E2eSupport.awaitCondition(cluster, what, limit, condition);
  }

  /** The superuser over TLS with its certificate; the key as PKCS#8 DER, which pgJDBC reads by itself. */
  private Connection connect(String member) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", LocalCluster.SUPERUSER);
    p.setProperty("sslmode", "verify-ca");
    p.setProperty("sslrootcert", certs.caCert().toString());
    p.setProperty("sslcert", certs.superuser().cert().toString());
    p.setProperty("sslkey", certs.superuser().der().toString());
    p.setProperty("connectTimeout", "3");
    p.setProperty("socketTimeout", "10");
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + cluster.node(member).pgPort() + "/postgres", p);
  }

  private String query(String member, String sql) throws SQLException {
    try (Connection c = connect(member); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  private void exec(String member, String sql) throws SQLException {
    try (Connection c = connect(member); Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  private boolean isInRecovery(String member) throws SQLException {
    return "true".equals(query(member, "SELECT pg_is_in_recovery()::text"));
  }

  /** Both other members stream from {@code leader}, over TLS, as the replication user's certificate. */
  private void awaitStreamingOverTls(String leader) throws InterruptedException {
    awaitCondition(others(leader) + " streaming from " + leader + " over TLS as " + LocalCluster.REPLICATION_USER,
        Duration.ofSeconds(60), () -> {
          Map<String, String> s = walSendersSsl(leader);
          return others(leader).stream().allMatch(r -> ("true|/CN=" + LocalCluster.REPLICATION_USER).equals(s.get(r)));
        });
  }

  /** Streaming WAL senders on {@code member}: application_name to {@code ssl|client_dn}. */
  private Map<String, String> walSendersSsl(String member) throws SQLException {
    Map<String, String> out = new TreeMap<>();
    try (Connection c = connect(member); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT r.application_name, s.ssl || '|' || coalesce(s.client_dn, '')"
            + " FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) WHERE r.state = 'streaming'")) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getString(2));
      }
    }
    return out;
  }

  /** GET on the member's HTTPS REST API, trusting any certificate (as {@code ctl.insecure} does). */
  private HttpResponse<String> https(String member, String path) throws Exception {
    // An X509ExtendedTrustManager: the JDK client would wrap a plain X509TrustManager in a host name check.
    // verify_client: required: present the REST certificate as the client's.
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(certs.restP12())) {
      ks.load(in, PASSWORD.toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, PASSWORD.toCharArray());
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), new TrustManager[] {new TrustAny()}, null);
    HttpClient client = HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(3)).build();
    return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + cluster.node(member).restPort()
        + path)).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Trusts every certificate, checks no name. */
  private static final class TrustAny extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  private static boolean onPath(String command) {
    return Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
        .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, command)));
  }

  private static String since(Instant t) {
    return E2eSupport.since(t);
  }

  private static String fmt(Duration d) {
    return E2eSupport.fmt(d);
  }

  /**
   * A CA, PostgreSQL's server certificate for 127.0.0.1 signed by it, a client certificate per database user
   * (CN = the user) with its key as PKCS#1 PEM, PKCS#8 PEM and PKCS#8 DER, and one self-signed REST API
   * certificate with no subject alternative names, its key as PKCS#1 and PKCS#8 PEM (and both in PKCS#12). Keys are
   * mode 0600 and, when PostgreSQL runs as another user, owned by it (libpq and the server insist).
   */
  record Certificates(Path caCert, Path serverCert, Path serverKey, Client superuser, Client replication, Client rewind,
      Path restCert, Path restKey1, Path restKey8, Path restP12) {

    record Client(Path cert, Path pkcs1, Path pkcs8, Path der) {}

    static Certificates make(Path dir, Optional<String> osUser) throws IOException, InterruptedException {
      Path caKey = dir.resolve("ca.key");
      Path caCert = dir.resolve("ca.crt");
      openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey.toString(), "-out",
          caCert.toString(), "-days", "2", "-subj", "/CN=primus-e2e-ca");
      Path san = dir.resolve("server.ext");
      Files.writeString(san, "subjectAltName=IP:127.0.0.1\n");
      Path serverKey = dir.resolve("server.key");
      Path serverCert = dir.resolve("server.crt");
      sign(dir, caCert, caKey, "/CN=127.0.0.1", serverKey, serverCert, Optional.of(san));
      Client su = client(dir, caCert, caKey, LocalCluster.SUPERUSER);
      Client repl = client(dir, caCert, caKey, LocalCluster.REPLICATION_USER);
      Client rw = client(dir, caCert, caKey, REWIND_USER);

      // One self-signed REST certificate for every member, as in Patroni's acceptance tests: its only name is a
      // CN that is not the address asked (no subject alternative names), its key PKCS#1 and PKCS#8.
      Path restKey1 = dir.resolve("rest.pkcs1.key");
      openssl(dir, "genrsa", "-traditional", "-out", restKey1.toString(), "2048");
      Path restKey8 = dir.resolve("rest.pkcs8.key");
      openssl(dir, "pkcs8", "-topk8", "-nocrypt", "-in", restKey1.toString(), "-out", restKey8.toString());
      Path restCert = dir.resolve("rest.crt");
      openssl(dir, "req", "-x509", "-new", "-key", restKey1.toString(), "-out", restCert.toString(), "-days", "2",
          "-subj", "/CN=primus-e2e.patroni");
      Path restP12 = dir.resolve("rest.p12");
      openssl(dir, "pkcs12", "-export", "-in", restCert.toString(), "-inkey", restKey1.toString(), "-out",
          restP12.toString(), "-passout", "pass:" + PASSWORD);
      requireHeader(su.pkcs1(), "BEGIN RSA PRIVATE KEY");
      requireHeader(su.pkcs8(), "BEGIN PRIVATE KEY");
      requireHeader(restKey1, "BEGIN RSA PRIVATE KEY");
      requireHeader(restKey8, "BEGIN PRIVATE KEY");

      Optional<UserPrincipal> owner = osUser.isPresent()
          ? Optional.of(dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(osUser.get()))
          : Optional.empty();
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
          if (owner.isPresent()) {
            Files.setOwner(f, owner.get());
          }
        }
      }
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      if (owner.isPresent()) {
        Files.setOwner(dir, owner.get());
      }
      return new Certificates(caCert, serverCert, serverKey, su, repl, rw, restCert, restKey1, restKey8, restP12);
    }

    private static Client client(Path dir, Path caCert, Path caKey, String user)
        throws IOException, InterruptedException {
      Path pkcs8 = dir.resolve(user + ".pkcs8.key");
      Path cert = dir.resolve(user + ".crt");
      sign(dir, caCert, caKey, "/CN=" + user, pkcs8, cert, Optional.empty());
      Path pkcs1 = dir.resolve(user + ".pkcs1.key");
      openssl(dir, "rsa", "-in", pkcs8.toString(), "-traditional", "-out", pkcs1.toString());
      Path der = dir.resolve(user + ".pk8");
      openssl(dir, "pkcs8", "-topk8", "-nocrypt", "-in", pkcs8.toString(), "-outform", "DER", "-out", der.toString());
      return new Client(cert, pkcs1, pkcs8, der);
    }

    private static void sign(Path dir, Path caCert, Path caKey, String subject, Path key, Path cert, Optional<Path> ext)
        throws IOException, InterruptedException {
      Path csr = dir.resolve(cert.getFileName() + ".csr");
      openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out", csr.toString(), "-subj",
          subject);
      List<String> args = new ArrayList<>(List.of("x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(),
          "-CAkey", caKey.toString(), "-CAcreateserial", "-out", cert.toString(), "-days", "2"));
      ext.ifPresent(e -> args.addAll(List.of("-extfile", e.toString())));
      openssl(dir, args.toArray(new String[0]));
    }

    private static void requireHeader(Path key, String header) throws IOException {
      assertTrue(Files.readString(key).contains(header), key + " should hold " + header);
    }

    static void openssl(Path dir, String... args) throws IOException, InterruptedException {
      List<String> argv = new ArrayList<>(List.of("openssl"));
      argv.addAll(List.of(args));
      Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        fail("openssl " + String.join(" ", args) + " failed: " + out);
      }
    }
  }
}
