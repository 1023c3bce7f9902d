package dev.primus.runner.config;

import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.PatroniDialect;
import dev.primus.dcs.model.SynchronousMode;
import dev.primus.dcs.model.Tags;
import dev.primus.ha.Timings;
import dev.primus.runner.config.ConfigError.Kind;
import dev.primus.runner.config.PostgresqlConfig.Authentication;
import dev.primus.agent.CallbackScripts;
import dev.primus.agent.CommandWords;
import dev.primus.agent.Watchdog.Mode;
import dev.primus.agent.watchdog.SafetyMargin;
import dev.primus.runner.config.PostgresqlConfig.Credentials;
import dev.primus.runner.config.RestApiConfig.VerifyClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns the effective YAML tree into records, section by section, recording every problem. Builds the
 * {@link PatroniConfig} only if there was none.
 */
final class ConfigBinder {
  private static final Set<String> LOG_LEVELS = Set.of("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL");
  private static final Pattern CIDR = Pattern.compile("[0-9A-Fa-f.:]+/\\d{1,3}");
  private static final long MAX_INT = Integer.MAX_VALUE;

  private final Problems problems;
  private final Map<String, String> env;

  ConfigBinder(Problems problems, Map<String, String> env) {
    this.problems = problems;
    this.env = env;
  }

  Optional<PatroniConfig> bind(Map<String, Object> tree) {
    Section root = Section.root(tree, problems);
    root.checkKeys(Schema.ROOT);

    Optional<String> scope = root.requiredString("scope").filter(s -> noSlash(root, "scope", s));
    String namespace = normalizeNamespace(root.nonBlankString("namespace").orElse(PatroniConfig.DEFAULT_NAMESPACE));
    Optional<String> name = root.requiredString("name").filter(s -> noSlash(root, "name", s));

    LogConfig log = log(root.section("log"));
    RestApiConfig restapi = restapi(root.section("restapi"));
    CtlConfig ctl = ctl(root.section("ctl"));
    DcsSection dcs = dcs(root);
    BootstrapConfig bootstrap = bootstrap(root.section("bootstrap"));
    PostgresqlConfig postgresql = postgresql(root.section("postgresql"));
    Tags tags = tags(root.section("tags"));
    WatchdogConfig watchdog = watchdog(root.section("watchdog"));
    Optional<CitusConfig> citus = citus(root.section("citus"));
    PatroniDialect dialect = primus(root.section("primus"));

    if (problems.hasErrors()) {
      return Optional.empty();
    }
    return Optional.of(new PatroniConfig(scope.orElseThrow(), namespace, name.orElseThrow(), log, restapi, ctl, dcs,
        bootstrap, postgresql, tags, watchdog, citus, dialect, new ConfigTree(tree)));
  }

  private boolean noSlash(Section s, String key, String value) {
    if (value.contains("/")) {
      problems.error(Kind.INVALID_VALUE, s.pathOf(key), "must not contain '/' (it becomes part of DCS key paths),"
          + " got '" + value + "'");
      return false;
    }
    return true;
  }

  /** {@code service}, {@code /service} and {@code /service/} all mean {@code /service/}. */
  static String normalizeNamespace(String ns) {
    return ("/" + ns.trim() + "/").replaceAll("/{2,}", "/");
  }

  // ---- log ----------------------------------------------------------------------------------

