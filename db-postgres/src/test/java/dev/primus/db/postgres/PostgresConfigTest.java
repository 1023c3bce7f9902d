package dev.primus.db.postgres;

import static dev.primus.db.postgres.TestMaps.linked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.db.postgres.PostgresConfig.CustomBootstrap;
import dev.primus.db.postgres.PostgresConfig.ReplicaMethod;
import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import dev.primus.ha.driver.DriverSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Pins every key the driver reads and every default. */
final class PostgresConfigTest {

  static Map<String, Object> minimal() {
    return linked(
        "listen", "0.0.0.0:5433",
        "data_dir", "/var/lib/pg/main",
        "authentication", linked("replication", linked("username", "replicator")));
  }

  static PostgresConfig parse(Map<String, Object> section) throws DriverException {
    return parse(section, Map.of(), Map.of());
  }

  static PostgresConfig parse(Map<String, Object> section, Map<String, Object> bootstrap, Map<String, Object> dynamic)
      throws DriverException {
    return PostgresConfig.from(new DriverSettings("node-1", section, bootstrap, dynamic,
        PostgresConfigTest.class.getClassLoader()));
  }

  static DriverException invalid(Map<String, Object> section) {
    return invalid(section, Map.of());
  }

  static DriverException invalid(Map<String, Object> section, Map<String, Object> bootstrap) {
    DriverException e = assertThrows(DriverException.class, () -> parse(section, bootstrap, Map.of()));
    assertEquals(Kind.INVALID_CONFIG, e.kind(), e.getMessage());
    return e;
  }

  @Test
  void defaults() throws DriverException {
    PostgresConfig c = parse(minimal());
    assertEquals("node-1", c.memberName());
    assertEquals(Optional.empty(), c.scope());
    assertEquals(Path.of("/var/lib/pg/main"), c.dataDir());
    assertEquals(Optional.empty(), c.binDir());
    assertEquals("0.0.0.0", c.listenAddresses());
    assertEquals(5433, c.port());
    assertEquals("127.0.0.1", c.localHost(), "a wildcard listen address is reached over loopback");
    assertEquals(Optional.empty(), c.connectAddress());
    assertEquals(Path.of("/var/lib/pg/main.primus-log"), c.logDir());
    assertEquals(Path.of("/var/lib/pg/main.primus-log/pgpass"), c.pgpass());
    assertEquals("postgres", c.superuser().username());
    assertEquals(Optional.empty(), c.superuser().password());
    assertEquals("replicator", c.replication().username());
    assertEquals(c.superuser(), c.rewind(), "pg_rewind connects as the superuser unless a rewind user is set");
    assertEquals(Map.of(), c.parameters());
    assertEquals(List.of(), c.pgHba());
    assertEquals(List.of(), c.pgIdent());
    assertEquals(Map.of(), c.recoveryConf());
    assertEquals(List.of(new ReplicaMethod("basebackup", List.of(), List.of(), false, false, false, List.of())),
        c.replicaMethods());
    assertFalse(c.useUnixSocket());
    assertFalse(c.usePgRewind());
    assertTrue(c.useSlots());
    assertFalse(c.removeDataDirectoryOnRewindFailure());
    assertEquals(Duration.ofSeconds(60), c.pgCtlTimeout());
    assertEquals(Duration.ofSeconds(86_400), c.commandTimeout());
    assertEquals(Optional.empty(), c.osUser());
    assertEquals(List.of(), c.bootstrap().initdbArguments());
    assertEquals(List.of(), c.bootstrap().pgHba());
    assertEquals(Optional.empty(), c.bootstrap().postBootstrap());
    assertEquals(Optional.empty(), c.bootstrap().custom());
  }

