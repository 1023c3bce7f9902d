package dev.primus.ha;

import dev.primus.dcs.model.MemberStatus.PendingChange;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The local database as the driver's probe saw it. Every field is an observation, never a plan.
 *
 * @param dataDirectory       what the data directory holds
 * @param systemIdentifier    the cluster's system identifier (pg_controldata), if initialized
 * @param process             whether the server runs
 * @param role                primary or in recovery, while running; the role it last ran in otherwise
 * @param timeline            the current timeline, if known
 * @param walPosition         flush LSN on a primary; max(receive, replay) on a replica; from the
 *                            control file's checkpoint when stopped; 0 when unknown
 * @param receiveLsn          last WAL received (replica)
 * @param replayLsn           last WAL replayed (replica)
 * @param replication         streaming or archive recovery (replica), if known
 * @param upstream            the member this replica is configured to stream from, if any
 * @param cleanShutdown       the control file says the last stop was clean ("shut down" / "shut
 *                            down in recovery"); false after a crash
 * @param pendingRestart      parameters wait for a restart
 * @param pendingRestartReason per parameter, old and new value
 * @param postmasterStartTime when the server started, if running
 * @param replicas            rows of pg_stat_replication, one per connected standby (primary; empty
 *                            on a replica and when the server does not run)
 * @param timelineHistory     the server's own timeline history, oldest first: the contents of
 *                            {@code pg_wal/<timeline>.history} (each entry: that timeline ended at that LSN).
 *                            Empty on timeline 1, and when unknown (then the engine falls back to the DCS
 *                            history alone). For a replica whose recovery heads to a newer timeline it may be
 *                            that timeline's file (it then has entries for the current timeline or later).
 * @param serverVersion       the running server's version as PostgreSQL's {@code server_version_num}
 *                            ({@code 150004} for 15.4): the REST API reports it ({@code server_version}) and a
 *                            restart conditioned on a version compares with it. Empty while the server does
 *                            not answer queries, or when the driver cannot tell
 * @param synchronousStandbys {@code synchronous_standby_names} as the running server applies it; empty when
 *                            the server does not run or the driver cannot tell. In synchronous mode the
 *                            engine manages a primary only while this is known.
 * @param slots               the server's replication slots ({@code pg_replication_slots}, temporary ones left
 *                            out), by name order; empty when the server does not run or the driver cannot tell.
 *                            A primary publishes the positions of the permanent logical slots from these
 *                            ({@code status.slots}); a replica learns which of them it has and how far they are.
 */
