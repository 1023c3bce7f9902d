package dev.primus.ha;

import dev.primus.ha.LocalState.DataDirectoryState;
import dev.primus.ha.LocalState.ProcessState;
import dev.primus.ha.LocalState.ReplicationState;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The local database as the probe would report it. */
final class LocalBuilder {
  private DataDirectoryState dataDirectory = DataDirectoryState.INITIALIZED;
  private Optional<String> sysid = Optional.of(ClusterBuilder.SYSID);
  private ProcessState process = ProcessState.RUNNING;
  private Optional<DatabaseRole> role = Optional.of(DatabaseRole.REPLICA);
  private Optional<Long> timeline = Optional.of(1L);
  private long wal;
  private Optional<Long> replay = Optional.empty();
  private Optional<ReplicationState> replication = Optional.of(ReplicationState.STREAMING);
  private Optional<String> upstream = Optional.empty();
  private List<LocalState.TimelineSwitch> history = List.of();
  private final List<LocalState.ReplicaConnection> replicas = new java.util.ArrayList<>();
  private Optional<LocalState.SynchronousStandbys> ssn = Optional.empty();

  static LocalBuilder runningPrimary() {
    LocalBuilder b = new LocalBuilder();
    b.role = Optional.of(DatabaseRole.PRIMARY);
    b.replication = Optional.empty();
    return b;
  }

  static LocalBuilder runningReplica() {
    return new LocalBuilder();
  }

  static LocalBuilder stoppedPrimary() {
    return runningPrimary().process(ProcessState.STOPPED);
  }

  static LocalBuilder crashedPrimary() {
    return runningPrimary().process(ProcessState.CRASHED);
  }

  static LocalBuilder stoppedReplica() {
    return runningReplica().process(ProcessState.STOPPED).notStreaming();
  }

  static LocalBuilder emptyDataDirectory() {
    LocalBuilder b = new LocalBuilder();
    b.dataDirectory = DataDirectoryState.EMPTY;
    b.sysid = Optional.empty();
    b.process = ProcessState.STOPPED;
    b.role = Optional.empty();
    b.timeline = Optional.empty();
    b.replication = Optional.empty();
    return b;
  }

  LocalBuilder process(ProcessState p) {
    process = p;
    if (p != ProcessState.RUNNING) {
      replication = Optional.empty();
    }
    return this;
  }

  LocalBuilder wal(long lsn) {
    wal = lsn;
    return this;
  }

  LocalBuilder replay(long lsn) {
    replay = Optional.of(lsn);
    return this;
  }

  LocalBuilder timeline(long tl) {
    timeline = Optional.of(tl);
    return this;
  }

  LocalBuilder sysid(String id) {
    sysid = Optional.of(id);
    return this;
  }

  LocalBuilder invalidDataDirectory() {
    dataDirectory = DataDirectoryState.INVALID;
    sysid = Optional.empty();
    return this;
  }

  LocalBuilder upstream(String member) {
    upstream = Optional.of(member);
    return this;
  }

  /** The server's own timeline history: pairs of (timeline, the LSN where it ended). */
  LocalBuilder history(long... timelineAndLsn) {
    List<LocalState.TimelineSwitch> h = new java.util.ArrayList<>();
    for (int i = 0; i + 1 < timelineAndLsn.length; i += 2) {
      h.add(new LocalState.TimelineSwitch(timelineAndLsn[i], timelineAndLsn[i + 1]));
    }
    history = List.copyOf(h);
    return this;
  }

  /** A row of pg_stat_replication: {@code member} streams, in {@code syncState}, flushed to {@code flush}. */
  LocalBuilder standby(String member, String syncState, long flush) {
    replicas.add(new LocalState.ReplicaConnection(member, "streaming", syncState, flush, flush));
    return this;
  }

  LocalBuilder standbyRow(LocalState.ReplicaConnection row) {
    replicas.add(row);
    return this;
  }

  /** synchronous_standby_names as Primus set it: all of {@code members}, in effect since {@code since}. */
  LocalBuilder ssn(long since, String... members) {
    ssn = Optional.of(new LocalState.SynchronousStandbys(List.of(members), members.length, false, true, since));
    return this;
  }

  /** synchronous_standby_names from the user's configuration. */
  LocalBuilder userSsn(LocalState.SynchronousStandbys value) {
    ssn = Optional.of(value);
    return this;
  }

  /** The control file says the last stop was not clean (a crash, an immediate stop). */
  LocalBuilder unclean() {
    unclean = true;
    return this;
  }

  private boolean unclean;
  private Optional<Integer> version = Optional.empty();

  /** The running server's {@code server_version_num}. */
  LocalBuilder version(int v) {
    version = Optional.of(v);
    return this;
  }

  private final List<LocalState.ReplicationSlot> slots = new java.util.ArrayList<>();

  /** A replication slot on the server. */
  LocalBuilder slot(LocalState.ReplicationSlot slot) {
    slots.add(slot);
    return this;
  }

  LocalBuilder notStreaming() {
    replication = Optional.empty();
    return this;
  }

  LocalState build() {
    boolean runningReplica = process == ProcessState.RUNNING && role.orElse(null) == DatabaseRole.REPLICA;
    return new LocalState(dataDirectory, sysid, process, role, timeline, wal,
        runningReplica ? Optional.of(wal) : Optional.empty(),
        runningReplica ? replay.or(() -> Optional.of(wal)) : Optional.empty(),
        replication, upstream, process != ProcessState.RUNNING && !unclean, false, Map.of(), Optional.empty(), replicas, history, version,
        ssn, slots);
  }
}
