package dev.primus.ha;

import dev.primus.dcs.model.ClusterStatus;
import java.time.Duration;
import java.util.Optional;

/**
 * This member holds the lock and its database runs (Patroni's {@code process_healthy_cluster} for the
 * holder, and {@code enforce_primary_role}).
 *
 * <p>Every cycle: renew the lock, then pet (or arm) the watchdog, so a failed renewal stops the rest. A
 * replica holder is promoted in the same decision (in synchronous mode only if {@code sync} allows it,
 * after writing {@code sync}, see {@link SyncReplication#beforePromote}). A primary holder handles a
 * pending switchover, keeps {@code status} (optime), {@code history} (after its promotion),
 * {@code initialize} and {@code config} up to date, and manages synchronous replication
 * ({@link SyncReplication#onPrimary}).
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
    if (!c.syncAllows(c.me)) {
      // Nor does it make a standby synchronous: it may lack acknowledged commits.
      return release(Reason.NOT_SYNC_STANDBY);
    }
    if (c.paused()) {
      // In pause only a manual failover to me promotes; otherwise the lock goes back (Patroni).
      boolean candidate = c.failover().flatMap(f -> f.value().candidate()).map(c.me::equals).orElse(false);
      if (!candidate) {
        return release(Reason.PAUSED_RELEASED_LOCK);
      }
      Plan plan = Plan.because(Reason.PROMOTING).then(new Action.RenewLeaderLock());
      SyncReplication.beforePromote(c).forEach(plan::then);
      return plan.then(new Action.Promote()).about(c.me);
    }
    if (c.memory.promoteFailed()) {
      return release(Reason.PROMOTE_FAILED);
    }
    if (c.memory.watchdogFailed()) {
      return release(Reason.WATCHDOG_FAILED);
    }
    Plan plan = Plan.because(Reason.PROMOTING)
        .then(new Action.RenewLeaderLock())
        .then(Watchdog.afterLockUpdate(c));
    SyncReplication.beforePromote(c).forEach(plan::then);
    return plan.then(new Action.Promote())
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
          .then(Demotions.demote(c, DemoteMode.IMMEDIATE, Optional.empty()))
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
          .then(Demotions.demote(c, DemoteMode.GRACEFUL, handOver.candidate()))
          .about(c.me)
          .recheckAfter(c.soon());
    }

    SyncReplication.Step sync = SyncReplication.onPrimary(c);
    Reason routine = c.paused() ? Reason.PAUSED_LEADER : sync.noSyncStandby() ? Reason.SYNC_STANDBY_MISSING : Reason.LOCK_RENEWED;
    Duration recheck = LockSafety.leaderRecheck(c);
    if (sync.recheck().isPresent() && sync.recheck().get().compareTo(recheck) < 0) {
      recheck = sync.recheck().get();
    }
    Plan plan = Plan.because(routine)
        .then(new Action.RenewLeaderLock())
        .then(Watchdog.afterLockUpdate(c))
        .then(statusIfChanged(c))
        .then(HistoryUpdate.afterPromotion(c))
        .then(Failsafe.keyUpdate(c))
        .about(c.me)
        .recheckAfter(recheck);
    // After the member key: the sync key may meet a CAS conflict, which must hold nothing else back; its
    // order against synchronous_standby_names is what keeps acknowledged commits safe.
    sync.actions().forEach(plan::thenLast);
    initializeIfMissing(c).ifPresent(plan::thenLast);
    configIfMissing(c).ifPresent(plan::thenLast);
    plan.housekeeping(Slots.maintain(c));

    if (verdict instanceof ManualFailover.Verdict.Wait wait) {
      Duration due = wait.untilDue().compareTo(recheck) < 0 ? wait.untilDue() : recheck;
      return plan.as(Reason.SWITCHOVER_SCHEDULED).recheckAfter(due);
    }
    if (verdict instanceof ManualFailover.Verdict.Clear clear) {
      return plan.thenLast(new Action.ClearFailover(clear.version())).as(clear.reason()).recheckAfter(Duration.ZERO);
    }
    return plan;
  }

  /**
   * {@code status} with my optime, the positions of my permanent logical slots ({@link Slots#published}) and
   * the slots I retain ({@link Slots#retainList}), when any of them moved (Patroni writes it only on a change,
   * too).
   */
  private static Optional<Action> statusIfChanged(Cycle c) {
    ClusterStatus current = c.cluster.status();
    long optime = c.local.walPosition();
    boolean optimeMoved = optime > 0 && optime != current.optime();
    java.util.List<String> retain = Slots.retainList(c);
    java.util.Map<String, Long> slots = Slots.published(c);
    if (!optimeMoved && retain.equals(current.retainSlots()) && slots.equals(current.slots())) {
      return Optional.empty();
    }
    return Optional.of(new Action.WriteStatus(new ClusterStatus(optimeMoved ? optime : current.optime(), slots, retain)));
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
