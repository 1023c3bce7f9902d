package dev.primus.ha;

import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.Member;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.MemberStatus;
import java.util.Optional;
import java.util.Set;

/**
 * Whether another member could take over, judged from the member keys (Patroni's
 * {@code is_failover_possible}): used by the leader to validate a switchover before stepping down
 * ({@link SwitchoverCheck}), and by a crashed primary before it gives up the lock. A member qualifies when
 * it may fail over (no {@code nofailover}, positive {@code failover_priority}), publishes an
 * {@code api_url}, runs as a replica, is within {@code maximum_lag_on_failover} of the reference position,
 * is on the cluster's timeline when {@code check_timeline} is set, and is a synchronous standby when
 * synchronous mode restricts promotion.
 */
final class FailoverCandidates {
  private FailoverCandidates() {}

  /** The position candidates are measured against: the leader's published optime, or mine if I am primary. */
  static long referencePosition(Cycle c) {
    long mine = c.local.isRunningPrimary() ? c.local.walPosition() : 0;
    return Math.max(c.cluster.status().optime(), mine);
  }

  /** Why {@code m} cannot take over from me, or empty if it can. */
  static Optional<String> whyNot(Cycle c, Member m) {
    return whyNot(c.cluster, c.dcs(), c.me, referencePosition(c), m);
  }

  /**
   * Why {@code m} cannot take over from {@code leader}, or empty if it can.
   *
   * @param reference the WAL position its lag is measured against
   */
  static Optional<String> whyNot(ClusterView cluster, DynamicConfig dcs, String leader, long reference, Member m) {
    MemberStatus s = m.status();
    if (m.name().equals(leader)) {
      return Optional.of("it is the current leader");
    }
    if (!s.tags().canFailover()) {
      return Optional.of("it has nofailover set");
    }
    if (s.apiUrl().isBlank()) {
      return Optional.of("it has no api_url");
    }
    if (s.state() != MemberState.RUNNING || s.role() != MemberRole.REPLICA) {
      return Optional.of("it is not a running replica");
    }
    long lag = reference - Divergence.sharedPosition(cluster, s.timeline().orElse(0L), s.walPosition());
    if (lag > dcs.maximumLagOnFailover()) {
      return Optional.of("it lags " + lag + " bytes, more than maximum_lag_on_failover");
    }
    if (dcs.checkTimeline() && s.timeline().orElse(0L) < Cycle.clusterTimeline(cluster)) {
      return Optional.of("its timeline is behind the cluster's");
    }
    if (!SwitchoverCheck.syncAllows(cluster, dcs, m.name())) {
      return Optional.of("it is not a synchronous standby");
    }
    return Optional.empty();
  }

  /** Whether some member other than me and those in {@code exclude} could take over. */
  static boolean anyCanTakeOver(Cycle c, Set<String> exclude) {
    return c.cluster.members().stream()
        .filter(m -> !exclude.contains(m.name()))
        .anyMatch(m -> whyNot(c, m).isEmpty());
  }
}