public record LocalState(
    DataDirectoryState dataDirectory,
    Optional<String> systemIdentifier,
    ProcessState process,
    Optional<DatabaseRole> role,
    Optional<Long> timeline,
    long walPosition,
    Optional<Long> receiveLsn,
    Optional<Long> replayLsn,
    Optional<ReplicationState> replication,
    Optional<String> upstream,
    boolean cleanShutdown,
    boolean pendingRestart,
    Map<String, PendingChange> pendingRestartReason,
    Optional<Instant> postmasterStartTime,
    List<ReplicaConnection> replicas,
    List<TimelineSwitch> timelineHistory,
    Optional<Integer> serverVersion,
    Optional<SynchronousStandbys> synchronousStandbys,
    List<ReplicationSlot> slots) {

  /** Without the replication slots (the server does not run, or the driver cannot tell). */
  public LocalState(DataDirectoryState dataDirectory, Optional<String> systemIdentifier, ProcessState process,
      Optional<DatabaseRole> role, Optional<Long> timeline, long walPosition, Optional<Long> receiveLsn,
      Optional<Long> replayLsn, Optional<ReplicationState> replication, Optional<String> upstream,
      boolean cleanShutdown, boolean pendingRestart, Map<String, PendingChange> pendingRestartReason,
      Optional<Instant> postmasterStartTime, List<ReplicaConnection> replicas, List<TimelineSwitch> timelineHistory,
      Optional<Integer> serverVersion, Optional<SynchronousStandbys> synchronousStandbys) {
    this(dataDirectory, systemIdentifier, process, role, timeline, walPosition, receiveLsn, replayLsn, replication,
        upstream, cleanShutdown, pendingRestart, pendingRestartReason, postmasterStartTime, replicas, timelineHistory,
        serverVersion, synchronousStandbys, List.of());
  }

  /** Without a server version and without the synchronous standbys (the server does not answer, or the driver cannot tell). */
  public LocalState(DataDirectoryState dataDirectory, Optional<String> systemIdentifier, ProcessState process,
      Optional<DatabaseRole> role, Optional<Long> timeline, long walPosition, Optional<Long> receiveLsn,
      Optional<Long> replayLsn, Optional<ReplicationState> replication, Optional<String> upstream,
      boolean cleanShutdown, boolean pendingRestart, Map<String, PendingChange> pendingRestartReason,
      Optional<Instant> postmasterStartTime, List<ReplicaConnection> replicas, List<TimelineSwitch> timelineHistory) {
    this(dataDirectory, systemIdentifier, process, role, timeline, walPosition, receiveLsn, replayLsn, replication,
        upstream, cleanShutdown, pendingRestart, pendingRestartReason, postmasterStartTime, replicas, timelineHistory,
        Optional.empty(), Optional.empty());
  }

  /** Without a timeline history (unknown, or timeline 1), a server version or the synchronous standbys. */
  public LocalState(DataDirectoryState dataDirectory, Optional<String> systemIdentifier, ProcessState process,
      Optional<DatabaseRole> role, Optional<Long> timeline, long walPosition, Optional<Long> receiveLsn,
      Optional<Long> replayLsn, Optional<ReplicationState> replication, Optional<String> upstream,
      boolean cleanShutdown, boolean pendingRestart, Map<String, PendingChange> pendingRestartReason,
      Optional<Instant> postmasterStartTime, List<ReplicaConnection> replicas) {
    this(dataDirectory, systemIdentifier, process, role, timeline, walPosition, receiveLsn, replayLsn, replication,
        upstream, cleanShutdown, pendingRestart, pendingRestartReason, postmasterStartTime, replicas, List.of());
  }

  public LocalState {
    Objects.requireNonNull(dataDirectory, "dataDirectory");
    Objects.requireNonNull(systemIdentifier, "systemIdentifier");
    Objects.requireNonNull(process, "process");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(timeline, "timeline");
    Objects.requireNonNull(receiveLsn, "receiveLsn");
    Objects.requireNonNull(replayLsn, "replayLsn");
    Objects.requireNonNull(replication, "replication");
    Objects.requireNonNull(upstream, "upstream");
    pendingRestartReason = Map.copyOf(pendingRestartReason);
    Objects.requireNonNull(postmasterStartTime, "postmasterStartTime");
    replicas = List.copyOf(replicas);
    timelineHistory = List.copyOf(timelineHistory);
    Objects.requireNonNull(serverVersion, "serverVersion");
    Objects.requireNonNull(synchronousStandbys, "synchronousStandbys");
    slots = List.copyOf(slots);
    if (walPosition < 0) {
      throw new IllegalArgumentException("walPosition must not be negative, got " + walPosition);
    }
    if (serverVersion.isPresent() && serverVersion.get() <= 0) {
      throw new IllegalArgumentException("serverVersion must be positive, got " + serverVersion.get());
    }
  }

  /** A node with an empty data directory and nothing running. */
  public static LocalState empty() {
    return new LocalState(DataDirectoryState.EMPTY, Optional.empty(), ProcessState.STOPPED, Optional.empty(),
        Optional.empty(), 0, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), true,
        false, Map.of(), Optional.empty(), List.of());
  }

  /** This state with {@code history} as the server's timeline history. */
  public LocalState withTimelineHistory(List<TimelineSwitch> history) {
    return new LocalState(dataDirectory, systemIdentifier, process, role, timeline, walPosition, receiveLsn, replayLsn,
        replication, upstream, cleanShutdown, pendingRestart, pendingRestartReason, postmasterStartTime, replicas,
        history, serverVersion, synchronousStandbys, slots);
  }

  /** This state with {@code version} ({@code server_version_num}) as the running server's version. */
  public LocalState withServerVersion(int version) {
    return new LocalState(dataDirectory, systemIdentifier, process, role, timeline, walPosition, receiveLsn, replayLsn,
        replication, upstream, cleanShutdown, pendingRestart, pendingRestartReason, postmasterStartTime, replicas,
        timelineHistory, Optional.of(version), synchronousStandbys, slots);
  }

  /** This state with {@code ssn} as the server's {@code synchronous_standby_names}. */
  public LocalState withSynchronousStandbys(SynchronousStandbys ssn) {
    return new LocalState(dataDirectory, systemIdentifier, process, role, timeline, walPosition, receiveLsn, replayLsn,
        replication, upstream, cleanShutdown, pendingRestart, pendingRestartReason, postmasterStartTime, replicas,
        timelineHistory, serverVersion, Optional.of(ssn), slots);
  }

  /** This state with {@code slots} as the server's replication slots. */
  public LocalState withSlots(List<ReplicationSlot> slots) {
    return new LocalState(dataDirectory, systemIdentifier, process, role, timeline, walPosition, receiveLsn, replayLsn,
        replication, upstream, cleanShutdown, pendingRestart, pendingRestartReason, postmasterStartTime, replicas,
        timelineHistory, serverVersion, synchronousStandbys, slots);
  }

  public boolean isRunning() {
    return process == ProcessState.RUNNING;
  }

  /** Running and accepting writes. */
  public boolean isRunningPrimary() {
    return isRunning() && role.orElse(null) == DatabaseRole.PRIMARY;
  }

  /** What the data directory holds. */
  public enum DataDirectoryState {
    /** Missing or empty: needs bootstrap or a replica build. */
    EMPTY,
    /** A cluster with a readable control file. */
    INITIALIZED,
    /** Something is there but it is not a usable cluster (no control file, unreadable). */
    INVALID
  }

  /** Whether the server runs. */
  public enum ProcessState {
    STOPPED,
    STARTING,
    RUNNING,
    STOPPING,
    /** Not running, but it was not stopped by us (postmaster died, unclean control file). */
    CRASHED
  }

  /** How a replica gets WAL. */
  public enum ReplicationState {
    STREAMING,
    ARCHIVE_RECOVERY
  }

  /**
   * One row of {@code pg_stat_replication} on a primary: a standby streaming from it. The engine picks
   * synchronous standbys from these rows and confirms them by their {@code syncState} and
   * {@code flushLsn}, so a driver must report them as the server does.
   *
   * @param applicationName the standby's {@code application_name}: the member name (Primus and Patroni
   *                        put it into {@code primary_conninfo}); {@code ""} when unknown
   * @param state           the walsender state as PostgreSQL spells it: {@code startup},
   *                        {@code catchup}, {@code streaming}, {@code backup}, {@code stopping}
   * @param syncState       {@code async}, {@code potential}, {@code sync} or {@code quorum}: whether the
   *                        primary's commits wait for this standby now
   * @param flushLsn        the last WAL position the standby reported flushed to disk (0 if unknown)
   * @param replayLsn       the last WAL position the standby reported replayed (0 if unknown)
   */
  public record ReplicaConnection(String applicationName, String state, String syncState, long flushLsn, long replayLsn) {
    public ReplicaConnection {
      Objects.requireNonNull(applicationName, "applicationName");
      Objects.requireNonNull(state, "state");
      Objects.requireNonNull(syncState, "syncState");
    }

    /** The walsender streams (PostgreSQL only chooses synchronous standbys among streaming ones). */
    public boolean streaming() {
      return state.equalsIgnoreCase("streaming");
    }

    /** The primary's commits wait for this standby now. */
    public boolean synchronous() {
      return syncState.equalsIgnoreCase("sync");
    }
  }

  /**
   * {@code synchronous_standby_names} as the server applies it, with what the engine needs to know
   * which acknowledged commits a standby must already hold.
   *
   * @param members standby names (application names, unquoted) in priority order; {@link #ANY} alone is
   *                PostgreSQL's {@code *}, any standby; empty when commits wait for no standby
   * @param count   how many of {@code members} each commit waits for; 0 when {@code members} is empty
   * @param quorum  the {@code ANY n (...)} form (quorum commit); false for {@code FIRST n (...)} and the
   *                plain list. Primus never sets it; it is reported so that the engine can replace it
   * @param managed the value was set through
   *                {@link dev.primus.ha.driver.DatabaseDriver#setSynchronousStandbys}, overriding the
   *                user's configured one; false when the user's value (or none) applies
   * @param since   the primary's WAL flush position when this value was first seen in effect, or later: a
   *                commit acknowledged to a client before the value took effect lies at or below it. A
   *                driver that cannot tell when the value took effect reports the current flush
   *                position the first time it sees a value (later is always safe, earlier never is).
   *                0 on a replica.
   */
  public record SynchronousStandbys(List<String> members, int count, boolean quorum, boolean managed, long since) {
    /** PostgreSQL's wildcard: any standby may be the synchronous one. */
    public static final String ANY = "*";

    public SynchronousStandbys {
      members = List.copyOf(members);
      if (count < 0 || count > Math.max(1, members.size()) || members.isEmpty() != (count == 0)) {
        throw new IllegalArgumentException("synchronous standbys: count " + count + " does not fit " + members);
      }
      if (since < 0) {
        throw new IllegalArgumentException("since must not be negative, got " + since);
      }
    }

    /** Commits wait for no standby. */
    public boolean off() {
      return members.isEmpty();
    }

    /** The {@code *} placeholder: any standby acknowledges. */
    public boolean anyStandby() {
      return members.equals(List.of(ANY));
    }

    /** Whether {@code name} is listed by name ({@code *} does not count). */
    public boolean lists(String name) {
      return members.stream().anyMatch(m -> !m.equals(ANY) && m.equalsIgnoreCase(name));
    }
  }

  /**
   * A replication slot on the server, as {@code pg_replication_slots} shows it.
   *
   * @param name           the slot name
   * @param logical        a logical slot (it has a database and an output plugin); physical otherwise
   * @param database       the database of a logical slot
   * @param plugin         the output plugin of a logical slot
   * @param confirmedFlush a logical slot's {@code confirmed_flush_lsn}: its consumer has everything before it;
   *                       empty for a physical slot, or when not yet known
   */
  public record ReplicationSlot(String name, boolean logical, Optional<String> database, Optional<String> plugin,
      Optional<Long> confirmedFlush) {
    public ReplicationSlot {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(database, "database");
      Objects.requireNonNull(plugin, "plugin");
      Objects.requireNonNull(confirmedFlush, "confirmedFlush");
    }

    /** A logical slot of {@code plugin} in {@code database}, confirmed up to {@code confirmedFlush}. */
    public static ReplicationSlot logical(String name, String database, String plugin, long confirmedFlush) {
      return new ReplicationSlot(name, true, Optional.of(database), Optional.of(plugin), Optional.of(confirmedFlush));
    }

    /** A physical slot. */
    public static ReplicationSlot physical(String name) {
      return new ReplicationSlot(name, false, Optional.empty(), Optional.empty(), Optional.empty());
    }
  }

  /**
   * One line of a PostgreSQL timeline history file: timeline {@code timeline} ended at {@code switchLsn}
   * (where the next timeline of this branch begins).
   */
  public record TimelineSwitch(long timeline, long switchLsn) {
    public TimelineSwitch {
      if (timeline < 1 || switchLsn < 0) {
        throw new IllegalArgumentException("bad timeline switch: " + timeline + " at " + switchLsn);
      }
    }
  }
}