  private LogConfig log(Section s) {
    s.checkKeys(Schema.LOG);
    String level = logLevel(s, "level").orElse(LogConfig.DEFAULT_LEVEL);
    Optional<String> format = Optional.empty();
    if (s.raw("format").orElse(null) instanceof List) {
      problems.warn(s.pathOf("format"), "a list of fields (JSON logs) is not implemented by Primus yet; the default"
          + " format is used");
    } else {
      format = s.string("format");
    }
    Optional<String> dateFormat = s.string("dateformat");
    Optional<Path> dir = s.nonBlankString("dir").map(Path::of);
    int fileNum = s.integer("file_num", 1, MAX_INT).map(Long::intValue).orElse(LogConfig.DEFAULT_FILE_NUM);
    long fileSize = s.bytes("file_size", 1, Long.MAX_VALUE).orElse(LogConfig.DEFAULT_FILE_SIZE);
    Map<String, String> loggers = new LinkedHashMap<>();
    Section ls = s.section("loggers");
    for (String logger : ls.values().keySet()) {
      logLevel(ls, logger).ifPresent(l -> loggers.put(logger, l));
    }
    return new LogConfig(level, format, dateFormat, dir, fileNum, fileSize, loggers);
  }

  private Optional<String> logLevel(Section s, String key) {
    return s.string(key).flatMap(v -> {
      String l = v.trim().toUpperCase(Locale.ROOT);
      l = l.equals("WARN") ? "WARNING" : l.equals("FATAL") ? "CRITICAL" : l;
      if (!LOG_LEVELS.contains(l)) {
        problems.error(Kind.INVALID_VALUE, s.pathOf(key), "expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL,"
            + " got '" + v + "'");
        return Optional.empty();
      }
      return Optional.of(l);
    });
  }

  // ---- restapi and ctl ----------------------------------------------------------------------

  private RestApiConfig restapi(Section s) {
    s.checkKeys(Schema.RESTAPI);
    Optional<HostPort> listen = hostPort(s, "listen", true, true);
    Optional<HostPort> connect = hostPort(s, "connect_address", true, false);
    Optional<BasicAuth> auth = basicAuth(s.section("authentication"));
    Optional<Path> certfile = s.nonBlankString("certfile").map(Path::of);
    Optional<Path> keyfile = s.nonBlankString("keyfile").map(Path::of);
    Optional<Secret> keyfilePassword = s.secret("keyfile_password");
    Optional<Path> cafile = s.nonBlankString("cafile").map(Path::of);
    if (keyfile.isPresent() && certfile.isEmpty()) {
      problems.error(Kind.INCONSISTENT, s.pathOf("keyfile"), "is set but certfile is not; HTTPS needs the certificate");
    }
    VerifyClient verify = s.string("verify_client").flatMap(v -> {
      switch (v.trim().toLowerCase(Locale.ROOT)) {
        case "none": return Optional.of(VerifyClient.NONE);
        case "optional": return Optional.of(VerifyClient.OPTIONAL);
        case "required": return Optional.of(VerifyClient.REQUIRED);
        default:
          problems.error(Kind.INVALID_VALUE, s.pathOf("verify_client"), "expected none, optional or required, got '"
              + v + "'");
          return Optional.<VerifyClient>empty();
      }
    }).orElse(VerifyClient.NONE);
    if (verify != VerifyClient.NONE && certfile.isEmpty()) {
      problems.error(Kind.INCONSISTENT, s.pathOf("verify_client"), "client certificates need HTTPS; set certfile");
    }
    List<String> allowlist = s.stringList("allowlist").orElse(List.of());
    for (int i = 0; i < allowlist.size(); i++) {
      String entry = allowlist.get(i);
      if (entry.contains("/") && !CIDR.matcher(entry).matches()) {
        problems.error(Kind.INVALID_VALUE, s.pathOf("allowlist") + "[" + i + "]",
            "expected a host name, an address or a network like 10.0.0.0/8, got '" + entry + "'");
      }
    }
    boolean includeMembers = s.bool("allowlist_include_members").orElse(false);
    Map<String, String> httpHeaders = s.stringMap("http_extra_headers").orElse(Map.of());
    Map<String, String> httpsHeaders = s.stringMap("https_extra_headers").orElse(Map.of());
    int queue = s.integer("request_queue_size", 0, 4096).map(Long::intValue)
        .orElse(RestApiConfig.DEFAULT_REQUEST_QUEUE_SIZE);
    if (listen.isEmpty() || connect.isEmpty()) {
      return null;
    }
    return new RestApiConfig(listen.get(), connect.get(), auth, certfile, keyfile, keyfilePassword, cafile, verify,
        allowlist, includeMembers, httpHeaders, httpsHeaders, queue);
  }

