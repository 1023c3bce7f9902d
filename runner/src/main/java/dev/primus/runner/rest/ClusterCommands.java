package dev.primus.runner.rest;

import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.WriteResult;
import java.util.OptionalLong;

/**
 * The commands the REST API forwards to the agent. The server has already checked the request's shape
 * and its consistency with a fresh {@link #readCluster()} (the leader it names is the leader, the
 * candidate is a member, the schedule is in the future); the implementation does the rest.
 *
 * <p>Methods are called on REST worker threads, possibly concurrently with each other and with the HA
 * loop. Any DCS write should wake the loop so it acts without waiting for its next cycle.
 */
public interface ClusterCommands {

  /** Reads the cluster from the DCS now (not the loop's last view), for commands that must not act on stale data. */
  ClusterView readCluster() throws DcsException;

  /**
   * Runs a switchover or failover: checks that some member could take over (asking candidates'
   * {@code GET /patroni}), writes the {@code failover} key, wakes the loop, and for an immediate request
   * waits until the leader changes or the key is cleared, for up to {@code 2 * max(10 s, loop_wait)}.
   * Blocks the calling REST thread while it waits.
   */
  SwitchoverResult switchover(SwitchoverRequest request);

  /**
   * Cancels a scheduled switchover by writing {@code {}} to the {@code failover} key with CAS on
   * {@code expectedVersion} (Patroni's clean-up writes an empty object; it never deletes the key).
   */
  WriteResult clearFailover(long expectedVersion) throws DcsException;

  /** Restarts PostgreSQL now, or schedules it, if the request's conditions hold. */
  RestartResult restart(RestartRequest request);

  /** Drops the scheduled restart; false if none was scheduled. */
  boolean cancelScheduledRestart();

  /** Re-reads the local configuration and reloads PostgreSQL, as on SIGHUP. Returns at once. */
  void reload();

  /**
   * Rebuilds this replica's data directory from the leader (or any clonefrom member).
   *
   * @param force      cancel a long action that is running
   * @param fromLeader take the base backup from the leader, not a clonefrom member
   */
  ReinitializeResult reinitialize(boolean force, boolean fromLeader);

  /**
   * Writes the {@code config} key: with CAS on {@code expectedVersion} when present ({@code PATCH}),
   * unconditionally otherwise ({@code PUT}). Wakes the loop on success.
   */
  WriteResult writeConfig(DynamicConfig config, OptionalLong expectedVersion) throws DcsException;

  /**
   * Remembers an accepted {@code POST /failsafe}: while it is less than ttl old this member stays out of
   * the leader race. Returns at once.
   */
  void failsafeReceived(dev.primus.ha.FailsafeNotice notice);
}
