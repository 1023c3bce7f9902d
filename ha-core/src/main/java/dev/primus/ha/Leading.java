package dev.primus.ha;

import dev.primus.dcs.model.ClusterStatus;
import java.time.Duration;
import java.util.Optional;

/**
 * This member holds the lock and its database runs (Patroni's {@code process_healthy_cluster} for the
 * holder, and {@code enforce_primary_role}).
 *
 * <p>Every cycle: renew the lock, then pet (or arm) the watchdog, so a failed renewal stops the rest. A
 * replica holder is promoted in the same decision. A primary holder handles a pending switchover, and
 * keeps {@code status} (optime), {@code history} (after its promotion), {@code initialize} and
 * {@code config} up to date.
 */
final class Leading {
  private Leading() {}

  static Optional<Plan> lead(Cycle c) {
    if (!c.holder() || !c.local.isRunning()) {
      return Optional.empty();
    }
    return Optional.of(c.local.isRunningPrimary() ? primary(c) : replica(c));
  }

  /** I won the lock but still run as a replica: promote (renewal first, so a lost lock stops it). */
  private static Plan replica(Cycle c) {
    if (c.lagTooHigh()) {
      // Holding the lock does not make a lagging replica eligible: promotion stays within the lag limit.
      return release(Reason.LAGGING);
    }
    if (c.paused()) {
      // In pause only a manual failover to me promotes; otherwise the lock goes back (Patroni).
      boolean candidate = c.failover().flatMap(f -> f.value().candidate()).map(c.me::equals).orElse(false);
      return candidate
          ? Plan.because(Reason.PROMOTING).then(new Action.RenewLeaderLock()).then(new Action.Promote()).about(c.me)
          : release(Reason.PAUSED_RELEASED_LOCK);
    }
    if (c.memory.promoteFailed()) {
      return release(Reason.PROMOTE_FAILED);
    }
    if (c.memory.watchdogFailed()) {
      return release(Reason.WATCHDOG_FAILED);
    }
    return Plan.because(Reason.PROMOTING)
        .then(new Action.RenewLeaderLock())
        .then(Watchdog.afterLockUpdate(c))
        .then(new Action.Promote())
        .about(c.me)
        .recheckAfter(Duration.ZERO);
  }

  private static Plan release(Reason reason) {
    return Plan.because(reason).then(new Action.ReleaseLeaderLock()).recheckAfter(Duration.ZERO);
  }

  private static Plan primary(Cycle c) {
    if (c.memory.watchdogFailed() && !c.paused()) {
      // The watchdog is required and unusable: a primary nothing would reset if its agent froze must not
      // keep the lock. Stop first, then release.
      return Plan.because(Reason.WATCHDOG_FAILED)
          .then(new Action.Demote(DemoteMode.IMMEDIATE, Optional.empty()))
          .recheckAfter(Duration.ZERO);
    }
    ManualFailover.Verdict verdict = ManualFailover.onLeader(c);
    if (verdict instanceof ManualFailover.Verdict.HandOver handOver) {
      // The lock is kept through the graceful stop and released by the demotion once the server is down,
      // so nobody is promoted while this one still takes writes.
      return Plan.because(Reason.SWITCHOVER_DEMOTING)
          .then(new Action.RenewLeaderLock())
          .then(Watchdog.afterLockUpdate(c))
          .then(statusIfChanged(c))
          .then(new Action.Demote(DemoteMode.GRACEFUL, handOver.candidate()))
          .about(c.me)
          .recheckAfter(c.soon());
    }

    Plan plan = Plan.because(c.paused() ? Reason.PAUSED_LEADER : Reason.LOCK_RENEWED)
        .then(new Action.RenewLeaderLock())
        .then(Watchdog.afterLockUpdate(c))
        .then(statusIfChanged(c))
        .then(HistoryUpdate.afterPromotion(c))
        .about(c.me)
        .recheckAfter(LockSafety.leaderRecheck(c));
    initializeIfMissing(c).ifPresent(plan::thenLast);
    configIfMissing(c).ifPresent(plan::thenLast);

    if (verdict instanceof ManualFailover.Verdict.Wait wait) {
      Duration recheck = wait.untilDue().compareTo(c.loopWait()) < 0 ? wait.untilDue() : c.loopWait();
      return plan.as(Reason.SWITCHOVER_SCHEDULED).recheckAfter(recheck);
    }
    if (verdict instanceof ManualFailover.Verdict.Clear clear) {
      return plan.thenLast(new Action.ClearFailover(clear.version())).as(clear.reason()).recheckAfter(Duration.ZERO);
    }
    return plan;
  }

  /** {@code status} with my optime, when it moved (Patroni writes it only on a change, too). */
  private static Optional<Action> statusIfChanged(Cycle c) {
    ClusterStatus current = c.cluster.status();
    long optime = c.local.walPosition();
    if (optime == current.optime() || optime <= 0) {
      return Optional.empty();
    }
    return Optional.of(new Action.WriteStatus(new ClusterStatus(optime, current.slots(), current.retainSlots())));
  }

  /** The lock holder writes its system identifier when {@code initialize} lacks a valid one. */
  private static Optional<Action> initializeIfMissing(Cycle c) {
    Optional<String> sysid = c.local.systemIdentifier();
    if (sysid.isEmpty() || c.initialize().filter(v -> !v.isEmpty()).isPresent() || keyUndecodable(c, "initialize")) {
      return Optional.empty();
    }
    return Optional.of(new Action.WriteInitialize(sysid.get(), c.cluster.initialize().map(v -> v.version())));
  }

  /**
   * {@code config} from {@code bootstrap.dcs} when the key does not exist. A key that exists but does not
   * decode is someone's data: it is left for the operator, never overwritten.
   */
  static Optional<Action> configIfMissing(Cycle c) {
    if (c.cluster.config().isPresent() || keyUndecodable(c, "config")) {
      return Optional.empty();
    }
    return Optional.of(new Action.WriteConfig(c.config.bootstrapDcs(), Optional.empty()));
  }

  private static boolean keyUndecodable(Cycle c, String key) {
    return c.cluster.invalid().stream().anyMatch(i -> i.key().equals(key) || i.key().endsWith("/" + key));
  }
}