  /**
   * {@code primus.patroni_version}: which Patroni the member speaks as in its member key, REST documents
   * and callbacks; 3 (3.0.2) unless set, so that a cluster of Patroni 3 members and tools stays coherent.
   */
  private PatroniDialect primus(Section s) {
    s.checkKeys(Schema.PRIMUS);
    Optional<String> v = s.string("patroni_version");
    if (v.isEmpty()) {
      return PatroniDialect.V3;
    }
    Optional<PatroniDialect> d = PatroniDialect.named(v.get());
    if (d.isEmpty()) {
      problems.error(Kind.INVALID_VALUE, s.pathOf("patroni_version"),
          "must be 3 (Patroni 3.0.2, the default) or 4 (Patroni 4.0); got '" + v.get() + "'");
      return PatroniDialect.V3;
    }
    return d.get();
  }

  private CtlConfig ctl(Section s) {
    s.checkKeys(Schema.CTL);
    return new CtlConfig(basicAuth(s.section("authentication")), s.bool("insecure").orElse(false),
        s.nonBlankString("cacert").map(Path::of), s.nonBlankString("certfile").map(Path::of),
        s.nonBlankString("keyfile").map(Path::of), s.secret("keyfile_password"));
  }

  private Optional<BasicAuth> basicAuth(Section s) {
    if (!s.present()) {
      return Optional.empty();
    }
    s.checkKeys(Schema.AUTH);
    Optional<String> user = s.requiredString("username");
    Optional<String> password = s.string("password");
    if (password.isEmpty() && !s.has("password")) {
      s.missing("password");
    }
    return user.isPresent() && password.isPresent()
        ? Optional.of(new BasicAuth(user.get(), Secret.of(password.get())))
        : Optional.empty();
  }

  private Optional<HostPort> hostPort(Section s, String key, boolean required, boolean wildcardAllowed) {
    Optional<String> text = required ? s.requiredString(key) : s.nonBlankString(key);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    Optional<HostPort> hp = HostPort.parse(text.get());
    if (hp.isEmpty()) {
      problems.error(Kind.INVALID_VALUE, s.pathOf(key), "expected host:port (e.g. 10.0.0.1:8008, [::1]:8008), got '"
          + text.get() + "'");
      return Optional.empty();
    }
    if (!wildcardAllowed && hp.get().isWildcard()) {
      problems.error(Kind.INVALID_VALUE, s.pathOf(key), "must be an address other members can reach, not '"
          + text.get() + "'");
      return Optional.empty();
    }
    return hp;
  }

  // ---- dcs ----------------------------------------------------------------------------------

  private DcsSection dcs(Section root) {
    List<String> found = new ArrayList<>();
    for (String type : Schema.DCS_TYPES) {
      if (root.values().containsKey(type)) {
        found.add(type);
      }
    }
    if (found.isEmpty()) {
      problems.error(Kind.INCONSISTENT, "", "exactly one DCS section is required (" + String.join(", ", Schema.DCS_TYPES)
          + "); found none");
      return null;
    }
    if (found.size() > 1) {
      problems.error(Kind.INCONSISTENT, "", "exactly one DCS section is allowed; found " + String.join(" and ", found)
          + " (an environment override such as PATRONI_ETCD3_HOSTS also creates a section)");
      return null;
    }
    String type = found.get(0);
    Object v = root.values().get(type);
    Map<String, Object> settings = Map.of();
    if (v instanceof Map<?, ?> m) {
      settings = Section.stringKeys(m);
    } else if (v != null) {
      problems.wrongType(type, "a mapping", v);
    }
    if (!Schema.BUILT_IN_DCS.contains(type)) {
      problems.warn(type, "Primus ships no provider for this DCS (built in: etcd3, zookeeper, consul); it needs a"
          + " plugin that provides '" + type + "'");
    }
    return new DcsSection(type, settings);
  }

