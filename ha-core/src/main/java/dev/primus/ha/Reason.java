package dev.primus.ha;

/**
 * The typed outcome of one cycle. The operator's log line is derived from it ({@link #message}), in
 * Patroni's words where Patroni has a line for the case, so log-reading habits and tools carry over.
 *
 * <p>Templates use {@code {me}} for this member and {@code {leader}} for the leader in question.
 */
public enum Reason {
  // leading
  LOCK_RENEWED("no action. I am ({me}), the leader with the lock"),
  LOCK_ACQUIRED("promoted self to leader by acquiring session lock"),
  PROMOTING("promoted self to leader by acquiring session lock"),
  PROMOTION_IN_PROGRESS("updated leader lock during promote"),
  LONG_ACTION_WITH_LOCK("updated leader lock during long action"),
  LOCK_RENEWAL_FAILED("demoted self because failed to update leader lock in DCS"),
  DCS_UNREACHABLE_DEMOTING("demoting self because DCS is not accessible and I was a leader"),
  DCS_UNREACHABLE("DCS is not accessible"),
  PRIMARY_RESTARTING("starting primary after failure"),
  PRIMARY_START_TIMED_OUT("released leader key after primary failed to start within primary_start_timeout"),
  SWITCHOVER_DEMOTING("manual failover: demoting myself"),
  SWITCHOVER_NOT_POSSIBLE("manual failover: no healthy candidate; cleaned up the failover key"),
  SWITCHOVER_SCHEDULED("awaiting scheduled switchover"),
  FAILOVER_KEY_CLEARED("cleared a stale or invalid failover key"),
  // following
  FOLLOWING("no action. I am ({me}), a secondary, and following a leader ({leader})"),
  FOLLOW_NEW_LEADER("following new leader ({leader})"),
  DEMOTING_NOT_LEADER("demoting self because I do not have the lock and I was a leader"),
  LOST_RACE("failed to acquire the leader lock: ({leader}) won"),
  NOT_HEALTHIEST("following a different leader because I am not the healthiest node"),
  WAITING_FOR_PEERS("asking peers for their status before the leader race"),
  WAITING_FOR_LEADER("waiting for leader to bootstrap"),
  REWINDING("running pg_rewind from ({leader})"),
  REINITIALIZING("reinitializing from ({leader})"),
  CREATING_REPLICA("bootstrap from leader ({leader})"),
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
  STARTING("waiting for postgres to start");

  private final String template;

  Reason(String template) {
    this.template = template;
  }

  /** The log line for this reason about member {@code me} and leader {@code leader}. */
  public String message(String me, String leader) {
    return template.replace("{me}", me).replace("{leader}", leader);
  }
}
