package dev.primus.db.postgres;

import static dev.primus.db.postgres.TestMaps.linked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.db.postgres.ConfigFiles.Mode;
import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.Upstream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class ConfigFilesTest {
  private static final Upstream NODE2 = new Upstream("node2", "postgres://10.0.0.2:5433/postgres");

  @TempDir
  Path tmp;

  private PostgresConfig config(Map<String, Object> extra) throws DriverException {
    Map<String, Object> s = PostgresConfigTest.minimal();
    s.put("data_dir", tmp.resolve("data").toString());
    s.put("scope", "batman");
    s.put("authentication", linked("replication", linked("username", "repl", "password", "pw", "sslmode", "prefer")));
    s.putAll(extra);
    return PostgresConfigTest.parse(s);
  }

  @Test
  void primaryParameters() throws DriverException {
    PostgresConfig cfg = config(linked("use_pg_rewind", true, "parameters",
        linked("port", 1, "listen_addresses", "x", "hot_standby", "off", "wal_level", "minimal", "work_mem", "8MB",
            "primary_conninfo", "host=evil")));
    Map<String, String> p = ConfigFiles.effectiveParameters(cfg, 15, Mode.primary(Optional.empty()));
    assertEquals("0.0.0.0", p.get("listen_addresses"), "listen comes from postgresql.listen, never from parameters");
    assertEquals("5433", p.get("port"));
    assertEquals("on", p.get("hot_standby"));
    assertEquals("replica", p.get("wal_level"), "replication needs at least replica");
    assertEquals("on", p.get("wal_log_hints"), "pg_rewind needs hint bits in the WAL");
    assertEquals("10", p.get("max_wal_senders"));
    assertEquals("10", p.get("max_replication_slots"));
    assertEquals("128MB", p.get("wal_keep_size"));
    assertEquals("batman", p.get("cluster_name"));
    assertEquals("8MB", p.get("work_mem"));
    assertFalse(p.containsKey("primary_conninfo"));
    assertFalse(p.containsKey("recovery_target_timeline"));
    assertFalse(p.containsKey("synchronous_standby_names"));
  }

  @Test
  void userValuesRaiseTheDefaults() throws DriverException {
    PostgresConfig cfg = config(linked("parameters", linked("wal_level", "logical", "max_wal_senders", 20,
        "wal_keep_segments", 8)));
    Map<String, String> p = ConfigFiles.effectiveParameters(cfg, 15, Mode.primary(Optional.empty()));
    assertEquals("logical", p.get("wal_level"));
    assertEquals("20", p.get("max_wal_senders"));
    assertEquals("128MB", p.get("wal_keep_size"), "wal_keep_segments is translated for 13+");
    assertFalse(p.containsKey("wal_keep_segments"));
    assertFalse(p.containsKey("wal_log_hints"));

    Map<String, String> p12 = ConfigFiles.effectiveParameters(config(linked("parameters", linked("wal_keep_size", "1GB"))),
        12, Mode.primary(Optional.empty()));
    assertEquals("64", p12.get("wal_keep_segments"), "and back to segments for 12");
    assertFalse(p12.containsKey("wal_keep_size"));
  }

  @Test
  void standbyParameters() throws DriverException {
    PostgresConfig cfg = config(linked("recovery_conf", linked("restore_command", "cp /a/%f %p")));
    Map<String, String> p = ConfigFiles.effectiveParameters(cfg, 15, Mode.standby(Optional.of(NODE2)));
    assertEquals("user=repl passfile=" + cfg.pgpass() + " host=10.0.0.2 port=5433 sslmode=prefer application_name=node-1",
        p.get("primary_conninfo"));
    assertEquals("node_1", p.get("primary_slot_name"));
    assertEquals("latest", p.get("recovery_target_timeline"));
    assertEquals("cp /a/%f %p", p.get("restore_command"));

    Map<String, String> noSlots = ConfigFiles.effectiveParameters(config(linked("use_slots", false)), 15,
        Mode.standby(Optional.of(NODE2)));
    assertFalse(noSlots.containsKey("primary_slot_name"));
    Map<String, String> archiveOnly = ConfigFiles.effectiveParameters(cfg, 15, Mode.standby(Optional.empty()));
    assertFalse(archiveOnly.containsKey("primary_conninfo"));
    assertEquals("latest", archiveOnly.get("recovery_target_timeline"));
  }

  @Test
  void aStandbyRecoversWithItsRecoveryConfButNeverWithATarget() throws DriverException {
    PostgresConfig cfg = config(linked(
        "recovery_conf", linked("restore_command", "cp /a/%f %p", "recovery_target_time", "2026-01-01",
            "primary_conninfo", "host=evil", "standby_mode", "on", "trigger_file", "/tmp/promote-me",
            "archive_cleanup_command", "true", "no_such_setting", "x"),
        "parameters", linked("recovery_min_apply_delay", "5min", "work_mem", "4MB")));
    Map<String, String> standby = ConfigFiles.effectiveParameters(cfg, 15, Mode.standby(Optional.of(NODE2)));
    assertEquals("cp /a/%f %p", standby.get("restore_command"));
    assertEquals("true", standby.get("archive_cleanup_command"));
    assertEquals("5min", standby.get("recovery_min_apply_delay"), "a recovery setting among the parameters applies too");
    assertEquals("/tmp/promote-me", standby.get("promote_trigger_file"), "trigger_file is the 12+ promote_trigger_file");
    for (String target : ConfigFiles.RECOVERY_TARGETS) {
      assertEquals("", standby.get(target), target + ": an included file must not stop or promote a standby");
    }
    assertTrue(standby.get("primary_conninfo").contains("host=10.0.0.2"), "the upstream is the driver's to set");
    assertFalse(standby.containsKey("standby_mode"), "no such parameter in 12+: the server would not start");
    assertFalse(standby.containsKey("trigger_file"));
    assertFalse(standby.containsKey("no_such_setting"), "dropped, as Patroni drops it");

    Map<String, String> primary = ConfigFiles.effectiveParameters(cfg, 15, Mode.primary(Optional.empty()));
    assertFalse(primary.containsKey("restore_command"), "recovery settings are a standby's");
    assertFalse(primary.containsKey("recovery_min_apply_delay"));
    assertFalse(primary.containsKey("recovery_target_time"));
    assertEquals("4MB", primary.get("work_mem"));
  }

  @Test
  void aBootstrapRestoreWithStandbyModeWaitsAsAStandby() throws Exception {
    PostgresConfig cfg = config(Map.of());
    Files.createDirectories(tmp.resolve("data"));
    ConfigFiles files = new ConfigFiles(new DataDirectory(tmp.resolve("data"), RunAs.invoker()));
    Map<String, String> targeted = ConfigFiles.recoverySettings(
        linked2("restore_command", "cp /a/%f %p", "standby_mode", "on", "pause_at_recovery_target", "false"), "test");
    files.write(cfg, 15, new Mode(false, Optional.empty(), Optional.empty(), Optional.of(targeted), Map.of()), List.of());
    assertTrue(Files.exists(tmp.resolve("data").resolve(ConfigFiles.STANDBY_SIGNAL)));
    assertFalse(Files.exists(tmp.resolve("data").resolve(ConfigFiles.RECOVERY_SIGNAL)));
    String conf = Files.readString(tmp.resolve("data").resolve(ConfigFiles.CONF));
    assertTrue(conf.contains("restore_command = 'cp /a/%f %p'"), conf);
    assertTrue(conf.contains("recovery_target_action = 'promote'"), "pause_at_recovery_target false: " + conf);
    assertFalse(conf.contains("standby_mode"), conf);

    files.write(cfg, 15, new Mode(false, Optional.empty(), Optional.empty(),
        Optional.of(Map.of("recovery_target_time", "2026-01-01")), Map.of()), List.of());
    assertTrue(Files.exists(tmp.resolve("data").resolve(ConfigFiles.RECOVERY_SIGNAL)), "a point-in-time restore");
    assertFalse(Files.exists(tmp.resolve("data").resolve(ConfigFiles.STANDBY_SIGNAL)));
  }

  @Test
  void recoverySettingsLeavePostgresqlAutoConf() throws Exception {
    PostgresConfig cfg = config(Map.of());
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    Files.writeString(data.resolve(ConfigFiles.AUTO_CONF), "# Do not edit this file manually!\n"
        + "work_mem = '16MB'\nprimary_conninfo = 'host=old-primary'\nrestore_command='cp /old/%f %p'\n"
        + "standby_mode = 'on'\n");
    new ConfigFiles(new DataDirectory(data, RunAs.invoker())).write(cfg, 15, Mode.standby(Optional.of(NODE2)), List.of());
    String auto = Files.readString(data.resolve(ConfigFiles.AUTO_CONF));
    assertEquals("# Do not edit this file manually!\nwork_mem = '16MB'\n", auto,
        "ALTER SYSTEM's recovery settings would override the generated ones");
  }

  @Test
  void aFenceIsLiftedOnlyWithItsMarkerAndNotByARewrite() throws Exception {
    PostgresConfig cfg = config(Map.of());
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    ConfigFiles files = new ConfigFiles(new DataDirectory(data, RunAs.invoker()));
    Files.writeString(data.resolve(ConfigFiles.AUTO_CONF), "# Do not edit this file manually!\n"
        + "work_mem = '16MB'\nprimus.fenced_by = 'node2 2026-12-07T21:00:00Z'\ndefault_transaction_read_only = 'on'\n");
    files.write(cfg, 15, Mode.primary(Optional.empty()), List.of());
    assertTrue(Files.readString(data.resolve(ConfigFiles.AUTO_CONF)).contains("primus.fenced_by"),
        "a rewrite of a server that may still run leaves the fence");
    assertTrue(files.liftFence());
    assertEquals("# Do not edit this file manually!\nwork_mem = '16MB'\n",
        Files.readString(data.resolve(ConfigFiles.AUTO_CONF)), "a fenced former primary must take writes once promoted");

    Files.writeString(data.resolve(ConfigFiles.AUTO_CONF), "default_transaction_read_only = 'on'\n");
    assertFalse(files.liftFence());
    assertEquals("default_transaction_read_only = 'on'\n", Files.readString(data.resolve(ConfigFiles.AUTO_CONF)),
        "without the marker the setting is the user's");
  }

  private static Map<String, String> linked2(String... kv) {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void synchronousStandbysAndTargetedRecovery() throws DriverException {
    PostgresConfig cfg = config(linked("parameters", linked("synchronous_standby_names", "*")));
    assertEquals("FIRST 1 (\"a\")", ConfigFiles.effectiveParameters(cfg, 15,
        Mode.primary(Optional.of("FIRST 1 (\"a\")"))).get("synchronous_standby_names"));
    assertEquals("*", ConfigFiles.effectiveParameters(cfg, 15, Mode.primary(Optional.empty())).get("synchronous_standby_names"));
    Map<String, String> pitr = ConfigFiles.effectiveParameters(cfg, 15,
        new Mode(false, Optional.empty(), Optional.empty(), Optional.of(Map.of("recovery_target_time", "2026-01-01")), Map.of()));
    assertEquals("2026-01-01", pitr.get("recovery_target_time"));
    assertEquals("promote", pitr.get("recovery_target_action"));
  }

  @Test
  void aStandbyNeverRunsBelowItsPrimarysLimits() throws DriverException {
    PostgresConfig cfg = config(linked("parameters", linked("max_connections", 50, "max_wal_senders", 20)));
    ControlData primarys = ControlData.parse("""
        max_connections setting:              200
        max_worker_processes setting:         8
        max_wal_senders setting:              10
        max_prepared_xacts setting:           5
        max_locks_per_xact setting:           64
        """);
    Map<String, Long> floors = ConfigFiles.floorsFrom(primarys);
    assertEquals(Map.of("max_connections", 200L, "max_worker_processes", 8L, "max_wal_senders", 10L,
        "max_prepared_transactions", 5L, "max_locks_per_transaction", 64L), floors);
    Map<String, String> p = ConfigFiles.effectiveParameters(cfg, 15, Mode.standby(Optional.of(NODE2)).withFloors(floors));
    assertEquals("200", p.get("max_connections"), "raised to the primary's");
    assertEquals("20", p.get("max_wal_senders"), "already higher: kept");
    assertEquals("5", p.get("max_prepared_transactions"), "unset, default 0: raised");
    assertFalse(p.containsKey("max_worker_processes"), "the default already suffices");
    Map<String, String> primary = ConfigFiles.effectiveParameters(cfg, 15, Mode.primary(Optional.empty()).withFloors(floors));
    assertEquals("50", primary.get("max_connections"), "a primary sets its own limits");
  }

  @Test
  void writesFilesAndReadsTheUpstreamBack() throws DriverException, IOException {
    PostgresConfig cfg = config(linked("pg_hba", List.of("local all all trust"), "pg_ident", List.of("m a b")));
    DataDirectory data = new DataDirectory(tmp.resolve("data"), RunAs.invoker());
    data.create();
    Files.writeString(data.resolve("postgresql.conf"), "max_connections = 100\n");
    ConfigFiles files = new ConfigFiles(data);

    Upstream odd = new Upstream("it's", "postgres://h:1/postgres");
    files.write(cfg, 15, Mode.standby(Optional.of(odd)), List.of());
    assertEquals("max_connections = 100\n", Files.readString(data.resolve("postgresql.base.conf")), "the original is kept");
    String conf = Files.readString(data.resolve("postgresql.conf"));
    assertTrue(conf.startsWith(ConfigFiles.HEADER), conf);
    assertTrue(conf.contains("include_if_exists 'postgresql.base.conf'\n"), conf);
    assertTrue(Files.exists(data.resolve("standby.signal")));
    assertEquals(Optional.of(odd), files.configuredUpstream());
    assertTrue(Files.readString(data.resolve("pg_hba.conf")).endsWith("local all all trust\n"));
    assertTrue(Files.readString(data.resolve("pg_ident.conf")).endsWith("m a b\n"));
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(data.resolve("postgresql.conf"))));

    // Written again: the generated file is not mistaken for an original.
    files.write(cfg, 15, Mode.primary(Optional.empty()), List.of("host all all 127.0.0.1/32 trust"));
    assertEquals("max_connections = 100\n", Files.readString(data.resolve("postgresql.base.conf")));
    assertFalse(Files.exists(data.resolve("standby.signal")));
    assertEquals(Optional.empty(), files.configuredUpstream());
    assertTrue(Files.readString(data.resolve("pg_hba.conf")).endsWith("host all all 127.0.0.1/32 trust\n"),
        "a bootstrap override wins over postgresql.pg_hba");
  }

  @Test
  void managedSynchronousStandbysAreReadBackButTheUsersAreNot() throws DriverException, IOException {
    PostgresConfig cfg = config(linked("parameters", linked("synchronous_standby_names", "user_choice")));
    DataDirectory data = new DataDirectory(tmp.resolve("data"), RunAs.invoker());
    data.create();
    ConfigFiles files = new ConfigFiles(data);

    files.write(cfg, 15, Mode.standby(Optional.of(NODE2)).withSyncStandbys(Optional.of("FIRST 1 (\"it's\")")), List.of());
    assertEquals(Optional.of("FIRST 1 (\"it's\")"), files.configuredSyncStandbys(), "kept through a restart of the agent");
    assertEquals("FIRST 1 (\"it's\")", ConfigFiles.effectiveParameters(cfg, 15,
        Mode.primary(Optional.of("FIRST 1 (\"it's\")"))).get("synchronous_standby_names"), "overrides the user's");

    files.write(cfg, 15, Mode.primary(Optional.empty()), List.of());
    assertEquals(Optional.empty(), files.configuredSyncStandbys(), "the user's value is not Primus's");
    assertEquals("user_choice", ConfigFiles.effectiveParameters(cfg, 15, Mode.primary(Optional.empty()))
        .get("synchronous_standby_names"));
  }

  @Test
  void restoresItsFilesAfterACopyOverwroteThem() throws DriverException, IOException {
    PostgresConfig cfg = config(Map.of());
    DataDirectory data = new DataDirectory(tmp.resolve("data"), RunAs.invoker());
    data.create();
    ConfigFiles files = new ConfigFiles(data);
    Files.writeString(data.resolve("pg_hba.conf"), "mine\n");
    Files.writeString(data.resolve("postgresql.base.conf"), "base mine\n");
    Map<String, String> own = files.snapshot();
    Files.writeString(data.resolve("pg_hba.conf"), "theirs\n");
    Files.writeString(data.resolve("postgresql.base.conf"), "base theirs\n");
    files.restore(own);
    files.write(cfg, 15, Mode.standby(Optional.of(NODE2)), List.of());
    assertEquals("mine\n", Files.readString(data.resolve("pg_hba.conf")));
    assertEquals("base mine\n", Files.readString(data.resolve("postgresql.base.conf")));
    assertTrue(Files.readString(data.resolve("postgresql.conf")).contains("port = '5433'"));
  }

  @Test
  void pgpassEscapesAndKeepsOneLinePerUser() {
    var a = new PostgresConfig.Credentials("repl", Optional.of("p:w\\"), Map.of());
    var b = new PostgresConfig.Credentials("repl", Optional.of("other"), Map.of());
    var none = new PostgresConfig.Credentials("nopw", Optional.empty(), Map.of());
    var su = new PostgresConfig.Credentials("postgres", Optional.of("s"), Map.of());
    assertEquals("*:*:*:repl:p\\:w\\\\\n*:*:*:postgres:s\n", Pgpass.render(List.of(a, b, none, su)));
  }

  @Test
  void connUrls() throws DriverException {
    assertEquals(new ConnUrl("10.0.0.2", 5433), ConnUrl.parse("postgres://10.0.0.2:5433/postgres"));
    assertEquals(new ConnUrl("db", 5432), ConnUrl.parse("postgresql://u:p@db/postgres"));
    assertEquals("[::1]", ConnUrl.parse("postgres://[::1]:5432/postgres").jdbcHost());
    org.junit.jupiter.api.Assertions.assertThrows(DriverException.class, () -> ConnUrl.parse("http://x:1/"));
    org.junit.jupiter.api.Assertions.assertThrows(DriverException.class, () -> ConnUrl.parse("postgres:///postgres"));
  }
}
