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

  /** Re-reads the configuration (SIGHUP). */
  void reload() throws DriverException;

  /** Runs a CHECKPOINT on a running instance. */
  void checkpoint() throws DriverException;

  /**
   * Makes the physical replication slots exactly {@code memberSlots} plus {@code permanentSlots}
   * (name to definition, as in the dynamic config's {@code slots}): creates missing ones, drops the
   * others that the driver manages, advances where asked.
   */
  void ensureSlots(Set<String> memberSlots, Map<String, Object> permanentSlots) throws DriverException;

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
