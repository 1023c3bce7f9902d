package dev.primus.agent;

import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.MemberStatus.ScheduledRestart;
import dev.primus.dcs.model.Tags;
import dev.primus.ha.DatabaseLiveness;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.Decision;
import dev.primus.ha.LocalState;
import dev.primus.ha.LocalState.ProcessState;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the agent last observed and decided about its member: everything a REST API, a health check or an
 * embedding control plane reports. A value, published after every cycle, so one reader sees one consistent
 * picture; reading it never blocks.
 *
 * @param member           the member name
 * @param cluster          the last DCS read; {@code cluster.connection()} says whether it is current
 * @param local            the last probe of the local database
 * @param state            the state the agent reports ({@code running}, {@code starting},
 *                         {@code creating replica}, ...), as written into the member key
 * @param role             the role it reports ({@code primary}, {@code replica}, ...), as in the member key
 * @param leaderUntil      while this member holds the leader lock: the last successful lock update plus ttl.
 *                         It counts as leader only while the clock is before this instant, so a hung agent
 *                         stops being reported as the leader by itself
 * @param config           the effective dynamic configuration
 * @param tags             this member's tags
 * @param dcsLastSeen      when the DCS last answered
 * @param nextCycleDue     when the agent means to run its next cycle (a liveness check fails once it is
 *                         overdue)
 * @param scheduledRestart a restart scheduled on this member
 * @param watchdogFailed   the watchdog could not be armed, so this member must not lead
 * @param failsafeActive   failsafe mode keeps this member primary without the DCS
 * @param lastDecision     the decision of the last cycle
 * @param writesBlocked    why commits on this primary wait and cannot be acknowledged (strict synchronous
 *                         mode without a synchronous standby), if they do
 */
public record AgentStatus(
    String member,
    ClusterView cluster,
    LocalState local,
    MemberState state,
    MemberRole role,
    Optional<Instant> leaderUntil,
    DynamicConfig config,
    Tags tags,
    Optional<Instant> dcsLastSeen,
    Instant nextCycleDue,
    Optional<ScheduledRestart> scheduledRestart,
    boolean watchdogFailed,
    boolean failsafeActive,
    Optional<Decision> lastDecision,
    Optional<String> writesBlocked) {

  public AgentStatus {
    Objects.requireNonNull(member, "member");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(leaderUntil, "leaderUntil");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(tags, "tags");
    Objects.requireNonNull(dcsLastSeen, "dcsLastSeen");
    Objects.requireNonNull(nextCycleDue, "nextCycleDue");
    Objects.requireNonNull(scheduledRestart, "scheduledRestart");
    Objects.requireNonNull(lastDecision, "lastDecision");
    Objects.requireNonNull(writesBlocked, "writesBlocked");
  }

  /** Whether this member holds the leader lock and renewed it recently enough to act on it at {@code now}. */
  public boolean isLeaderAt(Instant now) {
    return leaderUntil.map(now::isBefore).orElse(false);
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

  /** The running server's version as {@code server_version_num}, 0 when unknown. */
  public int serverVersion() {
    return local.serverVersion().orElse(0);
  }

  /**
   * This status as it stands after {@code now}, a look at the database taken since the cycle that
   * published it; what Patroni 3.0.2 reports for each REST request (its {@code get_postgresql_status}):
   * <ul>
   *   <li>the server answered: its role and WAL positions as it gave them, the rest as the cycle saw it;</li>
   *   <li>it runs but did not answer: {@code state} {@code running} becomes {@code unknown};</li>
   *   <li>no server process runs: {@code running} becomes {@code unknown} as well, and the process is
   *       reported gone ({@link ProcessState#CRASHED}, or {@link ProcessState#STOPPED} if it was stopping);</li>
   *   <li>the look failed: this status unchanged.</li>
   * </ul>
   * The role and the lock are left alone otherwise: what they mean for an answer is the caller's business.
   * A server the cycle did not see running is left as the cycle saw it, until the next cycle looks.
   */
  public AgentStatus withLiveness(DatabaseLiveness now) {
    if (now instanceof DatabaseLiveness.Down) {
      ProcessState process = switch (local.process()) {
        case RUNNING, STARTING -> ProcessState.CRASHED;
        case STOPPING -> ProcessState.STOPPED;
        case STOPPED, CRASHED -> local.process();
      };
      return with(withProcess(local, process), unknownIfRunning(), role);
    }
    if (now instanceof DatabaseLiveness.NotAnswering) {
      return with(local, unknownIfRunning(), role);
    }
    if (now instanceof DatabaseLiveness.Answering a && local.isRunning()) {
      return with(withPositions(local, a), state, answeredRole(a.role()));
    }
    return this;
  }

  private MemberState unknownIfRunning() {
    return state == MemberState.RUNNING ? MemberState.UNKNOWN : state;
  }

  /** Patroni's rule: in recovery is a replica, except the standby leader of a standby cluster. */
  private MemberRole answeredRole(DatabaseRole answered) {
    if (role == MemberRole.UNINITIALIZED || role == MemberRole.UNKNOWN) {
      return role;
    }
    if (answered == DatabaseRole.PRIMARY) {
      return MemberRole.PRIMARY;
    }
    return role == MemberRole.STANDBY_LEADER ? MemberRole.STANDBY_LEADER : MemberRole.REPLICA;
  }

  private AgentStatus with(LocalState l, MemberState st, MemberRole r) {
    return new AgentStatus(member, cluster, l, st, r, leaderUntil, config, tags, dcsLastSeen, nextCycleDue,
        scheduledRestart, watchdogFailed, failsafeActive, lastDecision, writesBlocked);
  }

  private static LocalState withProcess(LocalState l, ProcessState process) {
    return new LocalState(l.dataDirectory(), l.systemIdentifier(), process, l.role(), l.timeline(), l.walPosition(),
        l.receiveLsn(), l.replayLsn(), l.replication(), l.upstream(), l.cleanShutdown(), l.pendingRestart(),
        l.pendingRestartReason(), l.postmasterStartTime(), l.replicas(), l.timelineHistory(), l.serverVersion(),
        l.synchronousStandbys(), l.slots());
  }

  private static LocalState withPositions(LocalState l, DatabaseLiveness.Answering a) {
    boolean replica = a.role() == DatabaseRole.REPLICA;
    return new LocalState(l.dataDirectory(), l.systemIdentifier(), l.process(), Optional.of(a.role()), l.timeline(),
        a.walPosition(), replica ? a.receiveLsn() : Optional.empty(), replica ? a.replayLsn() : Optional.empty(),
        replica ? l.replication() : Optional.empty(), l.upstream(), l.cleanShutdown(), l.pendingRestart(),
        l.pendingRestartReason(), l.postmasterStartTime(), l.replicas(), l.timelineHistory(), l.serverVersion(),
        l.synchronousStandbys(), l.slots());
  }
}