  // ---- bootstrap ----------------------------------------------------------------------------

  private BootstrapConfig bootstrap(Section s) {
    String method = s.nonBlankString("method").orElse(BootstrapConfig.INITDB);
    boolean custom = !method.equals(BootstrapConfig.INITDB);
    s.checkKeys(Schema.BOOTSTRAP, custom ? Set.of(method) : Set.of());
    DynamicConfig dcs = dynamic(s.section("dcs"));
    List<NamedOption> initdb = s.options("initdb", false).orElse(List.of());
    Optional<String> postBootstrap = s.nonBlankString("post_bootstrap");
    Optional<String> postInit = s.nonBlankString("post_init");
    if (postBootstrap.isPresent() && postInit.isPresent()) {
      problems.error(Kind.INCONSISTENT, s.pathOf("post_init"), "set only one of post_bootstrap and post_init (its"
          + " older name)");
    }
    Map<String, Object> methodSection = Map.of();
    if (custom) {
      Section ms = s.section(method);
      if (!ms.present()) {
        problems.error(Kind.MISSING, s.pathOf(method), "bootstrap.method names '" + method
            + "' but there is no bootstrap." + method + " section");
      } else {
        ms.requiredString("command");
        ms.bool("keep_existing_recovery_conf");
        ms.bool("no_params");
        ms.map("recovery_conf");
        methodSection = ms.values();
      }
    }
    return new BootstrapConfig(dcs, method, initdb, postBootstrap.or(() -> postInit), methodSection);
  }

  /** {@link #dynamic} on a DCS config change outside any file ({@link DynamicConfigCheck}). */
  void checkDynamic(Map<String, Object> values) {
    dynamic(Section.root(values, problems));
  }

  /** Checks the types of the dynamic keys Primus reads, and the timing rule. */
  private DynamicConfig dynamic(Section s) {
    s.checkKeys(Schema.DYNAMIC);
    Optional<Long> ttl = s.integer("ttl", 1, MAX_INT);
    Optional<Long> loopWait = s.integer("loop_wait", 1, MAX_INT);
    Optional<Long> retryTimeout = s.integer("retry_timeout", 1, MAX_INT);
    s.integer("maximum_lag_on_failover", 0, Long.MAX_VALUE);
    s.integer("maximum_lag_on_syncnode", Long.MIN_VALUE, Long.MAX_VALUE);
    for (String k : List.of("primary_start_timeout", "primary_stop_timeout", "master_start_timeout",
        "master_stop_timeout", "max_timelines_history", "primary_race_backoff")) {
      s.integer(k, 0, MAX_INT);
    }
    s.integer("synchronous_node_count", 1, MAX_INT);
    s.seconds("member_slots_ttl", 0, MAX_INT);
    for (String k : List.of("synchronous_mode_strict", "check_timeline", "pause", "failsafe_mode")) {
      s.bool(k);
    }
    s.raw("synchronous_mode").ifPresent(v -> {
      try {
        if (SynchronousMode.fromJson(v) == SynchronousMode.QUORUM) {
          problems.error(Kind.UNSUPPORTED, s.pathOf("synchronous_mode"), Refusals.SYNC_QUORUM);
        }
      } catch (IllegalArgumentException e) {
        problems.error(Kind.INVALID_VALUE, s.pathOf("synchronous_mode"), "expected on, off or quorum, got "
            + Problems.describe(v));
      }
    });
    slots(s);
    s.raw("ignore_slots").filter(v -> !(v instanceof List)).ifPresent(v ->
        problems.wrongType(s.pathOf("ignore_slots"), "a list of slot properties", v));
    s.map("standby_cluster");
    Section pg = s.section("postgresql");
    pg.checkKeys(Schema.DYNAMIC_POSTGRESQL);
    pg.bool("use_pg_rewind");
    pg.bool("use_slots");
    pg.scalarMap("parameters");
    pg.lines("pg_hba");
    pg.lines("pg_ident");

    if (ttl.isPresent() || loopWait.isPresent() || retryTimeout.isPresent()) {
      boolean typesOk = (ttl.isPresent() || !s.has("ttl")) && (loopWait.isPresent() || !s.has("loop_wait"))
          && (retryTimeout.isPresent() || !s.has("retry_timeout"));
      if (typesOk) {
        try {
          // Patroni applies timings that break the rule; so does Primus, bounding its own deadlines (Timings).
          new Timings(Duration.ofSeconds(ttl.orElse(30L)), Duration.ofSeconds(loopWait.orElse(10L)),
              Duration.ofSeconds(retryTimeout.orElse(10L))).boundedWarning()
              .ifPresent(w -> problems.warn(s.path(), w));
        } catch (IllegalArgumentException e) {
          problems.error(Kind.INCONSISTENT, s.path(), e.getMessage());
        }
      }
    }
    return new DynamicConfig(ConfigTree.immutableCopy(s.values()));
  }