  @Test
  void everyKey() throws DriverException {
    Map<String, Object> section = linked(
        "listen", "127.0.0.1,10.0.0.5:5432",
        "connect_address", "10.0.0.5:5432",
        "data_dir", "/data/pg",
        "bin_dir", "/opt/pg/bin",
        "pgpass", "/run/primus/pgpass",
        "log_dir", "/var/log/primus",
        "scope", "batman",
        "os_user", "postgres",
        "authentication", linked(
            "superuser", linked("username", "admin", "password", "s3cret", "sslmode", "require"),
            "replication", linked("username", "repl", "password", "r"),
            "rewind", linked("username", "rew", "password", "w")),
        "parameters", linked("max_connections", 200, "hot_standby", false, "port", 1),
        "pg_hba", List.of("host all all 0.0.0.0/0 md5"),
        "pg_ident", List.of("map1 sys pg"),
        "recovery_conf", linked("restore_command", "cp /wal/%f %p"),
        "create_replica_methods", List.of("pgbackrest", "basebackup"),
        "pgbackrest", linked("command", "/usr/bin/pgbackrest --stanza=main --delta restore", "keep_data", true,
            "no_params", true, "no_leader", 1, "type", "standby"),
        "basebackup", List.of("verbose", linked("max-rate", "100M")),
        "use_pg_rewind", true,
        "use_slots", false,
        "remove_data_directory_on_rewind_failure", true,
        "pg_ctl_timeout", 30,
        "command_timeout", 600,
        "callbacks", linked("on_start", "/bin/true"),
        "use_unix_socket", true);
    Map<String, Object> bootstrap = linked(
        "dcs", linked("ttl", 30),
        "initdb", List.of(linked("encoding", "UTF8"), "data-checksums"),
        "pg_hba", List.of("host replication repl 10.0.0.0/8 scram-sha-256"),
        "post_bootstrap", "/usr/local/bin/setup.sh --quiet");
    PostgresConfig c = parse(section, bootstrap, Map.of());
    assertEquals(Optional.of("batman"), c.scope());
    assertEquals("127.0.0.1,10.0.0.5", c.listenAddresses());
    assertEquals("127.0.0.1", c.localHost());
    assertEquals(Optional.of("10.0.0.5:5432"), c.connectAddress());
    assertEquals(Optional.of(Path.of("/opt/pg/bin")), c.binDir());
    assertEquals(Path.of("/run/primus/pgpass"), c.pgpass());
    assertEquals(Path.of("/var/log/primus"), c.logDir());
    assertEquals(Optional.of("postgres"), c.osUser());
    assertEquals("admin", c.superuser().username());
    assertEquals(Optional.of("s3cret"), c.superuser().password());
    assertEquals(Map.of("sslmode", "require"), c.superuser().options());
    assertEquals("rew", c.rewind().username());
    assertEquals(Map.of("max_connections", "200", "hot_standby", "off", "port", "1"), c.parameters());
    assertEquals(List.of("host all all 0.0.0.0/0 md5"), c.pgHba());
    assertEquals(List.of("map1 sys pg"), c.pgIdent());
    assertEquals(Map.of("restore_command", "cp /wal/%f %p"), c.recoveryConf());
    assertEquals(List.of(
        new ReplicaMethod("pgbackrest", List.of("/usr/bin/pgbackrest", "--stanza=main", "--delta", "restore"),
            List.of("--type=standby"), true, true, true,
            List.of("--keep_data=True", "--no_params=True", "--no_leader=1")),
        new ReplicaMethod("basebackup", List.of(), List.of("--verbose", "--max-rate=100M"), false, false, false,
            List.of())),
        c.replicaMethods());
    assertTrue(c.usePgRewind());
    assertTrue(c.useUnixSocket());
    assertFalse(c.useSlots());
    assertTrue(c.removeDataDirectoryOnRewindFailure());
    assertEquals(Duration.ofSeconds(30), c.pgCtlTimeout());
    assertEquals(Duration.ofSeconds(600), c.commandTimeout());
    assertEquals(List.of("--encoding=UTF8", "--data-checksums"), c.bootstrap().initdbArguments());
    assertEquals(List.of("host replication repl 10.0.0.0/8 scram-sha-256"), c.bootstrap().pgHba());
    assertEquals(Optional.of(List.of("/usr/local/bin/setup.sh", "--quiet")), c.bootstrap().postBootstrap());
  }

  @Test
  void dynamicSettingsOverrideLocalOnes() throws DriverException {
    Map<String, Object> section = minimal();
    section.put("parameters", linked("work_mem", "4MB", "max_connections", 100));
    section.put("use_pg_rewind", false);
    section.put("pg_hba", List.of("local all all trust"));
    PostgresConfig c = parse(section, Map.of(), linked(
        "parameters", linked("max_connections", 300, "shared_buffers", "1GB"),
        "use_pg_rewind", true,
        "use_slots", false,
        "pg_hba", List.of("host all all 10.0.0.0/8 md5"),
        "something_the_runner_keeps", 1));
    assertEquals(Map.of("work_mem", "4MB", "max_connections", "300", "shared_buffers", "1GB"), c.parameters());
    assertTrue(c.usePgRewind());
    assertFalse(c.useSlots());
    assertEquals(List.of("host all all 10.0.0.0/8 md5"), c.pgHba());
  }

  @Test
  void customBootstrapMethod() throws DriverException {
    PostgresConfig c = parse(minimal(), linked(
        "method", "restore",
        "restore", linked("command", "/usr/bin/restore-it --from 'last backup'", "no_params", true,
            "keep_existing_recovery_conf", true, "recovery_conf", linked("recovery_target_time", "2026-01-01 00:00"),
            "backup-host", "b1"),
        "other", linked("command", "/bin/other")), Map.of());
    CustomBootstrap m = c.bootstrap().custom().orElseThrow();
    assertEquals("restore", m.name());
    assertEquals(List.of("/usr/bin/restore-it", "--from", "last backup"), m.command());
    assertTrue(m.noParams());
    assertTrue(m.keepExistingRecoveryConf());
    assertEquals(Optional.of(Map.of("recovery_target_time", "2026-01-01 00:00")), m.recoveryConf());
    invalid(minimal(), linked("method", "restore", "restore", linked("no_params", true)));
  }

