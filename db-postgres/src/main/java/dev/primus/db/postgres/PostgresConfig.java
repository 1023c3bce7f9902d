package dev.primus.db.postgres;

import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import dev.primus.ha.driver.DriverSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The driver's configuration, read once from Patroni's {@code postgresql:} and {@code bootstrap:}
 * sections plus the dynamic {@code postgresql} settings. Unknown keys are errors; keys that belong to
 * the runner (callbacks, proxy address) are accepted and left to it.
 *
 * @param memberName          this member's name: the replicas' {@code application_name} and slot name
 * @param scope               the cluster name, for {@code cluster_name} and custom scripts' {@code --scope}
 * @param dataDir             {@code data_dir}
 * @param binDir              {@code bin_dir}; empty means search the usual places
 * @param listenAddresses     the host part of {@code listen}
 * @param port                the port of {@code listen}
 * @param connectAddress      {@code connect_address}, published by the runner
 * @param logDir              Primus extension {@code log_dir}: server log and command logs
 * @param pgpass              {@code pgpass}: the password file Primus writes for the tools and the walreceiver
 * @param superuser           {@code authentication.superuser}
 * @param replication         {@code authentication.replication}
 * @param rewind              {@code authentication.rewind}, the superuser when absent
 * @param parameters          local {@code parameters} overlaid by the dynamic ones, rendered as text
 * @param pgHba               {@code pg_hba} lines; empty leaves pg_hba.conf alone
 * @param pgIdent             {@code pg_ident} lines; empty leaves pg_ident.conf alone
 * @param recoveryConf        {@code recovery_conf}: extra settings while a standby (restore_command, ...), in
 *                            PostgreSQL 12+ names ({@link ConfigFiles#recoverySettings})
 * @param replicaMethods      {@code create_replica_methods} in order, each with its section
 * @param usePgRewind         {@code use_pg_rewind}
 * @param useSlots            {@code use_slots} (dynamic), whether a standby names its slot
 * @param removeDataDirectoryOnRewindFailure {@code remove_data_directory_on_rewind_failure}
 * @param pgCtlTimeout        {@code pg_ctl_timeout}: start and stop inside longer operations
 * @param commandTimeout      Primus extension {@code command_timeout}: initdb, pg_basebackup,
 *                            pg_rewind, custom scripts
 * @param osUser              Primus extension {@code os_user}: run PostgreSQL as this user when Primus is root
 * @param bootstrap           the {@code bootstrap:} section
 * @param useUnixSocket       {@code use_unix_socket}: the driver's own connections (JDBC, post_bootstrap) go
 *                            over the server's Unix-domain socket, as Patroni's do ({@link LocalAddress})
 */
record PostgresConfig(
    String memberName,
    Optional<String> scope,
    Path dataDir,
    Optional<Path> binDir,
    String listenAddresses,
    int port,
    Optional<String> connectAddress,
    Path logDir,
    Path pgpass,
    Credentials superuser,
    Credentials replication,
    Credentials rewind,
    Map<String, String> parameters,
    List<String> pgHba,
    List<String> pgIdent,
    Map<String, String> recoveryConf,
    List<ReplicaMethod> replicaMethods,
    boolean usePgRewind,
    boolean useSlots,
    boolean removeDataDirectoryOnRewindFailure,
    Duration pgCtlTimeout,
    Duration commandTimeout,
    Optional<String> osUser,
    BootstrapConfig bootstrap,
    boolean useUnixSocket) {

  static final long DEFAULT_PG_CTL_TIMEOUT_SECONDS = 60;
  static final long DEFAULT_COMMAND_TIMEOUT_SECONDS = 86_400;
  static final String DEFAULT_SUPERUSER = "postgres";

  /** Keys of the {@code postgresql:} section the driver reads. */
  static final Set<String> SECTION_KEYS = Set.of(
      "listen", "connect_address", "data_dir", "bin_dir", "pgpass", "authentication", "parameters", "pg_hba",
      "pg_ident", "recovery_conf", "create_replica_methods", "basebackup", "use_pg_rewind",
      "remove_data_directory_on_rewind_failure", "pg_ctl_timeout", "use_slots",
      // Primus extensions
      "os_user", "log_dir", "scope", "command_timeout", "use_unix_socket");

  /**
   * Patroni keys of the {@code postgresql:} section that the runner acts on (scripts around role
   * changes, proxy and socket choices) or that the runner decides (diverged timelines); accepted here.
   */
  static final Set<String> RUNNER_KEYS = Set.of(
      "callbacks", "pre_promote", "before_stop", "proxy_address", "use_unix_socket_repl",
      "remove_data_directory_on_diverged_timelines", "krbsrvname",
      // Primus extension
      "callback_timeout");

  /** Patroni keys that change where files live; refused rather than silently ignored. */
  static final Set<String> UNSUPPORTED_KEYS = Set.of("config_dir", "custom_conf", "bin_name", "replica_method");

  private static final Set<String> BASEBACKUP_RESERVED = Set.of(
      "pgdata", "D", "format", "F", "wal-method", "X", "xlog-method", "gzip", "z", "compress", "Z", "version",
      "dbname", "d", "host", "h", "port", "p", "username", "U", "password", "W", "write-recovery-conf", "R");
  private static final Set<String> INITDB_RESERVED = Set.of(
      "pgdata", "D", "pwfile", "pwprompt", "W", "username", "U", "sync-only", "S", "version", "V", "show");
  /** Parameters that would move the files the driver writes. */
  private static final Set<String> FILE_PARAMETERS = Set.of("data_directory", "config_file", "hba_file", "ident_file");
  private static final Set<String> METHOD_FLAGS = Set.of("command", "no_leader", "no_master", "keep_data", "no_params");
  private static final Set<String> CREDENTIAL_KEYS = Set.of(
      "username", "password", "sslmode", "sslkey", "sslcert", "sslrootcert", "sslpassword", "sslcrl", "sslcrldir",
      "sslnegotiation", "gssencmode", "channel_binding");

  PostgresConfig {
    Objects.requireNonNull(memberName, "memberName");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(binDir, "binDir");
    Objects.requireNonNull(listenAddresses, "listenAddresses");
    Objects.requireNonNull(connectAddress, "connectAddress");
    Objects.requireNonNull(logDir, "logDir");
    Objects.requireNonNull(pgpass, "pgpass");
    Objects.requireNonNull(superuser, "superuser");
    Objects.requireNonNull(replication, "replication");
    Objects.requireNonNull(rewind, "rewind");
    parameters = java.util.Collections.unmodifiableMap(new TreeMap<>(parameters));
    pgHba = List.copyOf(pgHba);
    pgIdent = List.copyOf(pgIdent);
    recoveryConf = java.util.Collections.unmodifiableMap(new TreeMap<>(recoveryConf));
    replicaMethods = List.copyOf(replicaMethods);
    Objects.requireNonNull(pgCtlTimeout, "pgCtlTimeout");
    Objects.requireNonNull(commandTimeout, "commandTimeout");
    Objects.requireNonNull(osUser, "osUser");
    Objects.requireNonNull(bootstrap, "bootstrap");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }

  /** The same configuration with another parameter set (parameters change at run time). */
  PostgresConfig withParameters(Map<String, String> newParameters) {
    return new PostgresConfig(memberName, scope, dataDir, binDir, listenAddresses, port, connectAddress, logDir,
        pgpass, superuser, replication, rewind, newParameters, pgHba, pgIdent, recoveryConf, replicaMethods,
        usePgRewind, useSlots, removeDataDirectoryOnRewindFailure, pgCtlTimeout, commandTimeout, osUser, bootstrap,
        useUnixSocket);
  }

  /** Where the driver connects over TCP to its own server: the first listen address, loopback for wildcards. */
  String localHost() {
    String first = listenAddresses.split(",")[0].trim();
    return switch (first) {
      case "", "*", "0.0.0.0" -> "127.0.0.1";
      case "::" -> "::1";
      default -> first;
    };
  }

  /** A user and its password plus libpq options such as {@code sslmode}. The password never prints. */
  record Credentials(String username, Optional<String> password, Map<String, String> options) {
    Credentials {
      Objects.requireNonNull(username, "username");
      Objects.requireNonNull(password, "password");
      options = java.util.Collections.unmodifiableMap(new TreeMap<>(options));
    }

    @Override
    public String toString() {
      return "Credentials[username=" + username + ", password=" + (password.isPresent() ? "***" : "none")
          + ", options=" + options + "]";
    }
  }

  /**
   * One entry of {@code create_replica_methods}.
   *
   * @param name          the method name; {@code basebackup} is built in
   * @param command       the custom command split into words; empty for basebackup
   * @param arguments     basebackup options, or the custom method's extra {@code --name=value} arguments
   * @param noLeader      the method works without a member to clone from (restore from a backup)
   * @param keepData      do not empty the data directory before running it
   * @param noParams      do not add {@code --scope --role --datadir --connstring}
   * @param flagArguments the flags above as the section gives them ({@code --no_leader=True}...): Patroni
   *                      passes them on with its parameters, and leaves them out with {@code no_params}
   */
  record ReplicaMethod(String name, List<String> command, List<String> arguments, boolean noLeader, boolean keepData,
      boolean noParams, List<String> flagArguments) {
    ReplicaMethod {
      Objects.requireNonNull(name, "name");
      command = List.copyOf(command);
      arguments = List.copyOf(arguments);
      flagArguments = List.copyOf(flagArguments);
    }

    boolean isBasebackup() {
      return command.isEmpty();
    }
  }

  /**
   * The {@code bootstrap:} section.
   *
   * @param initdbArguments {@code initdb} options as long options
   * @param pgHba           {@code pg_hba} lines written at bootstrap; empty falls back to {@code postgresql.pg_hba}
   * @param postBootstrap   {@code post_bootstrap} (or {@code post_init}) split into words
   * @param custom          {@code method} other than initdb, with its section
   */
  record BootstrapConfig(List<String> initdbArguments, List<String> pgHba, Optional<List<String>> postBootstrap,
      Optional<CustomBootstrap> custom) {
    BootstrapConfig {
      initdbArguments = List.copyOf(initdbArguments);
      pgHba = List.copyOf(pgHba);
      Objects.requireNonNull(postBootstrap, "postBootstrap");
      Objects.requireNonNull(custom, "custom");
    }
  }

  /**
   * A custom bootstrap method.
   *
   * @param name                     its name ({@code bootstrap.method})
   * @param command                  the command split into words
   * @param noParams                 do not add {@code --scope --datadir}
   * @param keepExistingRecoveryConf keep the recovery settings and signal files the script left
   * @param recoveryConf             recovery settings for a point-in-time restore, empty when absent
   */
  record CustomBootstrap(String name, List<String> command, boolean noParams,
      boolean keepExistingRecoveryConf, Optional<Map<String, String>> recoveryConf) {
    CustomBootstrap {
      Objects.requireNonNull(name, "name");
      command = List.copyOf(command);
      Objects.requireNonNull(recoveryConf, "recoveryConf");
    }
  }

  /** Reads and validates the settings. Every error is {@code INVALID_CONFIG} and names its key. */
  static PostgresConfig from(DriverSettings settings) throws DriverException {
    Keys pg = new Keys(settings.section(), "postgresql");
    Keys dyn = new Keys(settings.dynamic(), "dynamic postgresql");
    checkKeys(pg);

    String dataDirText = pg.required("data_dir");
    Path dataDir = Path.of(dataDirText).toAbsolutePath().normalize();
    if (dataDir.getParent() == null) {
      throw new DriverException(Kind.INVALID_CONFIG, "postgresql.data_dir must not be the root directory");
    }
    Optional<Path> binDir = pg.string("bin_dir").map(p -> Path.of(p).toAbsolutePath().normalize());

    String listen = pg.required("listen");
    int colon = listen.lastIndexOf(':');
    if (colon < 0) {
      throw new DriverException(Kind.INVALID_CONFIG, "postgresql.listen must be 'addresses:port', got '" + listen + "'");
    }
    String addresses = listen.substring(0, colon).trim();
    if (addresses.startsWith("[") && addresses.endsWith("]")) {
      addresses = addresses.substring(1, addresses.length() - 1);
    }
    int port = parsePort(listen.substring(colon + 1), "postgresql.listen");
    Optional<String> connectAddress = pg.string("connect_address");
    if (connectAddress.isPresent()) {
      String ca = connectAddress.get();
      int c = ca.lastIndexOf(':');
      if (c <= 0) {
        throw new DriverException(Kind.INVALID_CONFIG, "postgresql.connect_address must be 'host:port', got '" + ca + "'");
      }
      parsePort(ca.substring(c + 1), "postgresql.connect_address");
    }

    Path logDir = pg.string("log_dir").map(p -> Path.of(p).toAbsolutePath().normalize())
        .orElse(dataDir.resolveSibling(dataDir.getFileName() + ".primus-log"));
    if (logDir.startsWith(dataDir)) {
      throw new DriverException(Kind.INVALID_CONFIG,
          "postgresql.log_dir must be outside data_dir: the data directory is emptied on reinitialize");
    }
    Path pgpass = pg.string("pgpass").map(p -> Path.of(p).toAbsolutePath().normalize())
        .orElse(logDir.resolve("pgpass"));

    Keys auth = pg.section("authentication");
    for (String k : auth.names()) {
      if (!Set.of("superuser", "replication", "rewind").contains(k)) {
        throw new DriverException(Kind.INVALID_CONFIG, "unknown key postgresql.authentication." + k);
      }
    }
    Credentials superuser = credentials(auth.section("superuser"), DEFAULT_SUPERUSER);
    if (!auth.has("replication")) {
      throw new DriverException(Kind.INVALID_CONFIG, "postgresql.authentication.replication.username is required");
    }
    Credentials replication = credentials(auth.section("replication"), null);
    Credentials rewind = auth.has("rewind") ? credentials(auth.section("rewind"), null) : superuser;

    Map<String, String> parameters = new LinkedHashMap<>();
    putParameters(parameters, pg.map("parameters"), "postgresql.parameters");
    putParameters(parameters, dyn.map("parameters"), "dynamic postgresql.parameters");

    List<String> pgHba = dyn.has("pg_hba") ? dyn.strings("pg_hba") : pg.strings("pg_hba");
    List<String> pgIdent = dyn.has("pg_ident") ? dyn.strings("pg_ident") : pg.strings("pg_ident");
    checkLines(pgHba, "postgresql.pg_hba");
    checkLines(pgIdent, "postgresql.pg_ident");
    Map<String, String> recoveryConf = new LinkedHashMap<>();
    putParameters(recoveryConf, pg.map("recovery_conf"), "postgresql.recovery_conf");
    putParameters(recoveryConf, dyn.map("recovery_conf"), "dynamic postgresql.recovery_conf");
    recoveryConf = ConfigFiles.recoverySettings(recoveryConf, "postgresql.recovery_conf");

    List<ReplicaMethod> methods = replicaMethods(pg);

    boolean usePgRewind = dyn.has("use_pg_rewind") ? dyn.bool("use_pg_rewind", false) : pg.bool("use_pg_rewind", false);
    boolean useSlots = dyn.has("use_slots") ? dyn.bool("use_slots", true) : pg.bool("use_slots", true);

    Optional<String> osUser = pg.string("os_user");
    if (osUser.isPresent() && !osUser.get().matches("[A-Za-z_][A-Za-z0-9_.-]*\\$?")) {
      throw new DriverException(Kind.INVALID_CONFIG, "postgresql.os_user: '" + osUser.get() + "' is not a user name");
    }

    return new PostgresConfig(
        settings.memberName(),
        pg.string("scope"),
        dataDir,
        binDir,
        addresses,
        port,
        connectAddress,
        logDir,
        pgpass,
        superuser,
        replication,
        rewind,
        parameters,
        pgHba,
        pgIdent,
        recoveryConf,
        methods,
        usePgRewind,
        useSlots,
        pg.bool("remove_data_directory_on_rewind_failure", false),
        Duration.ofSeconds(pg.positiveLong("pg_ctl_timeout", DEFAULT_PG_CTL_TIMEOUT_SECONDS)),
        Duration.ofSeconds(pg.positiveLong("command_timeout", DEFAULT_COMMAND_TIMEOUT_SECONDS)),
        osUser,
        bootstrap(new Keys(settings.bootstrap(), "bootstrap")),
        pg.bool("use_unix_socket", false));
  }

  private static void checkKeys(Keys pg) throws DriverException {
    Set<String> methodNames = new HashSet<>(pg.strings("create_replica_methods"));
    Set<String> unknown = new TreeSet<>();
    for (String k : pg.names()) {
      if (UNSUPPORTED_KEYS.contains(k)) {
        throw new DriverException(Kind.INVALID_CONFIG, "postgresql." + k + " is not supported by Primus");
      }
      if (!SECTION_KEYS.contains(k) && !RUNNER_KEYS.contains(k) && !methodNames.contains(k)) {
        unknown.add("postgresql." + k);
      }
    }
    if (!unknown.isEmpty()) {
      throw new DriverException(Kind.INVALID_CONFIG, "unknown key(s) " + unknown
          + " (a replica method section must be named in postgresql.create_replica_methods)");
    }
  }

  private static int parsePort(String text, String key) throws DriverException {
    try {
      int p = Integer.parseInt(text.trim());
      if (p < 1 || p > 65535) {
        throw new NumberFormatException();
      }
      return p;
    } catch (NumberFormatException e) {
      throw new DriverException(Kind.INVALID_CONFIG, key + ": '" + text + "' is not a port");
    }
  }

  private static Credentials credentials(Keys keys, String defaultUser) throws DriverException {
    for (String k : keys.names()) {
      if (!CREDENTIAL_KEYS.contains(k)) {
        throw new DriverException(Kind.INVALID_CONFIG, "unknown key " + keys.key(k));
      }
    }
    String user = defaultUser == null ? keys.required("username") : keys.string("username").orElse(defaultUser);
    Map<String, String> options = new TreeMap<>();
    for (String k : keys.names()) {
      if (!k.equals("username") && !k.equals("password")) {
        keys.string(k).ifPresent(v -> options.put(k, v));
      }
    }
    Object pw = keys.raw("password");
    Optional<String> password = pw == null ? Optional.empty() : Optional.of(Quoting.scalar(pw, keys.key("password")));
    return new Credentials(user, password, options);
  }

  private static void putParameters(Map<String, String> into, Map<String, Object> from, String key) throws DriverException {
    for (Map.Entry<String, Object> e : from.entrySet()) {
      String name = Quoting.parameterName(e.getKey(), key);
      if (FILE_PARAMETERS.contains(name)) {
        throw new DriverException(Kind.INVALID_CONFIG, key + "." + name
            + " is not allowed: Primus owns the configuration files inside data_dir");
      }
      if (e.getValue() == null) {
        into.remove(name);
      } else {
        into.put(name, Quoting.scalar(e.getValue(), key + "." + name));
      }
    }
  }

  private static void checkLines(List<String> lines, String key) throws DriverException {
    for (String line : lines) {
      Quoting.scalar(line, key);
    }
  }

  private static List<ReplicaMethod> replicaMethods(Keys pg) throws DriverException {
    List<String> names = pg.strings("create_replica_methods");
    if (names.isEmpty()) {
      names = List.of("basebackup");
    }
    List<ReplicaMethod> methods = new ArrayList<>();
    for (String name : names) {
      if (name.equals("basebackup")) {
        methods.add(new ReplicaMethod(name, List.of(),
            ToolOptions.toArguments(pg.raw("basebackup"), BASEBACKUP_RESERVED, "postgresql.basebackup"),
            false, false, false, List.of()));
        continue;
      }
      Keys m = pg.section(name);
      List<String> command = Quoting.splitCommand(m.string("command").orElse(name), m.key("command"));
      List<String> args = new ArrayList<>();
      List<String> flags = new ArrayList<>();
      for (String k : m.names()) {
        if (k.equals("command") || Set.of("scope", "role", "datadir", "connstring").contains(k)) {
          continue;
        }
        Object v = m.raw(k);
        if (v != null) {
          (METHOD_FLAGS.contains(k) ? flags : args).add("--" + k + "=" + Quoting.scriptArgument(v, m.key(k)));
        }
      }
      methods.add(new ReplicaMethod(name, command, args, m.bool("no_leader", false) || m.bool("no_master", false),
          m.bool("keep_data", false), m.bool("no_params", false), flags));
    }
    return methods;
  }

  private static BootstrapConfig bootstrap(Keys b) throws DriverException {
    String method = b.string("method").orElse("initdb");
    Set<String> known = new HashSet<>(Set.of("dcs", "initdb", "pg_hba", "post_bootstrap", "post_init", "method", "users"));
    known.add(method);
    for (String k : b.names()) {
      if (!known.contains(k)) {
        // Patroni lets several custom methods be defined while one is chosen: a section with a command is fine.
        Object v = b.raw(k);
        if (!(v instanceof Map<?, ?> m && m.containsKey("command"))) {
          throw new DriverException(Kind.INVALID_CONFIG, "unknown key bootstrap." + k);
        }
      }
    }
    if (b.has("users")) {
      throw new DriverException(Kind.INVALID_CONFIG,
          "bootstrap.users is not supported (Patroni dropped it in 4.0): create users in bootstrap.post_bootstrap");
    }
    List<String> initdb = ToolOptions.toArguments(b.raw("initdb"), INITDB_RESERVED, "bootstrap.initdb");
    List<String> pgHba = b.strings("pg_hba");
    checkLines(pgHba, "bootstrap.pg_hba");
    Optional<String> post = b.string("post_bootstrap");
    if (post.isEmpty()) {
      post = b.string("post_init");
    }
    Optional<List<String>> postBootstrap = post.isPresent()
        ? Optional.of(Quoting.splitCommand(post.get(), "bootstrap.post_bootstrap"))
        : Optional.empty();
    Optional<CustomBootstrap> custom = Optional.empty();
    if (!method.equals("initdb")) {
      Keys m = b.section(method);
      String command = m.string("command").orElseThrow(() -> new DriverException(Kind.INVALID_CONFIG,
          "bootstrap." + method + ".command is required for bootstrap.method '" + method + "'"));
      // Patroni 3.0.2 hands a custom bootstrap command --scope and --datadir and nothing else: the
      // section's other keys are for the command's own reading of the configuration, never arguments.
      Optional<Map<String, String>> recovery = Optional.empty();
      if (m.has("recovery_conf")) {
        Map<String, String> rc = new LinkedHashMap<>();
        putParameters(rc, m.map("recovery_conf"), m.key("recovery_conf"));
        recovery = Optional.of(ConfigFiles.recoverySettings(rc, m.key("recovery_conf")));
      }
      custom = Optional.of(new CustomBootstrap(method, Quoting.splitCommand(command, m.key("command")),
          m.bool("no_params", false), m.bool("keep_existing_recovery_conf", false), recovery));
    }
    return new BootstrapConfig(initdb, pgHba, postBootstrap, custom);
  }
}