  private void slots(Section dcs) {
    Section slots = dcs.section("slots");
    for (Map.Entry<String, Object> e : slots.values().entrySet()) {
      if (e.getValue() == null) {
        continue;
      }
      Section slot = slots.section(e.getKey());
      slot.string("type").ifPresent(t -> {
        if (!t.equals("physical") && !t.equals("logical")) {
          problems.error(Kind.INVALID_VALUE, slot.pathOf("type"), "expected physical or logical, got '" + t + "'");
        } else if (t.equals("logical")) {
          slot.requiredString("database");
          slot.requiredString("plugin");
        }
      });
    }
  }

  // ---- postgresql ---------------------------------------------------------------------------

  private PostgresqlConfig postgresql(Section s) {
    List<String> methods = s.stringList("create_replica_methods").orElse(List.of(PostgresqlConfig.BASEBACKUP));
    List<String> custom = methods.stream().filter(m -> !m.equals(PostgresqlConfig.BASEBACKUP)).toList();
    s.checkKeys(Schema.POSTGRESQL, custom);
    if (s.has("create_replica_methods") && methods.isEmpty()) {
      problems.error(Kind.INVALID_VALUE, s.pathOf("create_replica_methods"), "must name at least one method");
    }

    Optional<ListenAddress> listen = s.requiredString("listen").flatMap(text -> {
      Optional<ListenAddress> la = ListenAddress.parse(text);
      if (la.isEmpty()) {
        problems.error(Kind.INVALID_VALUE, s.pathOf("listen"), "expected host[,host...]:port (e.g. 0.0.0.0:5432),"
            + " got '" + text + "'");
      }
      return la;
    });
    Optional<HostPort> connect = hostPort(s, "connect_address", true, false);
    Optional<HostPort> proxy = hostPort(s, "proxy_address", false, false);
    Optional<Path> dataDir = s.requiredString("data_dir").map(Path::of);
    Optional<Path> binDir = s.nonBlankString("bin_dir").map(Path::of);
    Section binNameSection = s.section("bin_name");
    binNameSection.checkKeys(Schema.BIN_NAME);
    Map<String, String> binName = s.stringMap("bin_name").orElse(Map.of());
    Optional<Path> configDir = s.nonBlankString("config_dir").map(Path::of);
    Path pgpass = s.nonBlankString("pgpass").map(Path::of).orElseGet(this::defaultPgpass);
    String database = s.nonBlankString("database").orElse("postgres");

    Section authSection = s.section("authentication");
    authSection.checkKeys(Schema.PG_AUTHENTICATION);
    Credentials superuser = credentials(authSection.section("superuser"), "postgres");
    Credentials replication = credentials(authSection.section("replication"), "replicator");
    Section rewindSection = authSection.section("rewind");
    Optional<Credentials> rewind = rewindSection.present()
        ? Optional.of(credentials(rewindSection, null))
        : Optional.empty();

    Map<String, Object> parameters = s.scalarMap("parameters").orElse(Map.of());
    List<String> pgHba = s.lines("pg_hba").orElse(List.of());
    List<String> pgIdent = s.lines("pg_ident").orElse(List.of());

    Map<String, Map<String, Object>> replicaMethods = new LinkedHashMap<>();
    for (String m : custom) {
      Section ms = s.section(m);
      if (!ms.present()) {
        problems.error(Kind.MISSING, s.pathOf(m), "create_replica_methods lists '" + m + "' but there is no postgresql."
            + m + " section (it needs at least a command)");
      } else {
        ms.requiredString("command");
        replicaMethods.put(m, ms.values());
      }
    }
    List<NamedOption> basebackup = s.options("basebackup", true).orElse(List.of());

    Section cb = s.section("callbacks");
    cb.checkKeys(Schema.CALLBACKS);
    CallbackScripts callbacks = new CallbackScripts(command(cb, "on_start"), command(cb, "on_stop"), command(cb, "on_restart"),
        command(cb, "on_reload"), command(cb, "on_role_change"), command(s, "pre_promote"),
        s.seconds("callback_timeout", 1, MAX_INT).orElse(CallbackScripts.DEFAULT_TIMEOUT));

    boolean useUnixSocket = s.bool("use_unix_socket").orElse(false);
    boolean useUnixSocketRepl = s.bool("use_unix_socket_repl").orElse(false);
    boolean rmOnRewindFailure = s.bool("remove_data_directory_on_rewind_failure").orElse(false);
    boolean rmOnDiverged = s.bool("remove_data_directory_on_diverged_timelines").orElse(false);
    Duration pgCtlTimeout = s.seconds("pg_ctl_timeout", 1, MAX_INT).orElse(PostgresqlConfig.DEFAULT_PG_CTL_TIMEOUT);
    Optional<Boolean> usePgRewind = s.bool("use_pg_rewind");
    Optional<Boolean> useSlots = s.bool("use_slots");
    Optional<String> osUser = s.nonBlankString("os_user");

    if (listen.isEmpty() || connect.isEmpty() || dataDir.isEmpty() || problems.hasErrors()) {
      return null;
    }
    return new PostgresqlConfig(listen.get(), connect.get(), proxy, dataDir.get(), binDir, binName,
        configDir.orElse(dataDir.get()), pgpass, database, new Authentication(superuser, replication, rewind),
        parameters, pgHba, pgIdent, methods, replicaMethods, basebackup, callbacks, useUnixSocket, useUnixSocketRepl,
        rmOnRewindFailure, rmOnDiverged, pgCtlTimeout, usePgRewind, useSlots, osUser);
  }

