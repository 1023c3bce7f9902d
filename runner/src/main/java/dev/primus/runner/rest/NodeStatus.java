package dev.primus.runner.rest;

import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.MemberStatus.ScheduledRestart;
import dev.primus.dcs.model.Tags;
import dev.primus.ha.LocalState;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the agent last observed and decided about this member ({@link dev.primus.agent.AgentStatus}), as
 * the REST API reports it. A value, so one request sees one consistent picture.
 *
 * @param cluster           the last DCS read; {@code cluster.connection()} says whether it is current
 * @param local             the last probe of the local database
 * @param state             the state the agent reports ({@code running}, {@code starting},
 *                          {@code creating replica}, ...), as written into the member key
 * @param role              the role the agent reports ({@code primary}, {@code replica},
 *                          {@code standby_leader}, ...), as written into the member key
 * @param leaderUntil       while this member holds the leader lock: the last successful lock update plus
 *                          ttl. It counts as leader only while the clock is before this instant, so a hung
 *                          agent stops answering {@code /primary} with 200 by itself
 * @param config            the effective dynamic configuration (the DCS {@code config} key, or
 *                          {@code bootstrap.dcs} until it exists)
 * @param tags              this member's tags
 * @param dcsLastSeen       when the DCS last answered
 * @param nextCycleDue      when the loop means to run its next cycle; {@code /liveness} fails once it
 *                          is overdue by ttl (primary) or twice ttl (replica)
 * @param serverVersion     the server version as an integer ({@code 150018}), 0 when unknown
 * @param replayedTimestamp commit time of the last replayed transaction (replica)
 * @param replayPaused      WAL replay is paused (replica)
 * @param latestEndLsn      the WAL receiver's latest_end_lsn (replica), if known
 * @param replication       rows of pg_stat_replication (primary, or a cascading replica)
 * @param scheduledRestart  a restart scheduled on this member
 * @param watchdogFailed    the watchdog could not be armed, so this member must not lead
 * @param failsafeActive    failsafe mode is keeping this member primary without the DCS
 */
public record NodeStatus(
    ClusterView cluster,
    LocalState local,
    MemberState state,
    MemberRole role,
    Optional<Instant> leaderUntil,
    DynamicConfig config,
    Tags tags,
    Optional<Instant> dcsLastSeen,
    Instant nextCycleDue,
    int serverVersion,
    Optional<Instant> replayedTimestamp,
    boolean replayPaused,
    Optional<Long> latestEndLsn,
    List<ReplicationRow> replication,
    Optional<ScheduledRestart> scheduledRestart,
    boolean watchdogFailed,
    boolean failsafeActive) {

  public NodeStatus {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(leaderUntil, "leaderUntil");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(tags, "tags");
    Objects.requireNonNull(dcsLastSeen, "dcsLastSeen");
    Objects.requireNonNull(nextCycleDue, "nextCycleDue");
    Objects.requireNonNull(replayedTimestamp, "replayedTimestamp");
    Objects.requireNonNull(latestEndLsn, "latestEndLsn");
    replication = List.copyOf(replication);
    Objects.requireNonNull(scheduledRestart, "scheduledRestart");
  }

  /**
   * The REST API's view of the agent's status: the agent's fields, with the replication rows as the REST
   * API reports them ({@code usename} is the configured replication user).
   */
  public static NodeStatus of(dev.primus.agent.AgentStatus s, String replicationUser) {
    List<ReplicationRow> rows = s.local().replicas().stream()
        .map(r -> new ReplicationRow(replicationUser, r.applicationName(), Optional.empty(), r.state(), r.syncState(), 0))
        .toList();
    return new NodeStatus(s.cluster(), s.local(), s.state(), s.role(), s.leaderUntil(), s.config(), s.tags(),
        s.dcsLastSeen(), s.nextCycleDue(), s.serverVersion(), Optional.empty(), false, Optional.empty(), rows,
        s.scheduledRestart(), s.watchdogFailed(), s.failsafeActive());
  }

  /** Whether this member holds the leader lock and renewed it recently enough to act on it at {@code now}. */
  public boolean isLeaderAt(Instant now) {
    return leaderUntil.map(now::isBefore).orElse(false);
  }

  /**
   * Whether a server process may run, as far as the last cycle and any look since know: not when either
   * found none. A leader without one is no primary a load balancer should send anything to, so health checks
   * that the lock alone would pass ask this too.
   */
  public boolean serverMayRun() {
    return local.process() != LocalState.ProcessState.STOPPED && local.process() != LocalState.ProcessState.CRASHED;
  }

  /** Maintenance mode, from the dynamic configuration. */
  public boolean paused() {
    return config.pause();
  }

  /** Whether the cluster replicates from another cluster ({@code standby_cluster} is set). */
  public boolean standbyCluster() {
    return config.standbyCluster().isPresent();
  }

  /** Whether {@link #cluster()} is a current read (the DCS is reachable). */
  public boolean dcsAvailable() {
    return cluster.connection().isConnected();
  }
}
