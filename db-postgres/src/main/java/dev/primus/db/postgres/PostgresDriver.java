package dev.primus.db.postgres;

import dev.primus.db.postgres.ConfigFiles.Mode;
import dev.primus.db.postgres.PostgresConfig.ReplicaMethod;
import dev.primus.ha.DatabaseLiveness;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.LocalState;
import dev.primus.ha.LocalState.DataDirectoryState;
import dev.primus.ha.StopMode;
import dev.primus.ha.driver.DatabaseDriver;
import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import dev.primus.ha.driver.FenceResult;
import dev.primus.ha.driver.Upstream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The PostgreSQL 12+ driver. It owns one data directory, the configuration files it generates there,
 * a private log directory beside it, and the server processes it starts; it decides nothing.
 *
 * <p>Mutating calls are serialised on one lock (the runner never overlaps them anyway);
 * {@link #probe()} takes no lock and may run at any time.
 */
public final class PostgresDriver implements DatabaseDriver {
  private static final System.Logger LOG = System.getLogger(PostgresDriver.class.getName());
  private static final Duration PROBE_CONNECT = Duration.ofSeconds(2);
  private static final Duration PROBE_QUERY = Duration.ofSeconds(3);
  /** The live check's connection: a health check waits for it, so it gives up sooner than the probe. */
  private static final Duration LIVE_CONNECT = Duration.ofSeconds(1);
  private static final Duration LIVE_QUERY = Duration.ofSeconds(1);
  private static final String LOGICAL_SLOTS_FILE = "logical-slots";

  private final PostgresBinaries bin;
  private final ProcessRunner runner;
  private final RunAs runAs;
  private final DataDirectory data;
  private final ConfigFiles files;
  private final PgCtl pgCtl;
  private final InstanceProbe probe;
  private final LiveCheck live;
  private final Object lock = new Object();
  /**
   * The binaries' own socket directory, asked once and only with use_unix_socket and no
   * unix_socket_directories; {@code null} until then.
   */
  private volatile Optional<Path> compiledSocketDirectory;

  private volatile PostgresConfig cfg;
  /** How the instance is configured to run: role, upstream; its synchronous standbys are {@link #syncStandbys}. */
  private volatile Mode mode;
  /**
   * {@code synchronous_standby_names} set through {@link #setSynchronousStandbys}, kept in every role (a
   * standby ignores it; a promoted one applies it) and in postgresql.conf; empty: the user's applies.
   */
  private volatile Optional<String> syncStandbys;
  /** The driver stopped the server itself, so an unclean control file is not a crash. */
  private volatile boolean stoppedByDriver;

  /** The local {@code postgresql.parameters}, under the dynamic ones; replaced by a reloaded configuration. */
  private volatile Map<String, Object> localParameters;

  PostgresDriver(PostgresConfig cfg, PostgresBinaries bin, RunAs runAs, ProcessRunner runner) {
    this(cfg, bin, runAs, runner, new LinkedHashMap<String, Object>(cfg.parameters()));
  }

  PostgresDriver(PostgresConfig cfg, PostgresBinaries bin, RunAs runAs, ProcessRunner runner,
      Map<String, Object> localParameters) {
    this.localParameters = new LinkedHashMap<>(localParameters);
    this.cfg = Objects.requireNonNull(cfg, "cfg");
    this.bin = Objects.requireNonNull(bin, "bin");
    this.runAs = Objects.requireNonNull(runAs, "runAs");
    this.runner = Objects.requireNonNull(runner, "runner");
    this.data = new DataDirectory(cfg.dataDir(), runAs);
    this.files = new ConfigFiles(data);
    this.pgCtl = new PgCtl(bin, runner, data, cfg.logDir());
    // A driver created over an existing instance keeps following whom its files name, and keeps the
    // synchronous standbys it set: dropping them at the next rewrite would let commits go unconfirmed.
    this.syncStandbys = files.configuredSyncStandbys();
    this.probe = new InstanceProbe(data, files, new Sql(() -> this.cfg, this::localAddress, PROBE_CONNECT, PROBE_QUERY),
        pgCtl::controlData, () -> syncStandbys.isPresent());
    this.live = new LiveCheck(cfg.dataDir(), new Sql(() -> this.cfg, this::localAddress, LIVE_CONNECT, LIVE_QUERY));
    this.mode = data.exists(ConfigFiles.STANDBY_SIGNAL) ? Mode.standby(files.configuredUpstream()) : Mode.primary(Optional.empty());
  }

  /** Writes the configuration files for {@code m}, with the synchronous standbys the driver manages. */
  private void write(Mode m) throws DriverException {
    files.write(cfg, bin.major(), m.withSyncStandbys(syncStandbys), List.of());
  }

  /** The binaries in use (their directory and major version). */
  public String binaries() {
    return bin.dir() + " (PostgreSQL " + bin.major() + ")";
  }

  @Override
  public LocalState probe() {
    return probe.probe(stoppedByDriver);
  }

  /** {@code postmaster.pid} first, then one query on a connection of its own ({@link LiveCheck}). */
  @Override
  public DatabaseLiveness liveness(Duration timeout) {
    return live.check(timeout);
  }

  @Override
  public void bootstrap() throws DriverException {
    synchronized (lock) {
      data.requireEmpty("bootstrap");
      prepareOwnFiles();
      try {
        new Bootstrapper(cfg, bin, runner, runAs, data, files, pgCtl, adminSql(), localAddress()).run(syncStandbys);
        mode = Mode.primary(Optional.empty());
        stoppedByDriver = false;
      } catch (DriverException e) {
        throw cleanUpFailedBuild("bootstrap", e);
      }
    }
  }

  @Override
  public void createReplica(Upstream source) throws DriverException {
    Objects.requireNonNull(source, "source");
    synchronized (lock) {
      boolean keepFirst = !cfg.replicaMethods().isEmpty() && cfg.replicaMethods().get(0).keepData();
      if (!keepFirst) {
        data.requireEmpty("createReplica");
      }
      if (pgCtl.running().isPresent()) {
        throw new DriverException(Kind.REFUSED, "createReplica refused: PostgreSQL is running in " + data.path());
      }
      build("createReplica", Optional.of(source));
    }
  }

  /** Some method of {@code create_replica_methods} has {@code no_leader} (or {@code no_master}) set. */
  @Override
  public boolean canCreateReplicaWithoutLeader() {
    return cfg.replicaMethods().stream().anyMatch(ReplicaMethod::noLeader);
  }

  @Override
  public void createReplicaWithoutLeader() throws DriverException {
    synchronized (lock) {
      List<ReplicaMethod> methods = cfg.replicaMethods().stream().filter(ReplicaMethod::noLeader).toList();
      if (methods.isEmpty()) {
        throw new DriverException(Kind.INVALID_CONFIG, "no method in postgresql.create_replica_methods has no_leader"
            + " set, so no replica can be built without a member to copy from");
      }
      if (!methods.get(0).keepData()) {
        data.requireEmpty("createReplicaWithoutLeader");
      }
      if (pgCtl.running().isPresent()) {
        throw new DriverException(Kind.REFUSED, "createReplicaWithoutLeader refused: PostgreSQL is running in " + data.path());
      }
      build("createReplicaWithoutLeader", Optional.empty());
    }
  }

  /** Builds a replica with the configured methods (no source: only {@code no_leader} methods) and configures it to follow. */
  private void build(String operation, Optional<Upstream> source) throws DriverException {
    prepareOwnFiles();
    String method;
    try {
      method = new ReplicaBuilder(cfg, bin, runner, data, pgCtl).build(source);
    } catch (DriverException e) {
      throw cleanUpFailedBuild(operation, e);
    }
    checkClusterMajor();
    data.secure();
    // The copy brought the source's postgresql.conf (its port, its role): write this member's own.
    data.delete("postmaster.pid");
    data.delete("postmaster.opts");
    // A promote request left in a backup would end the new replica's recovery at once (Patroni removes it too).
    data.delete("promote");
    mode = standbyMode(source);
    write(mode);
    stoppedByDriver = true;
    LOG.log(System.Logger.Level.INFO, "replica built with {0} from {1}", method, source.map(Upstream::member).orElse("backup"));
  }

  @Override
  public void start(DatabaseRole role, Optional<Upstream> upstream, Duration timeout) throws DriverException {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(upstream, "upstream");
    synchronized (lock) {
      requireCluster("start");
      if (pgCtl.running().isPresent()) {
        LocalState now = probe();
        if (now.isRunning() && now.role().orElse(null) == role) {
          if (role == DatabaseRole.REPLICA && upstream.isPresent() && !upstream.equals(mode.upstream())) {
            follow(upstream.get(), timeout);
          }
          return;
        }
        throw new DriverException(Kind.REFUSED, "start as " + role + " refused: PostgreSQL already runs"
            + now.role().map(r -> " as " + r).orElse("") + " (" + now.process() + ")");
      }
      prepareOwnFiles();
      data.secure();
      Mode m = role == DatabaseRole.PRIMARY ? Mode.primary(Optional.empty()) : standbyMode(upstream);
      write(m);
      if (files.liftFence()) {
        LOG.log(System.Logger.Level.WARNING, "lifted the fence another member set on this server before promoting"
            + " itself (" + ConfigFiles.FENCE_MARKER + ", default_transaction_read_only)");
      }
      mode = m;
      stoppedByDriver = false;
      pgCtl.start(timeout);
    }
  }

  @Override
  public Optional<Long> stop(StopMode stopMode, Duration timeout) throws DriverException {
    Objects.requireNonNull(stopMode, "stopMode");
    Objects.requireNonNull(timeout, "timeout");
    return stopping(stopMode, () -> pgCtl.stop(stopMode, timeout));
  }

  @Override
  public Optional<Long> stopWithin(StopMode stopMode, Duration bound) throws DriverException {
    Objects.requireNonNull(stopMode, "stopMode");
    Objects.requireNonNull(bound, "bound");
    return stopping(stopMode, () -> pgCtl.stopWithin(stopMode, bound));
  }

  private interface StopCall {
    StopMode stop() throws DriverException;
  }

  private Optional<Long> stopping(StopMode stopMode, StopCall call) throws DriverException {
    synchronized (lock) {
      if (pgCtl.running().isPresent()) {
        // A smart shutdown waits for every client, the probe's and the live check's kept connections included.
        probe.closeCached();
        live.closeKept();
        StopMode used = call.stop();
        stoppedByDriver = true;
        if (used != stopMode) {
          LOG.log(System.Logger.Level.WARNING, "{0} stop escalated to {1}", stopMode, used);
        }
      }
      if (data.state() != DataDirectoryState.INITIALIZED) {
        return Optional.empty();
      }
      Optional<ControlData> cd = pgCtl.controlData();
      return cd.filter(ControlData::cleanShutdown).flatMap(ControlData::checkpointLsn);
    }
  }

  @Override
  public void restart(Duration timeout) throws DriverException {
    synchronized (lock) {
      requireCluster("restart");
      DatabaseRole role = currentRole();
      Optional<Upstream> upstream = mode.upstream();
      long deadline = System.nanoTime() + timeout.toNanos();
      stop(StopMode.FAST, timeout);
      Duration left = Duration.ofNanos(Math.max(Duration.ofSeconds(1).toNanos(), deadline - System.nanoTime()));
      start(role, upstream, left);
    }
  }

  @Override
  public void promote(Duration timeout) throws DriverException {
    synchronized (lock) {
      if (pgCtl.running().isEmpty()) {
        throw new DriverException(Kind.REFUSED, "promote refused: PostgreSQL is not running");
      }
      if (!inRecovery()) {
        return;
      }
      pgCtl.promote(timeout);
      mode = Mode.primary(Optional.empty());
      // pg_rewind on the old primary reads this server's control file: the new timeline must be in it.
      checkpoint();
      write(mode);
      pgCtl.reload();
    }
  }

  @Override
  public void follow(Upstream upstream, Duration timeout) throws DriverException {
    Objects.requireNonNull(upstream, "upstream");
    synchronized (lock) {
      requireCluster("follow");
      boolean running = pgCtl.running().isPresent();
      if (running && !inRecovery()) {
        throw new DriverException(Kind.REFUSED, "follow refused: PostgreSQL runs as a primary; demote (stop) it first");
      }
      Mode m = Mode.standby(Optional.of(upstream)).withFloors(mode.standby() ? mode.floors() : Map.of());
      write(m);
      mode = m;
      if (running) {
        if (bin.major() >= 13) {
          // Since 13 primary_conninfo and primary_slot_name change on reload; the walreceiver reconnects.
          pgCtl.reload();
        } else {
          restart(timeout);
        }
      }
    }
  }

  @Override
  public void rewind(Upstream source) throws DriverException {
    Objects.requireNonNull(source, "source");
    synchronized (lock) {
      requireCluster("rewind");
      if (pgCtl.running().isPresent()) {
        throw new DriverException(Kind.REFUSED, "rewind refused: PostgreSQL is running; stop it first");
      }
      if (!cfg.usePgRewind()) {
        throw new DriverException(Kind.INVALID_CONFIG, "rewind needs postgresql.use_pg_rewind: true");
      }
      prepareOwnFiles();
      data.secure();
      ControlData cd = pgCtl.readControlData();
      if (!cd.walLogHints() && !cd.dataChecksums()) {
        // pg_rewind would refuse too, but only after a crash recovery; say why at once.
        throw new DriverException(Kind.REFUSED, "rewind refused: " + data.path() + " last ran without wal_log_hints and"
            + " has no data checksums, so pg_rewind cannot tell which pages changed; reinitialize it instead");
      }
      if (!cd.cleanShutdown()) {
        // pg_rewind only accepts a cleanly shut down target: replay the crash away in single-user mode.
        files.removeSignals();
        pgCtl.singleUserRecovery(cfg.commandTimeout());
      }
      Map<String, String> own = files.snapshot();
      List<String> argv = new ArrayList<>(List.of(bin.tool("pg_rewind").toString(), "--target-pgdata=" + data.path(),
          "--source-server=" + ReplicaBuilder.conninfo(cfg.rewind(), source, cfg.memberName())));
      if (bin.major() >= 13 && ConfigFiles.standbyRecovery(cfg).containsKey("restore_command")) {
        argv.add("--restore-target-wal");
      }
      ProcessRunner.Result r;
      try {
        r = runner.run(ProcessRunner.Spec.of("pg_rewind", argv, cfg.commandTimeout(), pgCtl.commandLog("pg_rewind"))
            .env(Pgpass.environment(cfg)).workDir(cfg.logDir()));
      } catch (DriverException e) {
        throw rewindFailed(e.getMessage(), e);
      }
      if (!r.ok()) {
        throw rewindFailed("pg_rewind exited with code " + r.exitCode() + ": " + ProcessRunner.tail(r.log()), null);
      }
      // pg_rewind copied the source's configuration files: put this member's back and follow the source.
      files.restore(own);
      data.delete("postmaster.pid");
      mode = standbyMode(Optional.of(source));
      write(mode);
      stoppedByDriver = true;
    }
  }

  private DriverException rewindFailed(String message, Throwable cause) throws DriverException {
    String what = "pg_rewind from the source failed: " + message + " (log " + pgCtl.commandLog("pg_rewind") + ")";
    if (cfg.removeDataDirectoryOnRewindFailure()) {
      data.clear();
      what += "; the data directory was emptied (remove_data_directory_on_rewind_failure)";
    }
    return new DriverException(Kind.COMMAND_FAILED, what, cause);
  }

  @Override
  public void reinitialize(Upstream source) throws DriverException {
    Objects.requireNonNull(source, "source");
    synchronized (lock) {
      if (pgCtl.running().isPresent()) {
        // The data is thrown away next: no reason to wait for a checkpoint.
        stop(StopMode.IMMEDIATE, cfg.pgCtlTimeout());
      }
      boolean keepFirst = !cfg.replicaMethods().isEmpty() && cfg.replicaMethods().get(0).keepData();
      if (!keepFirst) {
        data.remove();
      }
      build("reinitialize", Optional.of(source));
    }
  }

  @Override
  public void reload() throws DriverException {
    synchronized (lock) {
      if (pgCtl.running().isPresent()) {
        pgCtl.reload();
      }
    }
  }

  @Override
  public void checkpoint() throws DriverException {
    synchronized (lock) {
      try (Connection c = adminSql().connect("postgres")) {
        Sql.execute(c, "CHECKPOINT");
      } catch (SQLException e) {
        throw Sql.failure("CHECKPOINT", e);
      }
    }
  }

  @Override
  public void ensureSlots(Set<String> memberSlots, Map<String, Object> permanentSlots) throws DriverException {
    ensureSlots(memberSlots, permanentSlots, Map.of());
  }

  @Override
  public void ensureSlots(Set<String> memberSlots, Map<String, Object> permanentSlots, Map<String, Long> advance)
      throws DriverException {
    Objects.requireNonNull(memberSlots, "memberSlots");
    Objects.requireNonNull(permanentSlots, "permanentSlots");
    Objects.requireNonNull(advance, "advance");
    synchronized (lock) {
      Set<String> others = new HashSet<>(memberSlots);
      // A member never keeps a slot for itself.
      others.remove(cfg.memberName());
      others.removeIf(s -> Slots.slotName(s).equals(Slots.slotName(cfg.memberName())));
      Map<String, Slots.Wanted> wanted = Slots.wanted(others, permanentSlots);
      Set<String> declared = readDeclaredLogical();
      Set<String> nowLogical = wanted.values().stream().filter(Slots.Wanted::logical).map(Slots.Wanted::name)
          .collect(Collectors.toCollection(TreeSet::new));
      Set<String> remembered = new TreeSet<>(declared);
      remembered.addAll(nowLogical);
      writeDeclaredLogical(remembered);
      new Slots(adminSql()).ensure(wanted, remembered, advance);
      writeDeclaredLogical(nowLogical);
    }
  }

  /** The ALTER SYSTEM setting that marks a fence: who fenced the server, and when. */
  static final String FENCE_MARKER = ConfigFiles.FENCE_MARKER;

  /**
   * Fences the former primary through its own server, as the superuser: {@code default_transaction_read_only}
   * and the {@link #FENCE_MARKER} by ALTER SYSTEM, a reload, then every other client session ended. Never
   * throws; the start of a fenced data directory lifts the fence ({@link ConfigFiles#liftFence()}).
   */
  @Override
  public FenceResult fenceFormerPrimary(Upstream former, String fencer, Duration timeout) {
    Objects.requireNonNull(former, "former");
    Objects.requireNonNull(fencer, "fencer");
    ConnUrl url;
    try {
      url = ConnUrl.parse(former.connUrl());
    } catch (DriverException e) {
      return FenceResult.of(FenceResult.Outcome.NOT_REACHABLE, e.getMessage());
    }
    String where = former.member() + " (" + url.host() + ":" + url.port() + ")";
    Connection c;
    try {
      c = Sql.connect(cfg.superuser(), new LocalAddress(Optional.empty(), url.host(), url.port()), "postgres",
          timeout, timeout);
    } catch (SQLException e) {
      return FenceResult.of(FenceResult.Outcome.NOT_REACHABLE, "could not connect to " + where + ": " + e.getMessage());
    }
    List<String> done = new ArrayList<>();
    try (c) {
      if (Sql.queryBoolean(c, "SELECT pg_catalog.pg_is_in_recovery()")) {
        return FenceResult.of(FenceResult.Outcome.ALREADY_IN_RECOVERY, where + " is in recovery");
      }
      // The marker first, so that the read-only setting is never there without it (the start lifts only a
      // marked fence). ALTER SYSTEM takes a custom setting only once this session knows it (PostgreSQL 15).
      String marker = Quoting.sqlLiteral(fencer + " " + java.time.Instant.now());
      Sql.execute(c, "SET " + FENCE_MARKER + " = " + marker);
      Sql.execute(c, "ALTER SYSTEM SET " + FENCE_MARKER + " = " + marker);
      done.add(FENCE_MARKER);
      Sql.execute(c, "ALTER SYSTEM SET default_transaction_read_only = on");
      done.add("default_transaction_read_only = on");
      Sql.execute(c, "SELECT pg_catalog.pg_reload_conf()");
      done.add("reloaded");
      String ended = Sql.queryString(c, "SELECT count(pg_catalog.pg_terminate_backend(pid))::text"
          + " FROM pg_catalog.pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_catalog.pg_backend_pid()");
      return FenceResult.of(FenceResult.Outcome.FENCED, where + " made read-only (" + String.join(", ", done) + "), "
          + ended + " client session(s) ended");
    } catch (SQLException e) {
      String state = e.getSQLState() == null ? "" : e.getSQLState();
      if (done.isEmpty() && (state.startsWith("08") || state.isEmpty())) {
        return FenceResult.of(FenceResult.Outcome.NOT_REACHABLE, where + " stopped answering: " + e.getMessage());
      }
      return FenceResult.of(FenceResult.Outcome.FAILED, where + ": " + (done.isEmpty() ? "nothing done" : "did "
          + String.join(", ", done)) + ", then " + e.getMessage());
    }
  }

  @Override
  public void copyLogicalSlots(Upstream source, Map<String, Object> slots, Duration timeout) throws DriverException {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(slots, "slots");
    synchronized (lock) {
      requireCluster("copying logical slots");
      if (pgCtl.running().isEmpty() || !inRecovery()) {
        throw new DriverException(Kind.REFUSED, "copying logical slots refused: PostgreSQL is not running as a replica");
      }
      Map<String, Slots.Wanted> wanted = new LinkedHashMap<>();
      Slots.wanted(Set.of(), slots).values().stream().filter(Slots.Wanted::logical).forEach(w -> wanted.put(w.name(), w));
      if (wanted.isEmpty()) {
        return;
      }
      ConnUrl url = ConnUrl.parse(source.connUrl());
      List<String> skipped = new ArrayList<>();
      Map<String, byte[]> states;
      try (Connection c = Sql.connect(cfg.rewind(), new LocalAddress(Optional.empty(), url.host(), url.port()), "postgres",
          Duration.ofSeconds(3), Duration.ofSeconds(10))) {
        states = Slots.readStates(c, wanted, skipped);
      } catch (SQLException e) {
        throw Sql.failure("reading the logical slots on " + source.member(), e);
      }
      if (!skipped.isEmpty()) {
        LOG.log(System.Logger.Level.WARNING, "not copying logical slots {0} from {1}", skipped, source.member());
      }
      if (states.isEmpty()) {
        throw new DriverException(Kind.REFUSED, "no logical slot to copy from " + source.member() + ": " + skipped);
      }
      DatabaseRole role = currentRole();
      Optional<Upstream> upstream = mode.upstream();
      long deadline = System.nanoTime() + timeout.toNanos();
      stop(StopMode.FAST, timeout);
      Slots.install(data.path(), states, runAs);
      Duration left = Duration.ofNanos(Math.max(Duration.ofSeconds(1).toNanos(), deadline - System.nanoTime()));
      start(role, upstream, left);
      LOG.log(System.Logger.Level.INFO, "copied logical slots {0} from {1} and restarted", states.keySet(), source.member());
    }
  }

  @Override
  public void setSynchronousStandbys(List<String> members, int count, boolean quorum) throws DriverException {
    Objects.requireNonNull(members, "members");
    synchronized (lock) {
      Optional<String> ssn = Optional.of(SyncStandbyNames.render(members, count, quorum));
      if (ssn.equals(syncStandbys)) {
        return;
      }
      syncStandbys = ssn;
      rewriteAndReload();
    }
  }

  @Override
  public void clearSynchronousStandbys() throws DriverException {
    synchronized (lock) {
      if (syncStandbys.isEmpty()) {
        return;
      }
      syncStandbys = Optional.empty();
      rewriteAndReload();
    }
  }

  @Override
  public void applyParameters(Map<String, Object> parameters) throws DriverException {
    Objects.requireNonNull(parameters, "parameters");
    synchronized (lock) {
      Map<String, String> rendered = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : parameters.entrySet()) {
        String name = Quoting.parameterName(e.getKey(), "parameters");
        if (e.getValue() != null) {
          rendered.put(name, Quoting.scalar(e.getValue(), "parameters." + name));
        }
      }
      PostgresConfig next = cfg.withParameters(rendered);
      ConfigFiles.effectiveParameters(next, bin.major(), mode);
      cfg = next;
      rewriteAndReload();
    }
  }

  @Override
  public void applyParameters(Map<String, Object> dynamic, Optional<Map<String, Object>> local) throws DriverException {
    Map<String, Object> merged = new LinkedHashMap<>(local.orElse(localParameters));
    merged.putAll(dynamic);
    applyParameters(merged);
    local.ifPresent(l -> localParameters = new LinkedHashMap<>(l));
  }

  /** Rewrites postgresql.conf for the current mode and reloads a running server; pending restarts show in the probe. */
  private void rewriteAndReload() throws DriverException {
    if (data.state() != DataDirectoryState.INITIALIZED) {
      return;
    }
    Mode m = mode;
    if (pgCtl.running().isPresent()) {
      boolean standby = inRecovery();
      if (standby != m.standby()) {
        m = standby ? Mode.standby(m.upstream()).withFloors(m.floors()) : Mode.primary(Optional.empty());
      }
    }
    write(m);
    if (pgCtl.running().isPresent()) {
      pgCtl.reload();
    }
  }

  @Override
  public void close() {
    probe.close();
    live.close();
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Creates the log directory and (re)writes the pgpass file. The data directory is each operation's own
   * business: initdb and pg_basebackup get an empty one, a custom method gets none, as with Patroni.
   */
  private void prepareOwnFiles() throws DriverException {
    DataDirectory.createPrivate(cfg.logDir(), runAs);
    Pgpass.write(cfg, runAs);
  }

  /**
   * Where the driver reaches its server now ({@code use_unix_socket} and {@code unix_socket_directories} may
   * change with the parameters).
   */
  private LocalAddress localAddress() {
    return LocalAddress.of(cfg, () -> {
      Optional<Path> dir = compiledSocketDirectory;
      if (dir == null) {
        dir = bin.compiledSocketDirectory(runner);
        compiledSocketDirectory = dir;
      }
      return dir;
    });
  }

  /** After a failed build: stop what was started, remove the directory so the next attempt starts clean. */
  private DriverException cleanUpFailedBuild(String operation, DriverException cause) {
    try {
      if (pgCtl.running().isPresent()) {
        pgCtl.stop(StopMode.IMMEDIATE, cfg.pgCtlTimeout());
      }
      data.remove();
      stoppedByDriver = true;
      return new DriverException(cause.kind(), operation + " failed and was cleaned up (data directory removed): "
          + cause.getMessage(), cause);
    } catch (DriverException cleanup) {
      cause.addSuppressed(cleanup);
      return cause;
    }
  }

  private void requireCluster(String operation) throws DriverException {
    DataDirectoryState state = data.state();
    if (state != DataDirectoryState.INITIALIZED) {
      throw new DriverException(Kind.REFUSED, operation + " refused: " + data.path() + " holds no usable cluster ("
          + state + "); bootstrap, create a replica or reinitialize first");
    }
    checkClusterMajor();
  }

  private void checkClusterMajor() throws DriverException {
    Optional<Integer> major = data.clusterMajor();
    if (major.isPresent() && major.get() != bin.major()) {
      throw new DriverException(Kind.REFUSED, data.path() + " holds a PostgreSQL " + major.get()
          + " cluster but the binaries in " + bin.dir() + " are " + bin.major());
    }
  }

  private boolean inRecovery() throws DriverException {
    try (Connection c = adminSql().connect("postgres")) {
      return Sql.queryBoolean(c, "SELECT pg_catalog.pg_is_in_recovery()");
    } catch (SQLException e) {
      throw Sql.failure("asking whether the server is in recovery", e);
    }
  }

  private DatabaseRole currentRole() throws DriverException {
    if (pgCtl.running().isPresent()) {
      return inRecovery() ? DatabaseRole.REPLICA : DatabaseRole.PRIMARY;
    }
    return data.exists(ConfigFiles.STANDBY_SIGNAL) ? DatabaseRole.REPLICA : DatabaseRole.PRIMARY;
  }

  /**
   * A standby following {@code upstream}, with its settings raised to what the control file says its
   * primary uses: a standby below them does not start.
   */
  private Mode standbyMode(Optional<Upstream> upstream) {
    Map<String, Long> floors = pgCtl.controlData().map(ConfigFiles::floorsFrom).orElse(Map.of());
    return Mode.standby(upstream).withFloors(floors);
  }

  private Sql adminSql() {
    return new Sql(() -> cfg, this::localAddress, Duration.ofSeconds(5), cfg.pgCtlTimeout());
  }

  private Set<String> readDeclaredLogical() {
    try {
      return Files.readAllLines(cfg.logDir().resolve(LOGICAL_SLOTS_FILE), StandardCharsets.UTF_8).stream()
          .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toCollection(TreeSet::new));
    } catch (IOException e) {
      return new TreeSet<>();
    }
  }

  /** Remembers which logical slots came from the configuration, so removing one there drops it here. */
  private void writeDeclaredLogical(Set<String> names) throws DriverException {
    DataDirectory.createPrivate(cfg.logDir(), runAs);
    DataDirectory.writePrivate(cfg.logDir().resolve(LOGICAL_SLOTS_FILE),
        names.stream().map(n -> n + "\n").collect(Collectors.joining()), runAs);
  }
}
