package dev.primus.db.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.primus.db.postgres.PgHarness.Node;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.LocalState;
import dev.primus.ha.LocalState.ProcessState;
import dev.primus.ha.StopMode;
import dev.primus.ha.driver.DatabaseDriver;
import dev.primus.ha.driver.DriverSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;

/**
 * Setups Patroni users bring, on real PostgreSQL 15 (issue 10, items 1, 4 and 5): client certificates whose
 * keys are PEM files as libpq reads them, the driver's connections over the Unix-domain socket
 * ({@code use_unix_socket}), and a custom bootstrap script that, as with Patroni, runs in the agent's own
 * working directory and finds {@code data_dir} absent.
 */
@TestInstance(Lifecycle.PER_CLASS)
final class PatroniSetupsIT {
  private static final Duration T = Duration.ofSeconds(60);

  private PgHarness harness;

  @BeforeAll
  void setUp() throws Exception {
    harness = new PgHarness();
  }

  @AfterAll
  void tearDown() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }

  /**
   * {@code hostssl ... cert} for the superuser: the bootstrap's JDBC connections (roles) and its psql
   * post_bootstrap must present the client certificate; the key is PEM PKCS#1, as {@code openssl} writes it
   * traditionally. Then the same server with the key as PEM PKCS#8, as encrypted PKCS#8 with
   * {@code sslpassword}, and as PKCS#8 DER.
   */
  @Test
  void clientCertificatesWithPemKeys() throws Exception {
    Path tls = harness.root().resolve("tls");
    Files.createDirectories(tls);
    Certificates certs = Certificates.make(tls);
    for (Path p : List.of(tls, certs.serverKey, certs.serverCert, certs.caCert, certs.clientCert, certs.pkcs1,
        certs.pkcs8, certs.encryptedPkcs8, certs.pkcs8Der)) {
      harness.own(p);
    }
    assertTrue(Files.readString(certs.pkcs1).startsWith("-----BEGIN RSA PRIVATE KEY-----"), "PKCS#1 PEM");
    assertTrue(Files.readString(certs.pkcs8).startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8 PEM");
    assertTrue(Files.readString(certs.encryptedPkcs8).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----"));

    Map<String, Object> parameters = harness.baseParameters();
    parameters.put("ssl", "on");
    parameters.put("ssl_cert_file", certs.serverCert.toString());
    parameters.put("ssl_key_file", certs.serverKey.toString());
    parameters.put("ssl_ca_file", certs.caCert.toString());
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("parameters", parameters);
    extra.put("authentication", Map.of(
        "superuser", superuser(certs, certs.pkcs1, Optional.empty()),
        "replication", Map.of("username", "replicator", "password", PgHarness.REPLICATION_PASSWORD)));
    extra.put("pg_hba", List.of(
        "local all all trust",
        "hostnossl all all 127.0.0.1/32 reject",
        "hostssl all postgres 127.0.0.1/32 cert",
        "hostssl replication replicator 127.0.0.1/32 scram-sha-256"));
    Node node = harness.node("tls", extra, Optional.empty());

    try (DatabaseDriver d = new PostgresDatabaseProvider().create(node.settings())) {
      try {
        // Roles over JDBC and the post_bootstrap psql both authenticate with the certificate only.
        d.bootstrap();
        LocalState s = d.probe();
        assertEquals(ProcessState.RUNNING, s.process());
        assertEquals(Optional.of(DatabaseRole.PRIMARY), s.role());
        assertTrue(s.walPosition() > 0, "the probe's query ran over TLS");

        for (Map.Entry<Path, Optional<String>> key : Map.of(certs.pkcs1, Optional.<String>empty(),
            certs.pkcs8, Optional.<String>empty(), certs.encryptedPkcs8, Optional.of(Certificates.PASSWORD),
            certs.pkcs8Der, Optional.<String>empty()).entrySet()) {
          Sql sql = sqlFor(node, Map.of("superuser", superuser(certs, key.getKey(), key.getValue()),
              "replication", Map.of("username", "replicator")));
          try (Connection c = sql.connect("postgres")) {
            assertEquals("true|/CN=postgres", query(c, "SELECT ssl || '|' || client_dn FROM pg_catalog.pg_stat_ssl"
                + " WHERE pid = pg_catalog.pg_backend_pid()"), key.getKey().getFileName() + ": TLS with the client certificate");
            assertEquals("0", query(c, "SELECT count(*) FROM primus_it"), "post_bootstrap made its table");
          }
        }

        // A key that does not belong to the certificate is refused by the handshake, not silently ignored.
        Path wrong = tls.resolve("wrong.key");
        Certificates.openssl(tls, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", wrong.toString());
        Sql mismatched = sqlFor(node, Map.of("superuser", superuser(certs, wrong, Optional.empty()),
            "replication", Map.of("username", "replicator")));
        try (Connection c = mismatched.connect("postgres")) {
          fail("connected with a key that is not the certificate's");
        } catch (SQLException expected) {
          // the TLS handshake or cert authentication fails
        }
      } finally {
        d.stop(StopMode.FAST, T);
      }
    }
  }

  /**
   * {@code use_unix_socket: true} with TCP refused by pg_hba: bootstrap (roles over JDBC, post_bootstrap with
   * psql) and the probe work only because every connection of the driver goes over the socket.
   */
  @Test
  void useUnixSocketConnectsOverTheSocket() throws Exception {
    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("use_unix_socket", true);
    extra.put("pg_hba", List.of(
        "local all all scram-sha-256",
        "host all all 0.0.0.0/0 reject",
        "host replication all 0.0.0.0/0 reject"));
    Node node = harness.node("socket", extra, Optional.empty());
    try (DatabaseDriver d = new PostgresDatabaseProvider().create(node.settings())) {
      try {
        d.bootstrap();
        LocalState s = d.probe();
        assertEquals(ProcessState.RUNNING, s.process());
        assertEquals(Optional.of(DatabaseRole.PRIMARY), s.role());
        assertTrue(s.walPosition() > 0, "the probe's query ran");

        PostgresConfig cfg = PostgresConfig.from(node.settings());
        LocalAddress address = LocalAddress.of(cfg, Optional::empty);
        assertEquals(Optional.of(harness.root().resolve("sock").resolve(".s.PGSQL." + node.port())), address.socketFile());
        try (Connection c = new Sql(() -> cfg, () -> address, Duration.ofSeconds(5), Duration.ofSeconds(10)).connect("postgres")) {
          assertEquals("socket", query(c, "SELECT coalesce(host(pg_catalog.inet_client_addr()), 'socket')"));
          assertEquals("0", query(c, "SELECT count(*) FROM primus_it"), "post_bootstrap reached the server over the socket");
        }
        // And TCP really is refused, so nothing above went that way.
        try (Connection c = node.connect()) {
          fail("pg_hba lets TCP in; the test proves nothing");
        } catch (SQLException expected) {
          assertTrue(expected.getMessage().contains("pg_hba.conf rejects"), expected.getMessage());
        }
      } finally {
        d.stop(StopMode.FAST, T);
      }
    }
  }

  /**
   * A restore-style custom bootstrap, given by a path relative to the agent's working directory (as Patroni's
   * {@code features/backup_restore.py}): it runs there, finds {@code data_dir} absent and creates it with a
   * {@code mkdir} that fails on an existing directory (a tree copied into place fails the same way).
   */
  @Test
  void customBootstrapRunsInTheAgentsDirectoryAndFindsNoDataDirectory() throws Exception {
    Path cwd = Path.of("").toAbsolutePath();
    Path scripts = cwd.resolve("target").resolve("it-scripts-" + UUID.randomUUID());
    Files.createDirectories(scripts);
    try {
      Path script = scripts.resolve("restore.sh");
      Files.writeString(script, String.join("\n",
          "#!/bin/sh",
          "set -e",
          "MARKER=\"$1\"",
          "for a in \"$@\"; do",
          "  case \"$a\" in",
          "    --datadir=*) DATADIR=\"${a#--datadir=}\" ;;",
          "    --scope=*) ;;",
          "    --*) echo \"unexpected argument $a\" >&2; exit 9 ;;",
          "  esac",
          "done",
          "pwd -P > \"$MARKER/cwd\"",
          "if [ -e \"$DATADIR\" ]; then echo \"FileExistsError: $DATADIR\" >&2; exit 17; fi",
          "mkdir \"$DATADIR\"",
          "echo absent > \"$MARKER/datadir\"",
          "exec " + PgHarness.binDir().resolve("initdb") + " --no-sync -U postgres -A trust -E UTF8 --locale=C -D \"$DATADIR\"",
          ""), StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.setPosixFilePermissions(scripts, PosixFilePermissions.fromString("rwxr-xr-x"));
      Path marker = harness.root().resolve("restore-marker");
      Files.createDirectories(marker);
      harness.own(marker);

      String relative = cwd.relativize(script).toString();
      assertFalse(relative.startsWith("/"));
      Node node = harness.node("restored", Map.of(), Optional.of(Map.of("method", "restore",
          // The marker directory is a word of the command: Patroni hands the command --scope and --datadir only.
          "restore", Map.of("command", relative + " " + marker))));
      assertFalse(Files.exists(node.dataDir()));
      try (DatabaseDriver d = new PostgresDatabaseProvider().create(node.settings())) {
        try {
          d.bootstrap();
          assertEquals(cwd.toRealPath().toString(), Files.readString(marker.resolve("cwd")).strip(),
              "the script ran in the agent's working directory");
          assertEquals("absent", Files.readString(marker.resolve("datadir")).strip());
          LocalState s = d.probe();
          assertEquals(ProcessState.RUNNING, s.process());
          assertEquals(Optional.of(DatabaseRole.PRIMARY), s.role());
          assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(node.dataDir())));
        } finally {
          d.stop(StopMode.FAST, T);
        }
      }
    } finally {
      try (var walk = Files.walk(scripts)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /**
   * Patroni's restore-from-backup setup: a replica built without a leader by a {@code no_leader} method that
   * copies a backup into place (so it must find {@code data_dir} absent, and runs in the agent's directory),
   * then recovering from the WAL archive through {@code postgresql.recovery_conf}'s {@code restore_command}
   * alone: a row written on the primary afterwards arrives. A second method with {@code keep_data} and
   * {@code no_params} keeps what is in {@code data_dir} and gets only its own arguments.
   */
  @Test
  void replicaFromABackupWithoutALeaderRecoversFromTheArchive() throws Exception {
    Path archive = harness.root().resolve("archive");
    Path backup = harness.root().resolve("backup");
    Path marker = harness.root().resolve("replica-marker");
    for (Path p : List.of(archive, marker)) {
      Files.createDirectories(p);
      harness.own(p);
    }
    Map<String, Object> primaryParameters = harness.baseParameters();
    primaryParameters.put("archive_mode", "on");
    primaryParameters.put("archive_command", "cp %p " + archive + "/%f");
    Node primary = harness.node("archiving", Map.of("parameters", primaryParameters), Optional.empty());

    Path cwd = Path.of("").toAbsolutePath();
    Path scripts = cwd.resolve("target").resolve("it-scripts-" + UUID.randomUUID());
    try (DatabaseDriver p = new PostgresDatabaseProvider().create(primary.settings())) {
      try {
        p.bootstrap();
        runAsOsUser(List.of(PgHarness.binDir().resolve("pg_basebackup").toString(), "--pgdata=" + backup,
            "--wal-method=stream", "--checkpoint=fast", "--dbname=host=127.0.0.1 port=" + primary.port() + " user=replicator"),
            Map.of("PGPASSWORD", PgHarness.REPLICATION_PASSWORD));

        Path restore = script(scripts, "restore.sh",
            "for a in \"$@\"; do",
            "  case \"$a\" in",
            "    --datadir=*) DATADIR=\"${a#--datadir=}\" ;;",
            "    --marker=*) MARKER=\"${a#--marker=}\" ;;",
            "    --backup=*) BACKUP=\"${a#--backup=}\" ;;",
            "  esac",
            "done",
            "pwd -P > \"$MARKER/cwd\"",
            "echo \"$@\" > \"$MARKER/restore-args\"",
            "if [ -e \"$DATADIR\" ]; then echo \"FileExistsError: $DATADIR\" >&2; exit 17; fi",
            // copytree: the target must not exist
            "cp -a \"$BACKUP\" \"$DATADIR\"");
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("create_replica_methods", List.of("restore"));
        extra.put("restore", Map.of("command", cwd.relativize(restore).toString(), "no_leader", true,
            "marker", marker.toString(), "backup", backup.toString()));
        extra.put("recovery_conf", Map.of("restore_command", "cp " + archive + "/%f %p"));
        Node replica = harness.node("restored-replica", extra, Optional.empty());

        try (DatabaseDriver r = new PostgresDatabaseProvider().create(replica.settings())) {
          try {
            assertTrue(r.canCreateReplicaWithoutLeader());
            r.createReplicaWithoutLeader();
            assertEquals(cwd.toRealPath().toString(), Files.readString(marker.resolve("cwd")).strip(),
                "the replica method ran in the agent's working directory");
            String args = Files.readString(marker.resolve("restore-args")).strip();
            assertTrue(args.contains("--no_leader=True") && args.contains("--role=replica")
                && args.contains("--datadir=" + replica.dataDir()) && args.contains("--connstring="), args);
            String conf = Files.readString(replica.dataDir().resolve("postgresql.conf"));
            assertTrue(conf.contains("restore_command = 'cp " + archive + "/%f %p'"), conf);
            assertTrue(Files.exists(replica.dataDir().resolve("standby.signal")));

            r.start(DatabaseRole.REPLICA, Optional.empty(), T);
            try (Connection c = primary.connect(); Statement st = c.createStatement()) {
              st.execute("INSERT INTO primus_it VALUES (42, 'after the backup')");
              st.execute("SELECT pg_catalog.pg_switch_wal()");
            }
            PgHarness.await(Duration.ofSeconds(60), "the archived row on the restored replica", () -> {
              try (Connection c = replica.connect()) {
                return "1".equals(query(c, "SELECT count(*) FROM primus_it WHERE id = 42"));
              } catch (SQLException e) {
                return false;
              }
            });
            try (Connection c = replica.connect()) {
              assertEquals("t", query(c, "SELECT pg_catalog.pg_is_in_recovery()"));
              assertEquals("0", query(c, "SELECT count(*) FROM pg_catalog.pg_stat_wal_receiver"),
                  "no upstream: the row came through restore_command");
            }
          } finally {
            r.stop(StopMode.FAST, T);
          }
        }

        // keep_data and no_params: data_dir stays as it is, and the script gets only its section's own keys.
        Path keep = script(scripts, "keep.sh",
            "for a in \"$@\"; do",
            "  case \"$a\" in",
            "    --target=*) TARGET=\"${a#--target=}\" ;;",
            "    --marker=*) MARKER=\"${a#--marker=}\" ;;",
            "    --backup=*) BACKUP=\"${a#--backup=}\" ;;",
            "  esac",
            "done",
            "echo \"$@\" > \"$MARKER/keep-args\"",
            "test -f \"$TARGET/kept\" || { echo \"kept is gone\" >&2; exit 9; }",
            "cp -a \"$BACKUP\"/. \"$TARGET\"/");
        Node kept = harness.node("kept", Map.of("create_replica_methods", List.of("keep"),
            "keep", Map.of("command", keep.toString(), "no_leader", true, "keep_data", true, "no_params", true)),
            Optional.empty());
        Map<String, Object> keepSection = new LinkedHashMap<>(kept.settings().section());
        keepSection.put("keep", Map.of("command", keep.toString(), "no_leader", true, "keep_data", true, "no_params", true,
            "target", kept.dataDir().toString(), "marker", marker.toString(), "backup", backup.toString()));
        DriverSettings ks = kept.settings();
        Files.createDirectories(kept.dataDir());
        harness.own(kept.dataDir());
        Files.writeString(kept.dataDir().resolve("kept"), "from before\n");
        harness.own(kept.dataDir().resolve("kept"));
        try (DatabaseDriver k = new PostgresDatabaseProvider().create(new DriverSettings(ks.memberName(), keepSection,
            ks.bootstrap(), ks.dynamic(), ks.classLoader()))) {
          k.createReplicaWithoutLeader();
          assertEquals("from before", Files.readString(kept.dataDir().resolve("kept")).strip());
          String args = Files.readString(marker.resolve("keep-args")).strip();
          assertFalse(args.contains("--scope") || args.contains("--datadir") || args.contains("--no_leader")
              || args.contains("--keep_data") || args.contains("--no_params"), args);
          assertTrue(args.contains("--target=" + kept.dataDir()), args);
        }
      } finally {
        p.stop(StopMode.FAST, T);
      }
    } finally {
      deleteTree(scripts);
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** A shell script (set -e) in {@code dir}, readable and executable by the OS user. */
  private static Path script(Path dir, String name, String... lines) throws IOException {
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path script = dir.resolve(name);
    Files.writeString(script, "#!/bin/sh\nset -e\n" + String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** A PostgreSQL tool as the server's OS user, so what it writes is that user's. */
  private void runAsOsUser(List<String> argv, Map<String, String> env) throws IOException, InterruptedException {
    List<String> full = new java.util.ArrayList<>();
    if (harness.asRoot()) {
      full.addAll(List.of("runuser", "-u", PgHarness.OS_USER, "--"));
    }
    full.addAll(argv);
    ProcessBuilder pb = new ProcessBuilder(full).directory(harness.root().toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process proc = pb.start();
    String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!proc.waitFor(120, TimeUnit.SECONDS) || proc.exitValue() != 0) {
      fail(String.join(" ", argv) + " failed: " + out);
    }
  }

  private static Map<String, Object> superuser(Certificates certs, Path key, Optional<String> password) {
    Map<String, Object> su = new LinkedHashMap<>();
    su.put("username", "postgres");
    su.put("password", PgHarness.SUPERUSER_PASSWORD);
    su.put("sslmode", "verify-ca");
    su.put("sslrootcert", certs.caCert.toString());
    su.put("sslcert", certs.clientCert.toString());
    su.put("sslkey", key.toString());
    password.ifPresent(p -> su.put("sslpassword", p));
    return su;
  }

  /** The driver's own JDBC connections for {@code node} with other credentials. */
  private static Sql sqlFor(Node node, Map<String, Object> authentication) throws Exception {
    Map<String, Object> section = new LinkedHashMap<>(node.settings().section());
    section.put("authentication", authentication);
    DriverSettings s = node.settings();
    PostgresConfig cfg = PostgresConfig.from(new DriverSettings(s.memberName(), section, s.bootstrap(), s.dynamic(),
        s.classLoader()));
    LocalAddress address = LocalAddress.of(cfg, Optional::empty);
    return new Sql(() -> cfg, () -> address, Duration.ofSeconds(5), Duration.ofSeconds(10));
  }

  private static String query(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      assertTrue(rs.next(), "no row from " + sql);
      return rs.getString(1);
    }
  }

  /** A CA, a server certificate for 127.0.0.1 and a client certificate for CN=postgres, made with openssl. */
  private record Certificates(Path caCert, Path serverCert, Path serverKey, Path clientCert, Path pkcs1, Path pkcs8,
      Path encryptedPkcs8, Path pkcs8Der) {
    static final String PASSWORD = "key pass";

    static Certificates make(Path dir) throws IOException, InterruptedException {
      Path caKey = dir.resolve("ca.key");
      Path caCert = dir.resolve("ca.crt");
      openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey.toString(), "-out", caCert.toString(),
          "-days", "2", "-subj", "/CN=primus-it-ca");
      Path san = dir.resolve("server.ext");
      Files.writeString(san, "subjectAltName=IP:127.0.0.1\n");
      Path serverKey = dir.resolve("server.key");
      Path serverCert = dir.resolve("server.crt");
      sign(dir, caCert, caKey, "/CN=127.0.0.1", serverKey, serverCert, Optional.of(san));
      Path pkcs8 = dir.resolve("client.pkcs8.key");
      Path clientCert = dir.resolve("client.crt");
      sign(dir, caCert, caKey, "/CN=postgres", pkcs8, clientCert, Optional.empty());
      Path pkcs1 = dir.resolve("client.pkcs1.key");
      openssl(dir, "rsa", "-in", pkcs8.toString(), "-traditional", "-out", pkcs1.toString());
      Path encrypted = dir.resolve("client.enc.key");
      openssl(dir, "pkcs8", "-topk8", "-in", pkcs8.toString(), "-v2", "aes-256-cbc", "-passout", "pass:" + PASSWORD,
          "-out", encrypted.toString());
      Path der = dir.resolve("client.pk8");
      openssl(dir, "pkcs8", "-topk8", "-nocrypt", "-in", pkcs8.toString(), "-outform", "DER", "-out", der.toString());
      return new Certificates(caCert, serverCert, serverKey, clientCert, pkcs1, pkcs8, encrypted, der);
    }

    private static void sign(Path dir, Path caCert, Path caKey, String subject, Path key, Path cert, Optional<Path> ext)
        throws IOException, InterruptedException {
      Path csr = dir.resolve(cert.getFileName() + ".csr");
      openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out", csr.toString(), "-subj", subject);
      List<String> args = new java.util.ArrayList<>(List.of("x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(),
          "-CAkey", caKey.toString(), "-CAcreateserial", "-out", cert.toString(), "-days", "2"));
      ext.ifPresent(e -> args.addAll(List.of("-extfile", e.toString())));
      openssl(dir, args.toArray(new String[0]));
    }

    static void openssl(Path dir, String... args) throws IOException, InterruptedException {
      List<String> argv = new java.util.ArrayList<>(List.of("openssl"));
      argv.addAll(List.of(args));
      Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        fail("openssl " + String.join(" ", args) + " failed: " + out);
      }
    }
  }
}
