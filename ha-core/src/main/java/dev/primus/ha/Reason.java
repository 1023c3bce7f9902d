package dev.primus.ha;

/**
 * The typed outcome of one cycle. The operator's log line is derived from it ({@link #message}), in
 * Patroni's words where Patroni has a line for the case, so log-reading habits and tools carry over.
 *
 * <p>Templates use {@code {me}} for this member and {@code {leader}} for the leader in question (for
 * {@link #DEFER_TO_CANDIDATE}, the failover candidate).
 */
public enum Reason {
  // leading
  LOCK_RENEWED("no action. I am ({me}), the leader with the lock"),
  LOCK_ACQUIRED("acquired session lock as a leader"),
  PROMOTING("promoted self to leader by acquiring session lock"),
  PROMOTION_IN_PROGRESS("updated leader lock during promote"),
  LONG_ACTION_WITH_LOCK("updated leader lock during long action"),
  DEMOTING_LOCK_NOT_RENEWED("demoting: postgres is stopping, the leader lock is not renewed (it expires unless"
      + " postgres is down and started again with it in time)"),
  LOCK_RENEWAL_FAILED("demoted self because failed to update leader lock in DCS"),
  DCS_UNREACHABLE_DEMOTING("demoting self because DCS is not accessible and I was a leader"),
  DCS_UNREACHABLE("DCS is not accessible"),
  FAILSAFE_ASKING("DCS is not accessible: asking the members of /failsafe whether I may keep running as the leader"),
  FAILSAFE_LEADING("continue to run as a leader because failsafe mode is enabled and all members are accessible"),
  FAILSAFE_LEADER_ALIVE("no action. I am ({me}), a secondary, and ({leader}) runs as the leader in failsafe mode"),
  NOT_IN_FAILSAFE("not racing for the leader lock: I am not in the /failsafe topology"),
  PRIMARY_RESTARTING("starting primary after failure"),
  PRIMARY_START_TIMED_OUT("released leader key after primary failed to start within primary_start_timeout"),
  SWITCHOVER_DEMOTING("manual failover: demoting myself"),
  SWITCHOVER_NOT_POSSIBLE("manual failover: no healthy candidate; cleaned up the failover key"),
  SWITCHOVER_SCHEDULED("awaiting scheduled switchover"),
  FAILOVER_KEY_CLEARED("cleared a stale or invalid failover key"),
  // following
  FOLLOWING("no action. I am ({me}), a secondary, and following a leader ({leader})"),
  FOLLOW_NEW_LEADER("following new leader ({leader})"),
  COPYING_LOGICAL_SLOTS("Copying logical slots from the primary ({leader})"),
  DEMOTING_NOT_LEADER("demoting self because I do not have the lock and I was a leader"),
  LOST_RACE("failed to acquire the leader lock: ({leader}) won"),
  NOT_HEALTHIEST("following a different leader because I am not the healthiest node"),
  WAITING_FOR_PEERS("asking peers for their status before the leader race"),
  WAITING_FOR_LEADER("waiting for leader to bootstrap"),
  REWINDING("running pg_rewind from ({leader})"),
  REINITIALIZING("reinitializing from ({leader})"),
  CREATING_REPLICA("bootstrap from leader ({leader})"),
  CREATING_REPLICA_WITHOUT_LEADER("trying to bootstrap (without leader)"),
  STARTING_REPLICA("starting as a secondary"),
  // bootstrap
  BOOTSTRAP_RACE("trying to bootstrap a new cluster"),
  BOOTSTRAPPING("bootstrap in progress"),
  BOOTSTRAP_FAILED("removed initialize key after failed attempt to bootstrap the cluster"),
  ADOPTING_EXISTING("adopting the existing data directory as the cluster's initial state"),
  SYSID_MISMATCH("data directory of ({me}) belongs to a different cluster than the DCS initialize key; refusing to start it"),
  DATA_DIRECTORY_INVALID("data directory is not a usable cluster; consider reinitialize"),
  // pause and waiting
  PAUSED("PAUSE: no action. I am ({me})"),
  PAUSED_LEADER("PAUSE: no action. I am ({me}), the leader with the lock"),
  LONG_ACTION_IN_PROGRESS("long action in progress"),
  STARTING("waiting for postgres to start"),