  @Test
  void listenAndConnectAddressForms() throws DriverException {
    Map<String, Object> s = minimal();
    s.put("listen", "*:5432");
    assertEquals("127.0.0.1", parse(s).localHost());
    s.put("listen", "[::]:5432");
    assertEquals("::", parse(s).listenAddresses());
    assertEquals("::1", parse(s).localHost());
    s.put("listen", "localhost:6543");
    assertEquals("localhost", parse(s).localHost());
    assertEquals(6543, parse(s).port());
    s.put("listen", "127.0.0.1");
    assertTrue(invalid(s).getMessage().contains("postgresql.listen"));
    s.put("listen", "127.0.0.1:99999");
    assertTrue(invalid(s).getMessage().contains("postgresql.listen"));
    s.put("listen", "127.0.0.1:5432");
    s.put("connect_address", "db1");
    assertTrue(invalid(s).getMessage().contains("postgresql.connect_address"));
  }

  @Test
  void errorsNameTheKey() {
    Map<String, Object> s = minimal();
    s.remove("data_dir");
    assertEquals("postgresql.data_dir is required", invalid(s).getMessage());

    s = minimal();
    s.put("authentication", linked("superuser", linked("username", "postgres")));
    assertEquals("postgresql.authentication.replication.username is required", invalid(s).getMessage());

    s = minimal();
    s.put("authentication", linked("replication", linked("username", "r", "pasword", "typo")));
    assertEquals("unknown key postgresql.authentication.replication.pasword", invalid(s).getMessage());

    s = minimal();
    s.put("listn", "x");
    assertTrue(invalid(s).getMessage().startsWith("unknown key(s) [postgresql.listn]"));

    s = minimal();
    s.put("wal_e", linked("command", "x"));
    assertTrue(invalid(s).getMessage().contains("postgresql.wal_e"), "a method section must be listed to be used");

    s = minimal();
    s.put("config_dir", "/etc/postgresql");
    assertEquals("postgresql.config_dir is not supported by Primus", invalid(s).getMessage());

    s = minimal();
    s.put("parameters", linked("hba_file", "/etc/pg_hba.conf"));
    assertTrue(invalid(s).getMessage().startsWith("postgresql.parameters.hba_file is not allowed"));

    s = minimal();
    s.put("parameters", linked("bad name", 1));
    assertTrue(invalid(s).getMessage().contains("not a valid parameter name"));

    s = minimal();
    s.put("log_dir", "/var/lib/pg/main/log");
    assertTrue(invalid(s).getMessage().startsWith("postgresql.log_dir must be outside data_dir"));

    s = minimal();
    s.put("pg_ctl_timeout", 0);
    assertTrue(invalid(s).getMessage().startsWith("postgresql.pg_ctl_timeout must be a positive"));

    s = minimal();
    s.put("use_pg_rewind", "maybe");
    assertTrue(invalid(s).getMessage().startsWith("postgresql.use_pg_rewind must be a boolean"));

    s = minimal();
    s.put("os_user", "bad user");
    assertTrue(invalid(s).getMessage().startsWith("postgresql.os_user"));

    s = minimal();
    s.put("basebackup", linked("pgdata", "/elsewhere"));
    assertTrue(invalid(s).getMessage().contains("'pgdata' is set by Primus"));

    s = minimal();
    s.put("data_dir", "/");
    assertTrue(invalid(s).getMessage().contains("root directory"));

    assertTrue(invalid(minimal(), linked("initdb", List.of(linked("username", "x")))).getMessage()
        .contains("'username' is set by Primus"));
    assertTrue(invalid(minimal(), linked("users", linked("admin", linked("password", "x")))).getMessage()
        .startsWith("bootstrap.users is not supported"));
    assertEquals("unknown key bootstrap.intidb", invalid(minimal(), linked("intidb", List.of())).getMessage());
  }

  @Test
  void runnerKeysAreAccepted() throws DriverException {
    Map<String, Object> s = minimal();
    for (String k : PostgresConfig.RUNNER_KEYS) {
      s.put(k, "x");
    }
    assertEquals(5433, parse(s).port());
  }

  @Test
  void passwordsNeverPrint() throws DriverException {
    Map<String, Object> s = minimal();
    s.put("authentication", linked("superuser", linked("password", "topsecret"), "replication",
        linked("username", "r", "password", "alsosecret")));
    PostgresConfig c = parse(s);
    assertFalse(c.toString().contains("topsecret"), c.toString());
    assertFalse(c.toString().contains("alsosecret"), c.toString());
  }
}
