package dev.primus.ha;

import java.time.Duration;
import java.util.Optional;

/**
 * Nobody holds the lock and my database runs (Patroni's {@code process_unhealthy_cluster}).
 *
 * <p>A running primary may take the lock back only if it is not behind the cluster's timeline and its
 * timeline is not another branch's namesake (so a primary that froze while another was promoted cannot
 * return); otherwise it steps down. A replica
 * races when {@link CandidateRanking} says it is the healthiest: lock and promotion in one decision,
 * the promotion after the lock, so the executor stops before promoting when the lock was lost to
 * somebody else. That is what keeps a failover to one DCS round trip plus the promotion.
 */
final class LeaderRace {
  private LeaderRace() {}

  static Plan race(Cycle c) {
    if (c.viewNamesMe()) {
      // The view still names me although I gave the lock up (a stale read): not a free lock yet.
      return c.paused() && c.local.isRunningPrimary()
          ? Plan.because(Reason.PAUSED_NO_LOCK)
          : Plan.because(Reason.LOCK_RELEASED_WAITING).recheckAfter(c.soon());
    }
    if (c.local.isRunningPrimary()) {
      return primary(c);
    }
    if (c.paused()) {
      // In pause only a manual failover to me (not scheduled) may take the lock.
      boolean candidate = c.failover()
          .filter(f -> f.value().scheduledAt().isEmpty())
          .flatMap(f -> f.value().candidate())
          .map(c.me::equals)
          .orElse(false);
      if (!candidate || !c.canFailover() || c.lagTooHigh()) {
        return Plan.because(Reason.PAUSED);
      }
      if (!c.syncAllows(c.me)) {
        // Not even an operator's failover promotes a standby that may lack acknowledged commits; turning
        // synchronous_mode off is how an operator accepts that loss.
        return Plan.because(Reason.NOT_SYNC_STANDBY);
      }
      return promote(c);
    }
    Optional<Plan> failsafe = Failsafe.beforeRace(c);
    if (failsafe.isPresent()) {
      return failsafe.get();
    }
    if (c.memory.lostLastRace()) {
      // The view does not show the winner yet: let it catch up rather than race again at once.
      return Plan.because(Reason.LOST_RACE).recheckAfter(c.soon());
    }
    CandidateRanking.Verdict verdict = CandidateRanking.evaluate(c);
    if (verdict instanceof CandidateRanking.Verdict.AskPeers ask) {
      return Plan.because(Reason.WAITING_FOR_PEERS).then(new Action.QueryPeers(ask.members())).recheckAfter(Duration.ZERO);
    }
    if (verdict instanceof CandidateRanking.Verdict.Stay stay) {
      return Plan.because(stay.reason()).about(stay.about()).recheckAfter(c.soon());
    }
    return promote(c);
  }

  private static Plan promote(Cycle c) {
    Plan plan = Plan.because(Reason.PROMOTING)
        .then(new Action.AcquireLeaderLock())
        .then(Watchdog.afterLockUpdate(c));
    fenceFormerPrimary(c).ifPresent(plan::then);
    SyncReplication.beforePromote(c).forEach(plan::then);
    plan.then(new Action.Promote())
        .about(c.me)
        .recheckAfter(Duration.ZERO);
    c.failover().ifPresent(f -> plan.thenLast(new Action.ClearFailover(f.version())));
    return plan;
  }

  /**
   * Without a watchdog nothing resets a former primary whose agent froze while its server kept running: it
   * would take writes next to the one promoted now. So the winner fences it through its database first
   * (made read-only, its sessions ended), where it can be reached. The former primary is the member this
   * replica streams from, else one the view still shows as a primary; never this member. With a watchdog,
   * Patroni's behaviour: the frozen node is reset before its lock can expire.
   */
  static Optional<Action> fenceFormerPrimary(Cycle c) {
    if (c.config.watchdog()) {
      return Optional.empty();
    }
    Optional<String> former = c.local.upstream().filter(u -> !u.isBlank() && !u.equals(c.me));
    if (former.isEmpty()) {
      former = c.cluster.members().stream()
          .filter(m -> !m.name().equals(c.me) && m.status().role() == dev.primus.dcs.model.MemberRole.PRIMARY)
          .map(dev.primus.dcs.model.Member::name)
          .sorted()
          .findFirst();
    }
    return former.map(f -> new Action.FenceFormerPrimary(f, c.member(f)
        .map(m -> m.status().connUrl())
        .filter(u -> !u.isBlank())));
  }

  private static Plan primary(Cycle c) {
    boolean mayLead = c.paused()
        ? c.initialize().map(v -> v.isEmpty() || c.local.systemIdentifier().map(v::equals).orElse(false)).orElse(true)
        : c.local.timeline().map(t -> t >= c.clusterTimeline()).orElse(false) && !Divergence.onForeignTimeline(c)
            && !Divergence.onOtherBranch(c);
    if (!mayLead) {
      return c.paused()
          ? Plan.because(Reason.PAUSED_NO_LOCK)
          : Plan.because(Reason.PRIMARY_TIMELINE_BEHIND)
              .then(Demotions.demote(c, DemoteMode.IMMEDIATE_NOLOCK, Optional.empty()))
              .recheckAfter(c.soon());
    }
    Plan plan = Plan.because(Reason.LOCK_ACQUIRED)
        .then(new Action.AcquireLeaderLock())
        .then(Watchdog.afterLockUpdate(c))
        .about(c.me)
        .recheckAfter(Duration.ZERO);
    c.failover().ifPresent(f -> plan.thenLast(new Action.ClearFailover(f.version())));
    return plan;
  }
}