  // ---- added with HaEngine ----------------------------------------------------------------------
  // leading
  LOST_LOCK_DURING_PROMOTE("lost leader before promote"),
  PROMOTE_FAILED("released leader key because the promotion failed"),
  WATCHDOG_FAILED("released leader key because the watchdog could not be activated"),
  LOCK_RELEASED_WAITING("no action. I am ({me}) and gave up the leader lock; waiting for the DCS to show it"),
  PRIMARY_TIMELINE_BEHIND("demoting self because I run as primary on an older timeline than the cluster's"),
  DATA_DIRECTORY_EMPTY_RELEASED_LOCK("released leader key because the data directory is empty"),
  // not racing
  PRIMARY_STILL_ALIVE("not racing for the leader lock: a primary is still alive"),
  LAGGING("not healthy enough for leader race: lag exceeds maximum_lag_on_failover"),
  TIMELINE_BEHIND("not healthy enough for leader race: my timeline is behind the cluster's"),
  NOFAILOVER("no action. I am ({me}), a secondary, and nofailover is set"),
  NOT_SYNC_STANDBY("not racing for the leader lock: I am not a synchronous standby"),
  DEFER_TO_CANDIDATE("not racing for the leader lock: the failover candidate ({leader}) is healthy"),
  LEADERSHIP_BACKOFF("not racing for the leader lock: I gave it up less than ttl ago"),
  // rejoining
  REWIND_FAILED("pg_rewind failed and remove_data_directory_on_rewind_failure is off: not starting"),
  DIVERGED_NO_REWIND("my timeline diverged from the leader ({leader}) and neither use_pg_rewind nor"
      + " remove_data_directory_on_diverged_timelines is set: not following"),
  DIVERGED_STOPPING("stopping: my timeline diverged from the leader ({leader}); rewind follows"),
  DIVERGED_WAITING("my timeline is another branch than the cluster's; waiting for a leader to resynchronise from"),
  WAITING_FOR_LEADER_PROMOTION("waiting for the leader ({leader}) to finish its promotion before rejoining"),
  WAITING_FOR_REWIND_SOURCE("waiting for the leader ({leader}) to run before resynchronising from it"),
  DATABASE_STOPPING("waiting for postgres to stop"),
  // bootstrap
  POST_BOOTSTRAP("initialized a new cluster"),
  BOOTSTRAP_GAVE_UP("bootstrap of a new cluster failed; not retrying until the agent restarts"),
  ADOPT_REFUSED_REPLICA("data directory of ({me}) runs as a replica and the cluster was never initialized:"
      + " start the primary first"),
  // pause
  PAUSED_NO_LOCK("PAUSE: continue to run as primary without lock"),
  PAUSED_RELEASED_LOCK("PAUSE: removed leader key because postgres is not running as primary"),
  // synchronous replication
  SYNC_STANDBY_MISSING("no action. I am ({me}), the leader with the lock; synchronous_mode_strict is on and no"
      + " synchronous standby streams: commits wait until one does"),
  SYNC_QUORUM_UNSUPPORTED("no action. I am ({me}); synchronous_mode: quorum is not supported by Primus, so"
      + " synchronous replication is not managed (synchronous_standby_names and the sync key are left as they"
      + " are): set synchronous_mode to on or off"),
  // demotion
  DEMOTED_RELEASING_LOCK("demoted: postgres is down, releasing the leader lock"),
  DEMOTED_STARTING_REPLICA("demoted: starting as a secondary of ({leader})"),
  // configuration
  STANDBY_CLUSTER_REFUSED("no action. I am ({me}); the DCS config sets standby_cluster, which Primus does not"
      + " implement: not bootstrapping and not taking the leader lock, so that no member becomes a read-write"
      + " primary for another cluster's data; remove standby_cluster from the DCS config");

  private final String template;

  Reason(String template) {
    this.template = template;
  }

  /** The log line for this reason about member {@code me} and leader {@code leader}. */
  public String message(String me, String leader) {
    return template.replace("{me}", me).replace("{leader}", leader);
  }
}
