package dev.primus.db.postgres;

import dev.primus.dcs.model.MemberStatus.PendingChange;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.LocalState;
import dev.primus.ha.LocalState.DataDirectoryState;
import dev.primus.ha.LocalState.ProcessState;
import dev.primus.ha.LocalState.ReplicaConnection;
import dev.primus.ha.LocalState.ReplicationState;
import dev.primus.ha.driver.Upstream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Looks at the instance without changing it: the data directory, postmaster.pid, one SQL round of
 * queries while it runs, pg_controldata while it does not. Never throws; what it cannot learn it
 * reports as unknown. Keeps one connection open between probes (a probe runs every cycle) and
 * drops it on any error.
 */
final class InstanceProbe implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(InstanceProbe.class.getName());

  private static final String STATE_QUERY = """
      SELECT pg_catalog.pg_is_in_recovery(),
        CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL
          ELSE pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_flush_lsn(), '0/0')::bigint END,
        pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_last_wal_receive_lsn(), '0/0')::bigint,
        pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_last_wal_replay_lsn(), '0/0')::bigint,
        CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL
          ELSE ('x' || pg_catalog.substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::bigint END,
        (SELECT timeline_id FROM pg_catalog.pg_control_checkpoint()),
        (SELECT system_identifier FROM pg_catalog.pg_control_system())::text,
        pg_catalog.pg_postmaster_start_time(),
        (SELECT status FROM pg_catalog.pg_stat_wal_receiver),
        (SELECT received_tli FROM pg_catalog.pg_stat_wal_receiver),
        pg_catalog.current_setting('server_version_num')::integer,
        pg_catalog.current_setting('synchronous_standby_names')
      """;
  private static final String REPLICATION_QUERY = """
      SELECT coalesce(application_name, ''), coalesce(state, ''), coalesce(sync_state, ''),
        coalesce(pg_catalog.pg_wal_lsn_diff(flush_lsn, '0/0')::bigint, 0),
        coalesce(pg_catalog.pg_wal_lsn_diff(replay_lsn, '0/0')::bigint, 0)
      FROM pg_catalog.pg_stat_replication ORDER BY application_name
      """;
  /**
   * The file value is the last line that sets the parameter; a parameter removed from the files goes back to
   * its default. Recovery settings are left out (as Patroni does): they act only while the server is in
   * recovery, and a promotion without a restart takes them out of postgresql.conf, after which PostgreSQL
   * flags the postmaster-only ones ({@code recovery_target_timeline}, ...) as pending a restart on every
   * promoted leader, whatever their value, although a restart would change nothing a primary does.
   */
  private static final String PENDING_RESTART_QUERY = """
      SELECT s.name, pg_catalog.current_setting(s.name), coalesce(f.setting, s.boot_val, '')
      FROM pg_catalog.pg_settings s
      LEFT JOIN LATERAL (SELECT fs.setting FROM pg_catalog.pg_file_settings fs
                         WHERE fs.name = s.name ORDER BY fs.seqno DESC LIMIT 1) f ON true
      WHERE s.pending_restart AND s.name <> ALL (?) ORDER BY s.name
      """;

  private final DataDirectory data;
  private final ConfigFiles files;
  private final Sql sql;
  private final Supplier<Optional<ControlData>> controlData;
  private final BooleanSupplier syncStandbysManaged;
  private final Object lock = new Object();
  private Connection cached;
  /** synchronous_standby_names as the last probe of a running primary saw it; null otherwise. Guarded by lock. */
  private String lastSyncStandbys;
  /** The flush position when {@link #lastSyncStandbys} was first seen on this primary. Guarded by lock. */
  private long syncStandbysSince;

  /**
   * @param syncStandbysManaged whether the driver sets synchronous_standby_names (synchronous mode) rather
   *                            than the user's configuration
   */
  InstanceProbe(DataDirectory data, ConfigFiles files, Sql sql, Supplier<Optional<ControlData>> controlData,
      BooleanSupplier syncStandbysManaged) {
    this.data = Objects.requireNonNull(data, "data");
    this.files = Objects.requireNonNull(files, "files");
    this.sql = Objects.requireNonNull(sql, "sql");
    this.controlData = Objects.requireNonNull(controlData, "controlData");
    this.syncStandbysManaged = Objects.requireNonNull(syncStandbysManaged, "syncStandbysManaged");
  }

  /**
   * @param stoppedByDriver the driver stopped the server itself, so an unclean control file after an
   *                        immediate stop is not a crash
   */
  LocalState probe(boolean stoppedByDriver) {
    try {
      return look(stoppedByDriver);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "probe failed; reporting what is known", e);
      return new LocalState(safeState(), Optional.empty(), ProcessState.STOPPED, Optional.empty(), Optional.empty(), 0,
          Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), false, false, Map.of(), Optional.empty(),
          List.of());
    }
  }

  private DataDirectoryState safeState() {
    try {
      return data.state();
    } catch (RuntimeException e) {
      return DataDirectoryState.INVALID;
    }
  }

  private LocalState look(boolean stoppedByDriver) {
    DataDirectoryState dirState = data.state();
    Optional<Postmaster> postmaster = Postmaster.read(data.path()).filter(Postmaster::alive);
    Optional<Upstream> upstream = data.exists(ConfigFiles.STANDBY_SIGNAL) ? files.configuredUpstream() : Optional.empty();
    if (postmaster.isPresent()) {
      return running(dirState, postmaster.get(), upstream);
    }
    closeCached();
    if (dirState == DataDirectoryState.EMPTY) {
      return LocalState.empty();
    }
    Optional<ControlData> cd = dirState == DataDirectoryState.INITIALIZED ? controlData.get() : Optional.empty();
    boolean clean = cd.map(ControlData::cleanShutdown).orElse(false);
    boolean stalePid = data.exists("postmaster.pid");
    ProcessState process = stoppedByDriver || clean && !stalePid || cd.isEmpty() ? ProcessState.STOPPED : ProcessState.CRASHED;
    Optional<DatabaseRole> role = cd.map(c -> data.exists(ConfigFiles.STANDBY_SIGNAL) || c.inRecovery()
        ? DatabaseRole.REPLICA : DatabaseRole.PRIMARY);
    long position = cd.map(c -> Math.max(c.checkpointLsn().orElse(0L), c.minRecoveryEndLsn().orElse(0L))).orElse(0L);
    return new LocalState(dirState, cd.flatMap(ControlData::systemIdentifier), process, role,
        cd.flatMap(ControlData::timeline), position, Optional.empty(), Optional.empty(), Optional.empty(),
        upstream.map(Upstream::member), clean, false, Map.of(), Optional.empty(), List.of())
        .withTimelineHistory(history(cd.flatMap(ControlData::timeline), role.orElse(null) == DatabaseRole.REPLICA));
  }

  private List<LocalState.TimelineSwitch> history(Optional<Long> timeline, boolean inRecovery) {
    return timeline.map(t -> data.timelineHistory(t, inRecovery)).orElse(List.of());
  }

  private LocalState running(DataDirectoryState dirState, Postmaster pm, Optional<Upstream> upstream) {
    try {
      return query(dirState, pm, upstream);
    } catch (SQLException first) {
      closeCached();
      if (pm.ready()) {
        // A connection that went stale (the server restarted under it) deserves one more try.
        try {
          return query(dirState, pm, upstream);
        } catch (SQLException second) {
          closeCached();
          return unreachable(dirState, pm, upstream, second);
        }
      }
      return unreachable(dirState, pm, upstream, first);
    }
  }

  /** The postmaster lives but SQL does not answer: starting, stopping, or refusing us. */
  private LocalState unreachable(DataDirectoryState dirState, Postmaster pm, Optional<Upstream> upstream, SQLException e) {
    String message = String.valueOf(e.getMessage());
    ProcessState process;
    if (pm.stopping() || message.contains("shutting down")) {
      process = ProcessState.STOPPING;
    } else if (pm.starting() || message.contains("starting up") || message.contains("not yet accepting")) {
      process = ProcessState.STARTING;
    } else {
      process = ProcessState.RUNNING;
      LOG.log(System.Logger.Level.WARNING, "server is up but the probe cannot query it: {0}", message);
    }
    Optional<ControlData> cd = controlData.get();
    Optional<DatabaseRole> role = Optional.of(data.exists(ConfigFiles.STANDBY_SIGNAL) ? DatabaseRole.REPLICA : DatabaseRole.PRIMARY);
    return new LocalState(dirState, cd.flatMap(ControlData::systemIdentifier), process, role,
        cd.flatMap(ControlData::timeline), 0, Optional.empty(), Optional.empty(), Optional.empty(),
        upstream.map(Upstream::member), true, false, Map.of(), pm.startTime(), List.of());
  }

  private LocalState query(DataDirectoryState dirState, Postmaster pm, Optional<Upstream> upstream) throws SQLException {
    synchronized (lock) {
      if (cached == null || cached.isClosed()) {
        cached = sql.connect("postgres");
      }
      Connection c = cached;
      boolean inRecovery;
      long flush;
      Optional<Long> receive;
      Optional<Long> replay;
      Optional<Long> timeline;
      String sysid;
      Optional<Instant> started;
      Optional<ReplicationState> replication = Optional.empty();
      int serverVersion;
      String syncStandbys;
      try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(STATE_QUERY)) {
        rs.next();
        inRecovery = rs.getBoolean(1);
        flush = rs.getLong(2);
        receive = optionalLong(rs, 3);
        replay = optionalLong(rs, 4);
        Optional<Long> primaryTimeline = optionalLong(rs, 5);
        Optional<Long> checkpointTimeline = optionalLong(rs, 6);
        sysid = rs.getString(7);
        OffsetDateTime start = rs.getObject(8, OffsetDateTime.class);
        started = Optional.ofNullable(start).map(OffsetDateTime::toInstant);
        String receiverStatus = rs.getString(9);
        Optional<Long> receivedTimeline = optionalLong(rs, 10).filter(t -> t > 0);
        serverVersion = rs.getInt(11);
        syncStandbys = rs.getString(12);
        if (inRecovery) {
          replication = Optional.of("streaming".equals(receiverStatus) ? ReplicationState.STREAMING : ReplicationState.ARCHIVE_RECOVERY);
          timeline = receivedTimeline.isPresent() ? receivedTimeline : checkpointTimeline;
        } else {
          timeline = primaryTimeline;
        }
      }
      List<ReplicaConnection> replicas = new ArrayList<>();
      try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(REPLICATION_QUERY)) {
        while (rs.next()) {
          replicas.add(new ReplicaConnection(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5)));
        }
      }
      Map<String, PendingChange> pending = new LinkedHashMap<>();
      try (PreparedStatement ps = c.prepareStatement(PENDING_RESTART_QUERY)) {
        ps.setArray(1, c.createArrayOf("text", ConfigFiles.RECOVERY_PARAMETERS.toArray()));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            pending.put(rs.getString(1), new PendingChange(rs.getString(2), rs.getString(3)));
          }
        }
      }
      List<LocalState.ReplicationSlot> slots = Slots.probe(c);
      long position = inRecovery ? Math.max(receive.orElse(0L), replay.orElse(0L)) : flush;
      LocalState state = new LocalState(dirState, Optional.ofNullable(sysid), ProcessState.RUNNING,
          Optional.of(inRecovery ? DatabaseRole.REPLICA : DatabaseRole.PRIMARY), timeline, Math.max(0, position),
          inRecovery ? receive : Optional.empty(), inRecovery ? replay : Optional.empty(), replication,
          inRecovery ? upstream.map(Upstream::member) : Optional.empty(), true, !pending.isEmpty(), pending,
          started.or(pm::startTime), replicas)
          .withTimelineHistory(history(timeline, inRecovery))
          .withServerVersion(serverVersion)
          .withSlots(slots);
      Optional<LocalState.SynchronousStandbys> ssn = synchronousStandbys(syncStandbys, inRecovery, flush);
      return ssn.isPresent() ? state.withSynchronousStandbys(ssn.get()) : state;
    }
  }

  /**
   * synchronous_standby_names with the position since which it is in effect: the flush position of the
   * first probe that saw this value on this server as a primary (so a promotion, or a change of the
   * value, starts it anew). That is at or after the moment the server applied it, which is the safe side:
   * a commit acknowledged before then lies below it. Caller holds the lock.
   */
  private Optional<LocalState.SynchronousStandbys> synchronousStandbys(String value, boolean inRecovery, long flush) {
    if (value == null) {
      lastSyncStandbys = null;
      return Optional.empty();
    }
    if (inRecovery) {
      lastSyncStandbys = null;
    } else if (!value.equals(lastSyncStandbys)) {
      lastSyncStandbys = value;
      syncStandbysSince = Math.max(0, flush);
    }
    Optional<SyncStandbyNames> parsed = SyncStandbyNames.parse(value);
    if (parsed.isEmpty()) {
      LOG.log(System.Logger.Level.WARNING, "cannot parse synchronous_standby_names ''{0}''; reporting it unknown", value);
      return Optional.empty();
    }
    SyncStandbyNames n = parsed.get();
    return Optional.of(new LocalState.SynchronousStandbys(n.members(), n.count(), n.quorum(),
        syncStandbysManaged.getAsBoolean(), inRecovery ? 0 : syncStandbysSince));
  }

  private static Optional<Long> optionalLong(ResultSet rs, int column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? Optional.empty() : Optional.of(v);
  }

  /** Drops the kept connection, e.g. before a smart shutdown that would wait for it. */
  void closeCached() {
    synchronized (lock) {
      // A new connection may follow a restart: what was in effect then is no longer known to be.
      lastSyncStandbys = null;
      if (cached != null) {
        try {
          cached.close();
        } catch (SQLException ignored) {
          // closing a broken connection
        }
        cached = null;
      }
    }
  }

  @Override
  public void close() {
    closeCached();
  }
}