  /** A script's command line, checked now so a bad quote is reported with its key rather than when it should run. */
  private Optional<String> command(Section s, String key) {
    Optional<String> command = s.nonBlankString(key);
    command.ifPresent(c -> {
      try {
        CommandWords.split(c);
      } catch (IllegalArgumentException e) {
        problems.error(Kind.INVALID_VALUE, s.pathOf(key), e.getMessage() + " in '" + c + "'");
      }
    });
    return command;
  }

  /** Patroni's default: {@code pgpass} in the home directory of the user running the agent. */
  private Path defaultPgpass() {
    String home = env.get("HOME");
    if (home == null || home.isBlank()) {
      home = System.getProperty("user.home");
    }
    return Path.of(home, "pgpass");
  }

  private Credentials credentials(Section s, String defaultUser) {
    s.checkKeys(Schema.PG_USER);
    Optional<String> user = defaultUser == null ? s.requiredString("username") : s.nonBlankString("username");
    Map<String, String> options = new LinkedHashMap<>();
    for (String o : Schema.LIBPQ_OPTIONS) {
      s.string(o).ifPresent(v -> options.put(o, v));
    }
    return new Credentials(user.orElse(defaultUser == null ? "" : defaultUser), s.secret("password"), options,
        s.secret("sslpassword"));
  }

