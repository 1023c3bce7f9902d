package dev.primus.ha;

import java.util.Optional;

/**
 * A long action (promote, start, rewind, base backup, demote...) is running in the executor (Patroni's
 * {@code handle_long_action_in_progress}). The lock holder keeps renewing, except while a demotion that
 * keeps the lock stops its server (see {@link Demotions#renewsWhileStopping}); nobody starts another
 * database action. A member without the lock must not become or stay a writable primary: a promotion in
 * progress is answered with a demotion ("lost leader before promote"), as is a running primary (unless
 * paused, or the action is itself the stop or the bootstrap of a new cluster).
 */
final class LongActions {
  private LongActions() {}

  static Optional<Plan> whileRunning(Cycle c) {
    if (c.obs.inProgress().isEmpty()) {
      return Optional.empty();
    }
    Action running = c.obs.inProgress().get().action();

    if (c.holder() && running instanceof Action.Demote d && !Demotions.renewsWhileStopping(d.mode())) {
      // The stop of a demotion that keeps the lock (the DCS was lost, the lock is in doubt): renewing now
      // would keep a primary that is going down in office. The lease runs out unless the stop ends first
      // and a later cycle, on what it then sees, starts the primary again with the lock.
      return Optional.of(Plan.because(Reason.DEMOTING_LOCK_NOT_RENEWED).about(c.me));
    }
    if (c.holder()) {
      Reason reason = running instanceof Action.Promote ? Reason.PROMOTION_IN_PROGRESS : Reason.LONG_ACTION_WITH_LOCK;
      return Optional.of(Plan.because(reason)
          .then(new Action.RenewLeaderLock())
          .then(Watchdog.afterLockUpdate(c))
          .about(c.me)
          .recheckAfter(LockSafety.leaderRecheck(c)));
    }
    if (running instanceof Action.Bootstrap) {
      return Optional.of(Plan.because(Reason.BOOTSTRAPPING).about(c.me));
    }
    if (!c.paused() && !c.stopUnderway()) {
      if (running instanceof Action.Promote) {
        return Optional.of(Plan.because(Reason.LOST_LOCK_DURING_PROMOTE)
            .then(Demotions.demote(c, DemoteMode.IMMEDIATE_NOLOCK, c.otherLeader()))
            .recheckAfter(c.soon()));
      }
      if (c.local.isRunningPrimary()) {
        return Optional.of(Plan.because(Reason.DEMOTING_NOT_LEADER)
            .then(Demotions.demote(c, DemoteMode.IMMEDIATE_NOLOCK, c.otherLeader()))
            .recheckAfter(c.soon()));
      }
    }
    return Optional.of(Plan.because(Reason.LONG_ACTION_IN_PROGRESS));
  }
}
