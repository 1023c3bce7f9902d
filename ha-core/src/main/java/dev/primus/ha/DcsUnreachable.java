package dev.primus.ha;

import java.util.Optional;

/**
 * The cycle when the DCS cannot be reached ({@code cluster.connection()} not connected): the view may be
 * stale and nothing can be written, so no member key, no lock.
 *
 * <p>A running primary (or one being promoted) cannot prove it still holds the lock, so it demotes
 * {@code offline} at once, long before its lease can expire elsewhere ({@code loop_wait +
 * 2*retry_timeout <= ttl} is what guarantees the time for that). Paused clusters are left alone. Every
 * With {@code failsafe_mode} on, the primary first asks the other members of the {@code failsafe} key
 * and keeps running if they all accept ({@link Failsafe}). Every
 * other member does nothing destructive: it keeps running as it is and waits for the DCS.
 */
final class DcsUnreachable {
  private DcsUnreachable() {}

  static Plan plan(Cycle c) {
    if (c.paused()) {
      return Plan.because(Reason.DCS_UNREACHABLE);
    }
    boolean mayTakeWrites = c.local.isRunningPrimary() || c.inProgress(Action.Promote.class);
    if (mayTakeWrites && !c.stopUnderway()) {
      Optional<Plan> failsafe = Failsafe.whileDcsUnreachable(c);
      if (failsafe.isPresent()) {
        return failsafe.get();
      }
      return Plan.because(Reason.DCS_UNREACHABLE_DEMOTING)
          .then(Demotions.demote(c, DemoteMode.OFFLINE, Optional.empty()))
          .recheckAfter(c.soon());
    }
    if (c.stopUnderway()) {
      // A demotion is stopping the server: look again soon, so that a DCS that answers again is seen (and
      // decided on) at once, not a loop_wait later.
      return Plan.because(Reason.DCS_UNREACHABLE).recheckAfter(c.soon());
    }
    return Plan.because(Reason.DCS_UNREACHABLE);
  }
}
