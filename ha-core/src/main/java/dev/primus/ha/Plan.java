package dev.primus.ha;

import dev.primus.dcs.model.SynchronousMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A decision being assembled by one branch; {@link #decide} adds what every decision shares.
 *
 * <p>Order of the final action list, chosen because the executor stops at the first failure:
 * <ol>
 *   <li>{@link Action.DisableWatchdog} when this member should not have it armed (local, cheap);
 *   <li>the branch's actions: lock operations first, so a lost lock stops everything after it (a
 *       promotion above all), then the database action;
 *   <li>{@link Action.ActivateWatchdog} when this decision stops a writable primary whose watchdog is
 *       not armed (after the stop, so a failure to arm never holds it back);
 *   <li>{@link Action.TouchMember} (unless the branch placed it itself, or the DCS is unreachable);
 *   <li>the branch's conditional writes that may meet a CAS conflict ({@code initialize},
 *       {@code config}, {@code failover}) last, so their conflict never holds anything else back;
 *   <li>housekeeping of the database (slots, parameters), whose failure concerns nothing else.
 * </ol>
 * A {@link Action.ResizeLease} goes first of all, so every DCS write of the decision uses the lease of the
 * ttl in force.
 */
final class Plan {
  /** Steady-state reasons that the notice about rejected DCS timings may stand in for. */
  private static final Set<Reason> ROUTINE = EnumSet.of(Reason.LOCK_RENEWED, Reason.FOLLOWING, Reason.PAUSED,
      Reason.PAUSED_LEADER, Reason.SYNC_STANDBY_MISSING);

  private Reason reason;
  private final List<Action> actions = new ArrayList<>();
  private final List<Action> last = new ArrayList<>();
  private final List<Action> housekeeping = new ArrayList<>();
  private Optional<String> about = Optional.empty();
  private Duration recheck;

  private Plan(Reason reason) {
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  static Plan because(Reason reason) {
    return new Plan(reason);
  }

  /** The same plan for another reason (a branch that refines what a common plan is for). */
  Plan as(Reason newReason) {
    reason = Objects.requireNonNull(newReason, "newReason");
    return this;
  }

  Plan then(Action action) {
    actions.add(action);
    return this;
  }

  Plan then(Optional<? extends Action> action) {
    action.ifPresent(actions::add);
    return this;
  }

  /** An action that goes after the member key write: a conditional write that may conflict. */
  Plan thenLast(Action action) {
    last.add(action);
    return this;
  }

  /** Database housekeeping that goes at the very end: its failure must hold nothing else back. */
  Plan housekeeping(Optional<? extends Action> action) {
    action.ifPresent(housekeeping::add);
    return this;
  }

  /** Replaces the housekeeping action of {@code type}, if there is one, by {@code action}; else adds it. */
  Plan replaceHousekeeping(Class<? extends Action> type, Action action) {
    housekeeping.removeIf(type::isInstance);
    housekeeping.add(action);
    return this;
  }

  /** Whether this plan starts a long action (a database operation that runs in the background). */
  boolean startsLongAction() {
    return firstLongAction().isPresent();
  }

  Optional<Action> firstLongAction() {
    return actions.stream().filter(Action::isLong).findFirst();
  }

  /** The member the message talks about, when not the lock holder. */
  Plan about(String member) {
    about = Optional.of(member);
    return this;
  }

  Plan about(Optional<String> member) {
    about = member;
    return this;
  }

  Plan recheckAfter(Duration d) {
    recheck = d;
    return this;
  }

  /** Whether this decision updates the leader lock (and so leads, as far as the watchdog goes). */
  private boolean updatesLock() {
    return actions.stream().anyMatch(a -> a instanceof Action.AcquireLeaderLock || a instanceof Action.RenewLeaderLock);
  }

  Decision decide(Cycle c) {
    List<Action> out = new ArrayList<>();
    if (c.connected() && !c.memory.leaseTtl().map(c.ttl()::equals).orElse(false)) {
      out.add(new Action.ResizeLease(c.ttl()));
    }
    if (shouldDisableWatchdog(c)) {
      out.add(new Action.DisableWatchdog());
    }
    out.addAll(actions);
    if (shouldArmWatchdog(c)) {
      out.add(new Action.ActivateWatchdog());
    }
    if (c.connected() && out.stream().noneMatch(a -> a instanceof Action.TouchMember)) {
      out.add(new Action.TouchMember(c.myStatus()));
    }
    out.addAll(last);
    out.addAll(housekeeping);

    Reason r = reason;
    if (c.syncMode() == SynchronousMode.QUORUM && ROUTINE.contains(r)) {
      r = Reason.SYNC_QUORUM_UNSUPPORTED;
    }
    Duration wait = recheck == null ? c.loopWait() : recheck;
    if (wait.compareTo(c.loopWait()) > 0) {
      wait = c.loopWait(); // a leader must renew every loop_wait; nobody waits longer than that
    }
    if (wait.isNegative()) {
      wait = Duration.ZERO;
    }
    return new Decision(out, r, c.me, about.or(c::leader), wait);
  }

  /**
   * A running primary that this decision stops (a demotion without the lock, the DCS gone) is guarded by
   * the watchdog even though it does not lead: if the agent froze before the stop ran, the node is reset
   * before the lock can pass to someone else. It goes after the branch's actions, so a watchdog that
   * cannot be armed never holds the stop back. Nothing is armed that nobody would pet, so a primary that
   * keeps running without the lock for a while (a bootstrap) is not reset for it.
   */
  private boolean shouldArmWatchdog(Cycle c) {
    if (c.paused() || c.memory.watchdogActive() || c.memory.watchdogFailed() || !c.local.isRunningPrimary()) {
      return false;
    }
    boolean stops = actions.stream().anyMatch(a -> a instanceof Action.Demote || a instanceof Action.StopDatabase);
    boolean petted = actions.stream().anyMatch(a -> a instanceof Action.ActivateWatchdog || a instanceof Action.KeepaliveWatchdog);
    return stops && !petted;
  }

  /**
   * The watchdog stays armed while this member leads or its database may still take writes (a frozen
   * agent in the middle of a demotion is exactly what it is for); it is disarmed when paused or when
   * neither holds. A demotion's server that is seen shutting down (or down) takes no writes any more:
   * the watchdog is disarmed then, as Patroni does at the stop's safepoint, so that a shutdown that hangs
   * (a walsender waiting for a standby that does not answer) while the lock is not renewed does not reset
   * the machine; the stop's own bound ends it.
   */
  private boolean shouldDisableWatchdog(Cycle c) {
    if (!c.memory.watchdogActive()) {
      return false;
    }
    if (c.paused()) {
      return true;
    }
    boolean goingDown = c.local.process() != LocalState.ProcessState.RUNNING
        && c.local.process() != LocalState.ProcessState.STARTING;
    return !updatesLock() && !c.local.isRunningPrimary() && (!c.stopUnderway() || goingDown);
  }
}
