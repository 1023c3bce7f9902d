package dev.primus.runner.config;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The keys one section may hold: those Primus reads, those Patroni knows but Primus ignores for now
 * (each with why), and those Patroni knows that Primus refuses because ignoring them would change what is
 * safe (each with why). Anything else is a misspelling. Every section's table lives here, so moving a key
 * from "not yet" to "supported" is a one-line change next to the code that starts reading it.
 *
 * @param supported     keys read into the typed records
 * @param unimplemented Patroni keys accepted with a warning, key to what the warning says
 * @param unsupported   Patroni keys that stop the configuration with an error, key to what it says
 */
record Schema(Set<String> supported, Map<String, String> unimplemented, Map<String, String> unsupported) {
  private static final String NOT_YET = "not implemented by Primus yet; ignored";

  Schema {
    supported = Set.copyOf(supported);
    unimplemented = Map.copyOf(unimplemented);
    unsupported = Map.copyOf(unsupported);
  }

  static Schema of(List<String> supported, String... unimplemented) {
    Map<String, String> u = new LinkedHashMap<>();
    for (String k : unimplemented) {
      u.put(k, NOT_YET);
    }
    return new Schema(new LinkedHashSet<>(supported), u, Map.of());
  }

  Schema withUnimplemented(String key, String why) {
    Map<String, String> u = new LinkedHashMap<>(unimplemented);
    u.put(key, why);
    return new Schema(supported, u, unsupported);
  }

  /** {@code key} is refused: its absence would change what is safe, so it cannot be ignored. */
  Schema withUnsupported(String key, String why) {
    Map<String, String> u = new LinkedHashMap<>(unsupported);
    u.put(key, why);
    return new Schema(supported, unimplemented, u);
  }

  /** Every key a section may hold, for suggestions. */
  Set<String> all() {
    Set<String> s = new LinkedHashSet<>(supported);
    s.addAll(unimplemented.keySet());
    s.addAll(unsupported.keySet());
    return s;
  }

  /** The DCS sections Patroni knows; exactly one must be present. */
  static final List<String> DCS_TYPES = List.of("etcd3", "etcd", "zookeeper", "consul", "kubernetes", "raft", "exhibitor");

  /** DCS types Primus ships a provider for; the others need a plugin. */
  static final Set<String> BUILT_IN_DCS = Set.of("etcd3", "zookeeper", "consul");

  static final Schema ROOT = Schema.of(List.of("scope", "namespace", "name", "log", "restapi", "ctl", "bootstrap",
      "postgresql", "tags", "watchdog", "primus", "etcd3", "etcd", "zookeeper", "consul", "kubernetes", "raft", "exhibitor"))
      .withUnimplemented("citus", "Citus is not implemented by Primus yet; the section is ignored");

  static final Schema LOG = Schema.of(List.of("level", "format", "dateformat", "dir", "file_num", "file_size",
      "loggers"), "traceback_level", "max_queue_size", "mode", "type", "static_fields", "deduplicate_heartbeat_logs");

  static final Schema RESTAPI = Schema.of(List.of("listen", "connect_address", "authentication", "certfile",
      "keyfile", "keyfile_password", "cafile", "verify_client", "allowlist", "allowlist_include_members",
      "http_extra_headers", "https_extra_headers", "request_queue_size"), "crlfile", "ciphers", "server_tokens");

  /** Primus's own top-level section: settings no Patroni has. */
  static final Schema PRIMUS = Schema.of(List.of("patroni_version"));

  static final Schema AUTH = Schema.of(List.of("username", "password"));

  static final Schema CTL = Schema.of(List.of("authentication", "insecure", "cacert", "certfile", "keyfile",
      "keyfile_password"));

  // bootstrap.pg_hba: deprecated by Patroni, still read by it and by the driver (the lines written at bootstrap)
  static final Schema BOOTSTRAP = Schema.of(List.of("dcs", "method", "initdb", "post_bootstrap", "post_init", "pg_hba"))
      .withUnimplemented("users", "deprecated by Patroni and not implemented by Primus; create users in the"
          + " post_bootstrap script; ignored")
;

  static final Schema BOOTSTRAP_METHOD = Schema.of(List.of("command", "keep_existing_recovery_conf", "no_params",
      "recovery_conf"));

  static final Schema DYNAMIC = Schema.of(List.of("ttl", "loop_wait", "retry_timeout", "maximum_lag_on_failover",
      "maximum_lag_on_syncnode", "primary_start_timeout", "primary_stop_timeout", "master_start_timeout",
      "master_stop_timeout", "synchronous_mode", "synchronous_mode_strict", "synchronous_node_count",
      "check_timeline", "member_slots_ttl", "postgresql", "slots", "ignore_slots", "max_timelines_history", "pause",
      "primary_race_backoff", "failsafe_mode"))
      .withUnsupported("standby_cluster", Refusals.STANDBY_CLUSTER);

  static final Schema DYNAMIC_POSTGRESQL = Schema.of(List.of("use_pg_rewind", "use_slots", "parameters", "pg_hba",
      "pg_ident"), "recovery_conf", "parameters_primary", "parameters_replica", "parameters_standby_leader",
      "pg_hba_primary", "pg_hba_replica", "pg_hba_standby_leader", "pg_ident_primary", "pg_ident_replica",
      "pg_ident_standby_leader");

  static final Schema POSTGRESQL = Schema.of(List.of("listen", "connect_address", "proxy_address", "data_dir",
      "bin_dir", "bin_name", "config_dir", "pgpass", "database", "authentication", "parameters", "pg_hba", "pg_ident",
      "create_replica_methods", "basebackup", "callbacks", "use_unix_socket", "use_unix_socket_repl",
      "remove_data_directory_on_rewind_failure", "remove_data_directory_on_diverged_timelines", "pg_ctl_timeout",
      "use_pg_rewind", "use_slots", "os_user", "pre_promote",
      // Primus extensions: callback_timeout for the runner; log_dir and command_timeout read by the database
      // driver only (they reach it through the untyped tree)
      "callback_timeout", "log_dir", "command_timeout"), "recovery_conf", "custom_conf", "before_stop",
      "config_base_name");

  static final Schema PG_AUTHENTICATION = Schema.of(List.of("superuser", "replication", "rewind"));

  /** libpq options of a user besides username and passwords. */
  static final List<String> LIBPQ_OPTIONS = List.of("sslmode", "sslkey", "sslcert", "sslrootcert", "sslcrl",
      "sslcrldir", "gssencmode", "channel_binding", "sslnegotiation");

  static final Schema PG_USER;

  static {
    List<String> user = new java.util.ArrayList<>(List.of("username", "password", "sslpassword"));
    user.addAll(LIBPQ_OPTIONS);
    PG_USER = Schema.of(user);
  }

  static final Schema BIN_NAME = Schema.of(List.of("pg_ctl", "initdb", "pg_controldata", "pg_basebackup",
      "postgres", "pg_isready", "pg_rewind"));

  static final Schema CALLBACKS = Schema.of(List.of("on_start", "on_stop", "on_restart", "on_reload",
      "on_role_change"));

  static final Schema WATCHDOG = Schema.of(List.of("mode", "device", "safety_margin", "driver"));

  static final Schema CITUS = Schema.of(List.of("group", "database"));

  /** Tags Patroni gives meaning to; any other tag is a custom one and allowed. */
  static final List<String> KNOWN_TAGS = List.of("nofailover", "noloadbalance", "clonefrom", "replicatefrom",
      "nosync", "nostream", "failover_priority");
}
