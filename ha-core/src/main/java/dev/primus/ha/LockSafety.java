package dev.primus.ha;

import java.time.Duration;
import java.util.Optional;

/**
 * The first question of every connected cycle: a running primary whose hold on the lock is in doubt
 * stops taking writes before anything else is considered (DESIGN §6, invariant 3).
 *
 * <p>In doubt means the view still names me but: I learned I lost or gave up the lock (the view is
 * stale); or my last successful update is ttl or more ago (the lease may have expired and been taken,
 * e.g. after the agent froze); or the last renewal failed and less than loop_wait + retry_timeout is
 * left, so the next cycle could come after the lease has expired for the others. The demotion keeps the
 * lock key alone ({@code immediate-nolock}); if it turns out to still be mine, a later cycle renews it
 * and starts the primary again. Paused clusters are left alone.
 */
final class LockSafety {
  private LockSafety() {}

  static Optional<Plan> stopWritingIfLockInDoubt(Cycle c) {
    if (!c.local.isRunningPrimary() || c.paused() || !c.viewNamesMe() || c.stopUnderway()) {
      return Optional.empty();
    }
    if (c.lockLostRecently() || c.leaseExpired() || c.renewalFailingNearExpiry()) {
      return Optional.of(Plan.because(Reason.LOCK_RENEWAL_FAILED)
          .then(Demotions.demote(c, DemoteMode.IMMEDIATE_NOLOCK, Optional.empty()))
          .recheckAfter(c.soon()));
    }
    return Optional.empty();
  }

  /** The pause before the next cycle of a leader: loop_wait, or soon after a renewal that failed. */
  static Duration leaderRecheck(Cycle c) {
    return c.memory.lastRenewFailed() ? c.soon() : c.loopWait();
  }
}