  // ---- tags, watchdog, citus ----------------------------------------------------------------

  private Tags tags(Section s) {
    Map<String, Object> all = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : s.values().entrySet()) {
      Object v = e.getValue();
      if (v == null) {
        continue;
      }
      if (v instanceof Map || v instanceof List) {
        problems.wrongType(s.pathOf(e.getKey()), "a single value (true, false, a number or a string)", v);
        continue;
      }
      all.put(e.getKey(), v);
    }
    boolean noFailover = s.bool("nofailover").orElse(false);
    boolean noLoadBalance = s.bool("noloadbalance").orElse(false);
    boolean cloneFrom = s.bool("clonefrom").orElse(false);
    Optional<String> replicateFrom = s.nonBlankString("replicatefrom");
    boolean noSync = s.bool("nosync").orElse(false);
    boolean noStream = s.bool("nostream").orElse(false);
    Optional<Long> priority = s.integer("failover_priority", 0, MAX_INT);
    if (noFailover && priority.orElse(0L) > 0) {
      problems.warn(s.pathOf("failover_priority"), "conflicts with nofailover: true; this member will never be"
          + " promoted");
    }
    return new Tags(noFailover, noLoadBalance, cloneFrom, replicateFrom, noSync, noStream,
        priority.map(Long::intValue).orElse(Tags.DEFAULT_FAILOVER_PRIORITY), all);
  }

  private WatchdogConfig watchdog(Section s) {
    s.checkKeys(Schema.WATCHDOG);
    Mode mode = s.raw("mode").flatMap(v -> {
      if (Boolean.FALSE.equals(v)) {
        return Optional.of(Mode.OFF);
      }
      switch (String.valueOf(v).trim().toLowerCase(Locale.ROOT)) {
        case "off": case "false": case "disable": case "disabled": return Optional.of(Mode.OFF);
        case "automatic": case "auto": return Optional.of(Mode.AUTOMATIC);
        case "required": case "require": return Optional.of(Mode.REQUIRED);
        default:
          problems.error(Kind.INVALID_VALUE, s.pathOf("mode"), "expected off, automatic or required (or Patroni's"
              + " aliases disable, disabled, auto, require), got " + Problems.describe(v));
          return Optional.<Mode>empty();
      }
    }).orElse(WatchdogConfig.DEFAULT.mode());
    Path device = s.nonBlankString("device").map(Path::of).orElse(WatchdogConfig.DEFAULT.device());
    SafetyMargin margin = s.integer("safety_margin", -1, MAX_INT).map(m -> SafetyMargin.of(m.intValue()))
        .orElse(WatchdogConfig.DEFAULT.safetyMargin());
    WatchdogConfig.Driver driver = s.nonBlankString("driver").flatMap(v -> {
      switch (v.trim().toLowerCase(Locale.ROOT)) {
        case "default": return Optional.of(WatchdogConfig.Driver.DEFAULT);
        case "testing": return Optional.of(WatchdogConfig.Driver.TESTING);
        default:
          problems.error(Kind.INVALID_VALUE, s.pathOf("driver"), "expected default or testing, got '" + v + "'");
          return Optional.<WatchdogConfig.Driver>empty();
      }
    }).orElse(WatchdogConfig.DEFAULT.driver());
    return new WatchdogConfig(mode, device, margin, driver);
  }

  private Optional<CitusConfig> citus(Section s) {
    if (!s.present()) {
      return Optional.empty();
    }
    s.checkKeys(Schema.CITUS);
    Optional<Long> group = s.integer("group", 0, MAX_INT);
    if (!s.has("group")) {
      s.missing("group");
    }
    Optional<String> database = s.requiredString("database");
    return group.isPresent() && database.isPresent()
        ? Optional.of(new CitusConfig(group.get().intValue(), database.get()))
        : Optional.empty();
  }
}
