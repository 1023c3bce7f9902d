package dev.primus.agent.sim;

import dev.primus.ha.ActionOutcome;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.LocalState;
import dev.primus.ha.StopMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * One member's simulated PostgreSQL: a data directory (system identifier, WAL lineage, position), a
 * server process, and the operations the executor runs on it. Operations take simulated time and end
 * by calling back with an {@link ActionOutcome}; one runs at a time. WAL positions move in
 * {@link DatabaseFleet#settle}, piecewise linearly between events, so they are exact at every event.
 *
 * <p>Writability is what the safety invariants watch: a server is a writable primary while its process
 * is {@link Process#RUNNING} as {@link DatabaseRole#PRIMARY}. A stop keeps it writable for a signal
 * delay (pg_ctl reaching the postmaster), then it is {@link Process#STOPPING} and refuses writes.
 */
final class SimDatabase {

  /** The server process. */
  enum Process { STOPPED, STARTING, RUNNING, STOPPING, CRASHED }

  /** Why a server became a writable primary, for invariant 2. */
  enum WritableCause { BOOTSTRAP, PROMOTE, START_PROMOTING, RESTART_AS_PRIMARY }

  private final String name;
  private final DatabaseFleet fleet;
  private final long streamDelayMillis;

  // The data directory.
  private boolean initialized;
  /** The highest timeline whose history file this data directory holds (pg_wal/*.history). */
  private long newestKnownTimeline;
  private String systemIdentifier;
  private Lineage lineage;
  /** The newest history file a walreceiver fetched from an upstream it could not follow; null if none. */
  private Lineage fetchedHistory;
  long position;

  // The server.
  private Process process = Process.STOPPED;
  private DatabaseRole role;
  private Optional<String> upstream = Optional.empty();
  /** Made read-only by a member that promoted itself (the fence is in the data directory until the next start). */
  private boolean fenced;
  private boolean cleanShutdown = true;
  private Instant startedAt;
  boolean streaming;
  /** Shutting down in fast or smart mode: walsenders still deliver WAL until the process exits. */
  private boolean stoppingCleanly;

  // synchronous_standby_names, as the data directory's configuration has it.
  private List<String> ssnMembers = List.of();
  private int ssnCount;
  private boolean ssnManaged;
  /** This primary's position when the value took effect (set, or the server became primary). */
  private long ssnSince;

  // The operation in flight, if any.
  private Scheduler.Event opEvent;
  private Consumer<ActionOutcome> opDone;
  private String opName;
  /** Stops begun so far: an escalation belongs to one of them. */
  private long stops;

  SimDatabase(String name, DatabaseFleet fleet, long streamDelayMillis) {
    this.name = name;
    this.fleet = fleet;
    this.streamDelayMillis = streamDelayMillis;
  }

  // ---- observation --------------------------------------------------------------------------

  String name() {
    return name;
  }

  boolean isWritablePrimary() {
    return process == Process.RUNNING && role == DatabaseRole.PRIMARY && !fenced;
  }

  boolean fenced() {
    return fenced;
  }

  /**
   * Another member fences this server through its own database before promoting itself (the PostgreSQL driver's
   * {@code default_transaction_read_only} and ended sessions): a running primary stops taking writes at once; a
   * server that does not run cannot be reached; a replica has nothing to fence. The next start lifts it.
   */
  dev.primus.ha.driver.FenceResult fence(String by) {
    if (process != Process.RUNNING) {
      return dev.primus.ha.driver.FenceResult.of(dev.primus.ha.driver.FenceResult.Outcome.NOT_REACHABLE,
          "server is " + process);
    }
    if (role != DatabaseRole.PRIMARY) {
      return dev.primus.ha.driver.FenceResult.of(dev.primus.ha.driver.FenceResult.Outcome.ALREADY_IN_RECOVERY,
          "in recovery");
    }
    fleet.settle();
    fenced = true;
    return dev.primus.ha.driver.FenceResult.of(dev.primus.ha.driver.FenceResult.Outcome.FENCED,
        "read-only, sessions ended, by " + by);
  }

  boolean isRunning() {
    return process == Process.RUNNING;
  }

  boolean isRunningReplica() {
    return process == Process.RUNNING && role == DatabaseRole.REPLICA;
  }

  boolean initialized() {
    return initialized;
  }

  Optional<String> systemIdentifier() {
    return Optional.ofNullable(systemIdentifier);
  }

  Lineage lineage() {
    return lineage;
  }

  long position() {
    return position;
  }

  Process process() {
    return process;
  }

  Optional<DatabaseRole> role() {
    return Optional.ofNullable(role);
  }

  Optional<String> upstream() {
    return upstream;
  }

  /** Whether standbys still receive WAL from this server: running, or shutting down cleanly. */
  boolean sendsWal() {
    return process == Process.RUNNING || process == Process.STOPPING && stoppingCleanly;
  }

  boolean busy() {
    return opEvent != null;
  }

  long streamDelayMillis() {
    return streamDelayMillis;
  }

  /** What the driver's probe would report now. */
  LocalState probe() {
    if (!initialized) {
      return LocalState.empty();
    }
    boolean replica = role == DatabaseRole.REPLICA;
    boolean up = process == Process.RUNNING;
    List<LocalState.ReplicaConnection> rows = new ArrayList<>();
    if (isWritablePrimary()) {
      List<SimDatabase> sync = syncStandbys();
      for (SimDatabase r : fleet.streamingFrom(name)) {
        String state = sync.contains(r) ? "sync" : waitsFor(r.name) ? "potential" : "async";
        rows.add(new LocalState.ReplicaConnection(r.name, "streaming", state, r.position, r.position));
      }
    }
    Optional<LocalState.SynchronousStandbys> ssn = up
        ? Optional.of(new LocalState.SynchronousStandbys(ssnMembers, ssnCount, false, ssnManaged,
            isWritablePrimary() ? ssnSince : 0))
        : Optional.empty();
    return new LocalState(
        LocalState.DataDirectoryState.INITIALIZED,
        Optional.of(systemIdentifier),
        processState(),
        Optional.ofNullable(role),
        Optional.of(lineage.timeline()),
        position,
        replica && up ? Optional.of(position) : Optional.empty(),
        replica && up ? Optional.of(position) : Optional.empty(),
        replica && up && streaming ? Optional.of(LocalState.ReplicationState.STREAMING) : Optional.empty(),
        replica ? upstream : Optional.empty(),
        cleanShutdown && process != Process.RUNNING,
        false,
        Map.of(),
        up ? Optional.ofNullable(startedAt) : Optional.empty(),
        rows,
        timelineHistory(),
        Optional.empty(),
        ssn);
  }

  // ---- synchronous replication --------------------------------------------------------------

  /** synchronous_standby_names lists {@code standby} by name, or is {@code *}. */
  private boolean waitsFor(String standby) {
    return ssnMembers.equals(List.of(LocalState.SynchronousStandbys.ANY)) || ssnMembers.contains(standby);
  }

  /**
   * The standbys this primary's commits wait for now (PostgreSQL's {@code FIRST n}): the first
   * {@code count} of those synchronous_standby_names lists, in its order, that stream from it; with
   * {@code *}, the first streaming ones by name.
   */
  List<SimDatabase> syncStandbys() {
    if (ssnMembers.isEmpty()) {
      return List.of();
    }
    List<SimDatabase> streaming = fleet.streamingFrom(name);
    List<SimDatabase> eligible = new ArrayList<>();
    if (ssnMembers.equals(List.of(LocalState.SynchronousStandbys.ANY))) {
      streaming.stream().sorted(java.util.Comparator.comparing(SimDatabase::name)).forEach(eligible::add);
    } else {
      for (String m : ssnMembers) {
        streaming.stream().filter(r -> r.name.equals(m)).findFirst().ifPresent(eligible::add);
      }
    }
    return eligible.subList(0, Math.min(ssnCount, eligible.size()));
  }

  /**
   * How far this primary's commits are acknowledged now: its own position when no standby is waited
   * for, else the least position among the synchronous standbys; empty while fewer of them stream than
   * synchronous_standby_names asks for (commits wait).
   */
  OptionalLong acknowledged() {
    if (ssnMembers.isEmpty()) {
      return OptionalLong.of(position);
    }
    List<SimDatabase> sync = syncStandbys();
    if (sync.size() < ssnCount) {
      return OptionalLong.empty();
    }
    long ack = position;
    for (SimDatabase r : sync) {
      ack = Math.min(ack, r.position);
    }
    return OptionalLong.of(ack);
  }

  /** DatabaseDriver#setSynchronousStandbys: the configuration file, then a reload that applies it at once. */
  ActionOutcome setSynchronousStandbys(List<String> members, int count) {
    if (!initialized) {
      return new ActionOutcome.Failed("data directory is empty");
    }
    fleet.settle();
    if (!members.equals(ssnMembers) || count != ssnCount) {
      ssnSince = position;
    }
    ssnMembers = List.copyOf(members);
    ssnCount = count;
    ssnManaged = true;
    // Commits waiting for a standby no longer required are acknowledged now.
    fleet.trackAcknowledgements();
    return success();
  }

  /** DatabaseDriver#clearSynchronousStandbys: the simulated user configured none. */
  ActionOutcome clearSynchronousStandbys() {
    ActionOutcome o = setSynchronousStandbys(List.of(), 0);
    ssnManaged = false;
    return o;
  }

  /** The current synchronous_standby_names takes effect on this new primary from here. */
  private void becamePrimary() {
    ssnSince = position;
  }

  /**
   * pg_wal/&lt;timeline&gt;.history of the current timeline: where each earlier branch of the lineage ended.
   * A replica reports the newest history file it holds, as the driver does: one its walreceiver fetched
   * from an upstream on a later timeline, even one it then could not follow.
   */
  private List<LocalState.TimelineSwitch> timelineHistory() {
    boolean fetchedIsNewer = fetchedHistory != null && fetchedHistory.timeline() > lineage.timeline();
    return switches(role == DatabaseRole.REPLICA && fetchedIsNewer ? fetchedHistory : lineage);
  }

  private static List<LocalState.TimelineSwitch> switches(Lineage lineage) {
    List<LocalState.TimelineSwitch> h = new ArrayList<>();
    List<Lineage.Segment> s = lineage.segments();
    for (int i = 1; i < s.size(); i++) {
      h.add(new LocalState.TimelineSwitch(s.get(i - 1).timeline(), s.get(i).startLsn()));
    }
    return h;
  }

  private LocalState.ProcessState processState() {
    return switch (process) {
      case STOPPED -> LocalState.ProcessState.STOPPED;
      case STARTING -> LocalState.ProcessState.STARTING;
      case RUNNING -> LocalState.ProcessState.RUNNING;
      case STOPPING -> LocalState.ProcessState.STOPPING;
      case CRASHED -> LocalState.ProcessState.CRASHED;
    };
  }

  // ---- operations ---------------------------------------------------------------------------

  /** initdb and start as primary of a new cluster. */
  void bootstrap(Consumer<ActionOutcome> done) {
    if (refuseIf(busy(), "another operation is running", done)
        || refuseIf(initialized, "data directory is not empty", done)) {
      return;
    }
    DbLatencies l = fleet.latencies();
    run("bootstrap", fleet.draw(l.initdbMin(), l.initdbMax()), done, () -> {
      fleet.settle();
      initialized = true;
      systemIdentifier = fleet.newSystemIdentifier();
      lineage = Lineage.initial(fleet.newBranch(), fleet.initialLsn());
      newestKnownTimeline = 1;
      position = lineage.last().startLsn();
      role = DatabaseRole.PRIMARY;
      upstream = Optional.empty();
      cleanShutdown = false;
      process = Process.RUNNING;
      startedAt = fleet.now();
      becamePrimary();
      fleet.becameWritable(this, WritableCause.BOOTSTRAP);
      return success();
    });
  }

  /** Base backup from {@code source} into the empty data directory; leaves it stopped. */
  void createReplica(String source, Consumer<ActionOutcome> done) {
    if (refuseIf(busy(), "another operation is running", done)
        || refuseIf(initialized, "data directory is not empty", done)
        || refuseIf(process == Process.RUNNING, "server is running", done)) {
      return;
    }
    SimDatabase src = fleet.get(source);
    if (refuseIf(src == null || !src.isRunning(), "source " + source + " is not running", done)) {
      return;
    }
    DbLatencies l = fleet.latencies();
    run("basebackup", fleet.draw(l.baseBackupMin(), l.baseBackupMax()), done, () -> {
      fleet.settle();
      if (!src.isRunning() || !src.initialized) {
        return new ActionOutcome.Failed("base backup source " + source + " went away");
      }
      initialized = true;
      systemIdentifier = src.systemIdentifier;
      lineage = src.lineage;
      newestKnownTimeline = Math.max(src.newestKnownTimeline, src.lineage.timeline());
      position = src.position;
      role = DatabaseRole.REPLICA;
      upstream = Optional.of(source);
      cleanShutdown = true;
      process = Process.STOPPED;
      return success();
    });
  }

  /** Starts the server as {@code wanted}; a replica streams from {@code from}. */
  void start(DatabaseRole wanted, Optional<String> from, Consumer<ActionOutcome> done) {
    if (process == Process.RUNNING && role == wanted && !busy()) {
      if (wanted == DatabaseRole.REPLICA && from.isPresent()) {
        upstream = from;
      }
      done.accept(success());
      return;
    }
    if (refuseIf(busy(), "another operation is running", done)
        || refuseIf(!initialized, "data directory is empty", done)
        || refuseIf(process != Process.STOPPED && process != Process.CRASHED, "server is " + process, done)) {
      return;
    }
    DbLatencies l = fleet.latencies();
    Duration d = fleet.draw(l.startMin(), l.startMax());
    if (!cleanShutdown) {
      d = d.plus(fleet.draw(l.crashRecoveryMin(), l.crashRecoveryMax()));
    }
    DatabaseRole before = role;
    process = Process.STARTING;
    if (wanted == DatabaseRole.REPLICA) {
      role = DatabaseRole.REPLICA;
      upstream = from;
    }
    run("start " + wanted.name().toLowerCase(), d, done, () -> {
      fleet.settle();
      // The driver lifts a fence when it starts the server.
      fenced = false;
      process = Process.RUNNING;
      cleanShutdown = false;
      startedAt = fleet.now();
      if (wanted == DatabaseRole.PRIMARY) {
        upstream = Optional.empty();
        role = DatabaseRole.PRIMARY;
        becamePrimary();
        if (before == DatabaseRole.REPLICA) {
          // Started without standby.signal after running as a standby: the end of recovery picks a
          // new timeline, exactly as a promotion does.
          lineage = lineage.branch(fleet.newBranch(), newTimeline(), position);
          fleet.becameWritable(this, WritableCause.START_PROMOTING);
        } else {
          fleet.becameWritable(this, WritableCause.RESTART_AS_PRIMARY);
        }
      }
      return success();
    });
  }

  /**
   * Stops the server. The postmaster gets the signal after a short delay (still writable until then),
   * then shuts down; fast and smart modes end with a shutdown checkpoint that connected standbys
   * receive, immediate leaves the control file unclean.
   */
  void stop(StopMode mode, Consumer<ActionOutcome> done) {
    stop(mode, false, Optional.empty(), done);
  }

  /**
   * A stop that may hang and is escalated: a primary's fast (or smart) shutdown that {@code mayHang} hangs,
   * when the fleet draws so, after its shutdown checkpoint, with a walsender waiting for a standby that no
   * longer answers (PostgreSQL waits up to {@code wal_sender_timeout}); it then ends only when escalated.
   * {@code escalateAfter} from now (the driver's immediate shutdown, then SIGKILL) a stop still under way
   * ends after an immediate stop's latency, as clean as it had got: a shutdown checkpoint already written
   * stays written.
   */
  void stop(StopMode mode, boolean mayHang, Optional<Duration> escalateAfter, Consumer<ActionOutcome> done) {
    if (process == Process.STOPPED || process == Process.CRASHED) {
      done.accept(success());
      return;
    }
    if (busy() && process == Process.STARTING) {
      // pg_ctl stop works on a server that is still starting: the start ends there.
      abortOperation("stopped while starting");
    }
    if (refuseIf(busy(), "another operation is running", done)) {
      return;
    }
    DbLatencies l = fleet.latencies();
    Duration signal = fleet.draw(l.signalMin(), l.signalMax());
    Duration shutdown = mode == StopMode.IMMEDIATE
        ? fleet.draw(l.immediateStopMin(), l.immediateStopMax())
        : fleet.draw(l.fastStopMin(), l.fastStopMax());
    // The signal arrives first (still writable until then), then the shutdown itself takes time.
    boolean hangs = mayHang && mode != StopMode.IMMEDIATE && role == DatabaseRole.PRIMARY && fleet.shutdownHangs();
    opName = "stop " + mode.name().toLowerCase() + (hangs ? " (hangs)" : "");
    opDone = done;
    String op = opName;
    long serial = ++stops;
    opEvent = fleet.scheduler().after(signal, name + " stop signal", () -> {
      fleet.settle();
      process = Process.STOPPING;
      stoppingCleanly = mode != StopMode.IMMEDIATE;
      // A hanging shutdown has an event far away only so that the operation stays in flight; escalation ends it.
      Duration until = hangs ? Duration.ofDays(1) : shutdown;
      opEvent = fleet.scheduler().after(until, name + " stopped", () -> finish(() -> stopped(mode != StopMode.IMMEDIATE)));
    });
    escalateAfter.ifPresent(after -> fleet.scheduler().after(after, name + " stop escalated", () -> {
      if (serial != stops || !op.equals(opName) || process != Process.STOPPING || opEvent == null) {
        return;
      }
      opEvent.cancel();
      fleet.stopEscalated();
      boolean checkpointWritten = stoppingCleanly;
      opName = op + ", escalated";
      opEvent = fleet.scheduler().after(fleet.draw(l.immediateStopMin(), l.immediateStopMax()), name + " stopped (escalated)",
          () -> finish(() -> stopped(checkpointWritten)));
    }));
  }

  private ActionOutcome stopped(boolean clean) {
    fleet.settle();
    if (clean && role == DatabaseRole.PRIMARY) {
      fleet.shutdownCheckpointReachesStandbys(this);
    }
    process = Process.STOPPED;
    cleanShutdown = clean;
    streaming = false;
    return success();
  }

  /** pg_ctl promote: ends recovery after the promote latency and starts a new timeline. */
  void promote(Consumer<ActionOutcome> done) {
    if (refuseIf(busy(), "another operation is running", done)
        || refuseIf(!isRunningReplica(), "not a running replica (" + process + ", " + role + ")", done)) {
      return;
    }
    DbLatencies l = fleet.latencies();
    run("promote", fleet.draw(l.promoteMin(), l.promoteMax()), done, () -> {
      fleet.settle();
      if (!isRunningReplica()) {
        return new ActionOutcome.Failed("server is no longer a running replica");
      }
      lineage = lineage.branch(fleet.newBranch(), newTimeline(), position);
      role = DatabaseRole.PRIMARY;
      upstream = Optional.empty();
      streaming = false;
      becamePrimary();
      fleet.becameWritable(this, WritableCause.PROMOTE);
      return success();
    });
  }

  /** Points a replica at {@code to} (reload); a stopped server just gets the new configuration. */
  void follow(String to, Consumer<ActionOutcome> done) {
    if (refuseIf(busy(), "another operation is running", done)
        || refuseIf(!initialized, "data directory is empty", done)
        || refuseIf(isWritablePrimary() || (process != Process.STOPPED && process != Process.CRASHED
            && role == DatabaseRole.PRIMARY), "runs as primary; demote it first", done)) {
      return;
    }
    if (process != Process.RUNNING) {
      upstream = Optional.of(to);
      role = DatabaseRole.REPLICA;
      done.accept(success());
      return;
    }
    DbLatencies l = fleet.latencies();
    run("follow " + to, fleet.draw(l.followMin(), l.followMax()), done, () -> {
      fleet.settle();
      upstream = Optional.of(to);
      return success();
    });
  }

  /** pg_rewind from {@code source}: the stopped server's history becomes the source's. */
  void rewind(String source, Consumer<ActionOutcome> done) {
    if (refuseIf(busy(), "another operation is running", done)
        || refuseIf(!initialized, "data directory is empty", done)
        || refuseIf(process != Process.STOPPED && process != Process.CRASHED, "server is " + process, done)) {
      return;
    }
    SimDatabase src = fleet.get(source);
    if (refuseIf(src == null || !src.isRunning(), "rewind source " + source + " is not running", done)
        || refuseIf(!src.systemIdentifier.equals(systemIdentifier), "rewind source has another system id", done)) {
      return;
    }
    DbLatencies l = fleet.latencies();
    Duration d = fleet.draw(l.rewindMin(), l.rewindMax());
    if (!cleanShutdown) {
      d = d.plus(fleet.draw(l.crashRecoveryMin(), l.crashRecoveryMax()));
    }
    run("rewind from " + source, d, done, () -> {
      fleet.settle();
      if (!src.isRunning()) {
        return new ActionOutcome.Failed("rewind source " + source + " went away");
      }
      position = Math.min(position, lineage.forkPoint(src.lineage));
      lineage = src.lineage;
      fetchedHistory = null;
      newestKnownTimeline = Math.max(newestKnownTimeline, src.lineage.timeline());
      role = DatabaseRole.REPLICA;
      upstream = Optional.of(source);
      cleanShutdown = true;
      return success();
    });
  }

  /** Stops the server at once, wipes the data directory and takes a new base backup from {@code source}. */
  void reinitialize(String source, Consumer<ActionOutcome> done) {
    if (refuseIf(busy(), "another operation is running", done)) {
      return;
    }
    SimDatabase src = fleet.get(source);
    if (refuseIf(src == null || !src.isRunning(), "source " + source + " is not running", done)) {
      return;
    }
    fleet.settle();
    process = Process.STOPPED;
    streaming = false;
    wipe();
    createReplica(source, done);
  }

  /** Stop (fast) and start again in the same role. */
  void restart(Consumer<ActionOutcome> done) {
    DatabaseRole r = role == null ? DatabaseRole.REPLICA : role;
    Optional<String> up = upstream;
    stop(StopMode.FAST, stopped -> {
      if (!stopped.succeeded()) {
        done.accept(stopped);
        return;
      }
      start(r, up, done);
    });
  }

  /** A CHECKPOINT on a running server. */
  ActionOutcome checkpoint() {
    return process == Process.RUNNING ? success() : new ActionOutcome.Failed("server is not running");
  }

  /** SIGHUP. */
  ActionOutcome reload() {
    return process == Process.RUNNING ? success() : new ActionOutcome.Failed("server is not running");
  }

  /**
   * A streaming replica replays the timeline switches its upstream's history has up to its position,
   * and its walreceiver fetches the history file of the timeline it streams.
   */
  void adoptReachedLineage(Lineage source) {
    if (source.segments().size() > lineage.segments().size()) {
      lineage = Lineage.reachedOf(source, lineage.segments().size() - 1, position);
    }
    newestKnownTimeline = Math.max(newestKnownTimeline, source.timeline());
  }

  /**
   * The walreceiver connected to an upstream on a later timeline and fetched that timeline's history file
   * before it found that the upstream's line left this server's timeline before its position ("new
   * timeline N forked off current database system timeline N-1 before current recovery point"): the file
   * stays in pg_wal.
   */
  void fetchedHistoryOf(Lineage source) {
    if (source.timeline() > lineage.timeline()
        && (fetchedHistory == null || fetchedHistory.timeline() < source.timeline())) {
      fetchedHistory = source;
      newestKnownTimeline = Math.max(newestKnownTimeline, source.timeline());
    }
  }

  /**
   * The timeline a promotion starts: one past the newest history file this server holds (PostgreSQL's
   * findNewestTimeLine, with no WAL archive to look in). Two servers that never streamed from each
   * other's new timeline can so pick the same number, as real ones do.
   */
  private long newTimeline() {
    long t = Math.max(newestKnownTimeline, lineage.timeline()) + 1;
    newestKnownTimeline = t;
    return t;
  }

  // ---- faults -------------------------------------------------------------------------------

  /**
   * The server dies (postmaster crash, watchdog reset, the node losing power). The data directory
   * stays; the next start runs crash recovery. An operation in flight fails.
   */
  void crash(String why) {
    fleet.settle();
    boolean up = process != Process.STOPPED && process != Process.CRASHED;
    if (busy()) {
      abortOperation(why);
    }
    if (up) {
      process = Process.CRASHED;
      cleanShutdown = false;
    }
    streaming = false;
  }

  // ---- internals ----------------------------------------------------------------------------

  private void wipe() {
    initialized = false;
    newestKnownTimeline = 0;
    systemIdentifier = null;
    lineage = null;
    fetchedHistory = null;
    position = 0;
    role = null;
    upstream = Optional.empty();
    cleanShutdown = true;
  }

  private interface Completion {
    ActionOutcome complete();
  }

  private void run(String what, Duration d, Consumer<ActionOutcome> done, Completion completion) {
    opName = what;
    opDone = done;
    opEvent = fleet.scheduler().after(d, name + " " + what + " done", () -> finish(completion));
  }

  private void finish(Completion completion) {
    Consumer<ActionOutcome> done = opDone;
    opEvent = null;
    opDone = null;
    opName = null;
    done.accept(completion.complete());
  }

  private void abortOperation(String why) {
    Consumer<ActionOutcome> done = opDone;
    String what = opName;
    opEvent.cancel();
    opEvent = null;
    opDone = null;
    opName = null;
    if (process == Process.STARTING) {
      process = Process.STOPPED;
    }
    done.accept(new ActionOutcome.Failed(what + " aborted: " + why));
  }

  private static boolean refuseIf(boolean condition, String why, Consumer<ActionOutcome> done) {
    if (condition) {
      done.accept(new ActionOutcome.Failed(why));
    }
    return condition;
  }

  private static ActionOutcome success() {
    return new ActionOutcome.Succeeded();
  }

  @Override
  public String toString() {
    return name + "[" + process + (role == null ? "" : " " + role.name().toLowerCase())
        + (initialized ? " " + lineage + " lsn=" + position : " empty")
        + upstream.map(u -> " <-" + u + (streaming ? "" : "(not streaming)")).orElse("")
        + (ssnMembers.isEmpty() ? "" : " ssn=" + ssnCount + ssnMembers)
        + (opName == null ? "" : " op=" + opName) + "]";
  }
}
