package dev.primus.ha.driver;

import dev.primus.ha.DatabaseLiveness;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.LocalState;
import dev.primus.ha.StopMode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Drives one database instance. Every method blocks until done or until its deadline and is called
 * from the runner's executor, never concurrently with another mutating call on the same instance
 * ({@link #probe()} may run concurrently with anything).
 *
 * <p>The driver never decides: it does not choose a leader, does not touch the DCS, and does not
 * start, stop or promote anything it was not asked to.
 */
public interface DatabaseDriver extends AutoCloseable {

  /**
   * Looks at the instance: data directory, process, role, timeline, LSNs, replication, pending
   * restart. Never throws and never hangs: every connection and query has a timeout, and what cannot
   * be learned is reported as unknown (empty optionals, position 0).
   *
   * <p>For synchronous replication a running primary must report every standby connected to it
   * ({@link LocalState#replicas()}: application name, walsender state, sync state, flush and replay
   * position) and {@code synchronous_standby_names} as it applies it
   * ({@link LocalState#synchronousStandbys()}), including the position since which the value is in
   * effect. A driver that reports no synchronous standbys leaves a primary in synchronous mode with
   * none: safe (nobody else may be promoted) but without automatic failover.
   */
  LocalState probe();

  /**
   * Looks, as cheaply as the driver can, whether the server runs now and in which role: what health checks
   * ask between two cycles, several times a second under load balancers. Never throws, and returns within
   * about {@code timeout}: what cannot be learned in time is {@link DatabaseLiveness.NotAnswering} (a
   * server process runs) or {@link DatabaseLiveness.Unknown}. May run concurrently with anything, the
   * {@link #probe()} included. The default reads it off a full {@link #probe()}; a driver should do better
   * (the PostgreSQL driver reads {@code postmaster.pid} and asks one query on a connection of its own).
   */
  default DatabaseLiveness liveness(Duration timeout) {
    return DatabaseLiveness.of(probe());
  }

  /**
   * Creates a new cluster in an empty data directory (initdb or the configured custom method, the
   * configured users and pg_hba entries, the post_bootstrap script) and leaves it running as primary.
   *
   * @throws DriverException {@code REFUSED} if the data directory is not empty
   */
  void bootstrap() throws DriverException;

  /**
   * Builds a replica in an empty data directory from {@code source} with the configured replica
   * methods in order (base backup by default). Leaves it stopped.
   */
  void createReplica(Upstream source) throws DriverException;

  /**
   * Whether {@link #createReplicaWithoutLeader()} can work with this driver's configuration: some replica
   * method needs no member to copy from (Patroni's {@code no_leader}, e.g. a restore from a backup). The
   * engine then builds a replica for an initialized cluster that has no leader, as Patroni does, instead
   * of waiting for a leader. A facet: a driver without such methods keeps the default, {@code false}.
   */
  default boolean canCreateReplicaWithoutLeader() {
    return false;
  }

  /**
   * Builds a replica in an empty data directory with the replica methods that need no member to copy
   * from, in order. Leaves it stopped; started, it recovers with no upstream (from an archive, when
   * configured) until a leader appears.
   *
   * @throws DriverException {@code INVALID_CONFIG} when no such method is configured
   */
  default void createReplicaWithoutLeader() throws DriverException {
    throw new DriverException(DriverException.Kind.INVALID_CONFIG,
        "this database driver has no replica method that works without a member to copy from");
  }

  /** Starts the instance as {@code role}; a replica streams from {@code upstream} when given. */
  void start(DatabaseRole role, Optional<Upstream> upstream, Duration timeout) throws DriverException;

  /**
   * Stops the instance in {@code mode}, escalating to immediate after {@code timeout}. Returns the
   * shutdown checkpoint LSN from the control file when the stop was clean.
   */
  Optional<Long> stop(StopMode mode, Duration timeout) throws DriverException;

  /**
   * Stops the instance in {@code mode} within {@code bound}: if it is not down after half of it, stops it
   * immediately; if even that has not ended at the bound, kills the server's processes (SIGKILL of the
   * postmaster). A demotion's stop, bounded by the engine so that it ends before the leader lock can pass
   * to another member. Returns the shutdown checkpoint LSN when the stop was clean (as {@link #stop}).
   *
   * <p>The default calls {@link #stop(StopMode, Duration)} with half the bound, for a driver that cannot
   * bound its escalation more finely.
   */
  default Optional<Long> stopWithin(StopMode mode, Duration bound) throws DriverException {
    return stop(mode, bound.dividedBy(2));
  }

  /** Restarts in the current role (to apply restart-only parameters). */
  void restart(Duration timeout) throws DriverException;

  /** Promotes a running replica, waits for the end of recovery, then runs a CHECKPOINT. */
  void promote(Duration timeout) throws DriverException;

  /**
   * Points a running or stopped replica at {@code upstream}: rewrites its standby configuration, then
   * reloads if the server version applies it on reload, or restarts.
   */
  void follow(Upstream upstream, Duration timeout) throws DriverException;

  /**
   * Resynchronises this stopped, diverged former primary from {@code source} with pg_rewind (after a
   * clean shutdown through single-user crash recovery if it crashed), then restores the driver's own
   * configuration files. Leaves it stopped, configured to follow {@code source}.
   */
  void rewind(Upstream source) throws DriverException;

  /** Stops the instance, removes the data directory, and builds a fresh replica from {@code source}. */
  void reinitialize(Upstream source) throws DriverException;

  /**
   * Fences the former primary {@code former} before this replica is promoted: its agent may be frozen (a GC
   * pause, a VM freeze, SIGSTOP) while its server still runs and takes writes, and without a watchdog nothing
   * else stops it. Called only by a member that just took the leader lock, right before {@link #promote}.
   *
   * <p>What an implementation does, through the former primary's own server, connected to
   * {@code former.connUrl()} as the superuser every member has, with a connect and statement timeout of about
   * {@code timeout} (a second or two: the promotion waits for it):
   * <ol>
   *   <li>not reachable in time: return {@link FenceResult.Outcome#NOT_REACHABLE}, do nothing;
   *   <li>in recovery: return {@link FenceResult.Outcome#ALREADY_IN_RECOVERY}, do nothing;
   *   <li>otherwise make it refuse writes in new transactions (PostgreSQL:
   *       {@code ALTER SYSTEM SET default_transaction_read_only = on}, plus a marker that says who fenced it
   *       and when, {@code ALTER SYSTEM SET primus.fenced_by = '<member> <time>'}, then
   *       {@code pg_reload_conf()}), and end every client session but its own
   *       ({@code pg_terminate_backend}), so clients reconnect to a read-only server; return
   *       {@link FenceResult.Outcome#FENCED}. A step that fails part way: {@link FenceResult.Outcome#FAILED}
   *       with what was done.
   * </ol>
   * Never throws and never takes much longer than {@code timeout}: fencing is best effort, the leader lock is
   * the authority, and the promotion goes ahead whatever this returns.
   *
   * <p>An implementation that fences must also undo it: when an instance whose configuration carries the
   * marker is started ({@link #start}, also after {@link #rewind}), it removes both settings, so that the
   * member, once it follows and is later promoted itself, takes writes again.
   *
   * <p>The default fences nothing and returns {@link FenceResult.Outcome#NOT_SUPPORTED}.
   *
   * @param former  the former primary: its member name and published {@code conn_url}
   * @param fencer  this member's name, for the marker
   * @param timeout for the connection and each statement
   */
  default FenceResult fenceFormerPrimary(Upstream former, String fencer, Duration timeout) {
    return FenceResult.of(FenceResult.Outcome.NOT_SUPPORTED, "this database driver cannot fence a former primary");
  }

  /** Re-reads the configuration (SIGHUP). */
  void reload() throws DriverException;

  /** Runs a CHECKPOINT on a running instance. */
  void checkpoint() throws DriverException;

  /**
   * Makes the replication slots exactly {@code memberSlots} (physical slots, one per member name, named as the
   * driver names member slots) plus {@code permanentSlots} (name to definition, as in the dynamic config's
   * {@code slots}: {@code type} physical or logical, a logical one with {@code database} and {@code plugin}):
   * creates missing ones, drops the others that the driver manages, and drops and recreates a slot whose
   * definition changed. On a replica the engine passes only the permanent logical slots, which a standby
   * cannot create (before PostgreSQL 16): keep those that exist as configured, drop those whose definition
   * changed, create nothing; {@link #copyLogicalSlots} brings the missing ones. Logical slots never named
   * in the configuration belong to someone else: leave them alone.
   */
  void ensureSlots(Set<String> memberSlots, Map<String, Object> permanentSlots) throws DriverException;

  /**
   * {@link #ensureSlots(Set, Map)}, then moves each logical slot of {@code advance} forward to its position
   * (a replica keeping the primary's permanent logical slots where the primary's consumers confirmed): with
   * PostgreSQL, {@code pg_replication_slot_advance(name, lsn)} in the slot's database. A slot already at or past
   * its position stays where it is (a slot never moves back); a position past what the server replayed moves
   * it as far as replayed. A failure to advance one slot does not hold the others back, but fails the call.
   *
   * <p>The default does the first part and fails if there is anything to advance: a driver whose
   * {@link #probe()} reports no logical slots ({@link LocalState#slots()}) is never asked to.
   */
  default void ensureSlots(Set<String> memberSlots, Map<String, Object> permanentSlots, Map<String, Long> advance)
      throws DriverException {
    ensureSlots(memberSlots, permanentSlots);
    if (!advance.isEmpty()) {
      throw new DriverException(DriverException.Kind.INVALID_CONFIG,
          "this database driver cannot advance logical replication slots " + advance.keySet());
    }
  }

  /**
   * Copies the logical slots {@code slots} (name to definition, as in the dynamic config's {@code slots}) from
   * the running primary {@code source} into this running replica, which lacks them, as Patroni 3.0.2 does:
   *
   * <ol>
   *   <li>On the primary, connected with the credentials used for rewinds (they may read server files), read
   *       each slot's row and its on-disk state ({@code pg_replication_slots} joined to
   *       {@code pg_read_binary_file('pg_replslot/<name>/state')}); skip a slot whose type, database or plugin
   *       differs from its definition, and one the primary does not have (it is not in recovery there).
   *   <li>If any is left: stop this replica (fast), write each state into {@code pg_replslot/<name>/state} of
   *       the data directory (a temporary directory renamed into place, everything fsynced, owned by the
   *       server's user), and start it again as the replica of the upstream it had. The server loads the slot
   *       at start; from there {@link #ensureSlots(Set, Map, Map)} advances it.
   * </ol>
   *
   * The slot then holds the primary's {@code catalog_xmin}; {@code hot_standby_feedback} (which the engine
   * turns on) keeps the primary from removing catalog rows the slot still needs.
   *
   * @throws DriverException {@code REFUSED} when this server is not a running replica, {@code CONNECTION} when
   *                         the primary cannot be read; the default: {@code INVALID_CONFIG}, for a driver
   *                         without logical slots on replicas (openGauss)
   */
  default void copyLogicalSlots(Upstream source, Map<String, Object> slots, Duration timeout) throws DriverException {
    throw new DriverException(DriverException.Kind.INVALID_CONFIG,
        "this database driver cannot copy logical replication slots to a replica");
  }

  /**
   * Sets {@code synchronous_standby_names}, overriding the user's configured value, keeps it through
   * restarts, demotions and promotions of this instance (until changed or
   * {@link #clearSynchronousStandbys() cleared}), and reloads a running server.
   *
   * <p>Commits then wait for {@code count} of {@code members} in priority order ({@code FIRST n (...)}),
   * or for any {@code count} of them ({@code ANY n (...)}) when {@code quorum}. {@code members} empty:
   * commits wait for no standby ({@code ''}). The single member {@code "*"} is PostgreSQL's wildcard,
   * any standby, and must not be quoted. Works on a replica too (the value applies once it is
   * promoted). Returns once the server was told to reload; the engine learns when the value took
   * effect from {@link #probe()}.
   *
   * @throws DriverException {@code INVALID_CONFIG} if {@code count} is below 1 with members given
   */
  void setSynchronousStandbys(List<String> members, int count, boolean quorum) throws DriverException;

  /**
   * Stops overriding {@code synchronous_standby_names}: the user's configured value (or none) applies
   * again, after a reload of a running server. Synchronous mode was turned off. The default sets an
   * empty value, for a driver that has no user value to go back to.
   */
  default void clearSynchronousStandbys() throws DriverException {
    setSynchronousStandbys(List.of(), 0, false);
  }

  /**
   * Replaces the whole parameter set of the generated configuration with {@code parameters} and reloads a
   * running server (a parameter that needs a restart shows up as a pending restart in the probe).
   */
  void applyParameters(Map<String, Object> parameters) throws DriverException;

  /**
   * Applies the DCS config's {@code postgresql.parameters} ({@code dynamic}) over the local ones: those the
   * driver was built with, or {@code local} when given (a reloaded configuration file), which then replace
   * them. The agent calls this one: the local parameters are the driver's, the dynamic ones the cluster's.
   * The default suits a driver that keeps no local parameters of its own.
   */
  default void applyParameters(Map<String, Object> dynamic, Optional<Map<String, Object>> local) throws DriverException {
    Map<String, Object> merged = new java.util.LinkedHashMap<>(local.orElse(Map.of()));
    merged.putAll(dynamic);
    applyParameters(merged);
  }

  /** Stops nothing; releases connections and threads. */
  @Override
  void close();
}
