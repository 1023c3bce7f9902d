package dev.primus.ha;

import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.model.Versioned;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What the leader does with a pending {@code failover} key (Patroni's
 * {@code process_manual_failover_from_leader}), after it renewed its lock in the same decision.
 *
 * <ul>
 *   <li>Scheduled and not yet due: wait, and look again exactly when it is due (Patroni acts up to a
 *       loop_wait early; Primus acts on time). More than {@code 1.5 * loop_wait} late: stale, cleared.
 *   <li>A {@code leader} that is not me: the request is about an old leader (e.g. the switchover that
 *       made me leader): cleared.
 *   <li>A candidate: it must be a member that could take over ({@link FailoverCandidates}); then I step
 *       down gracefully for it; otherwise the request is cleared. A candidate that is me: cleared, there
 *       is nothing to do.
 *   <li>No candidate (a switchover to whoever is healthiest): needs some member that could take over,
 *       and is refused while paused (a paused cluster needs a named candidate).
 * </ul>
 */
final class ManualFailover {
  private ManualFailover() {}

  /** The leader's verdict on the failover key. */
  sealed interface Verdict {
    /** No request pending. */
    record None() implements Verdict {}

    /** A scheduled switchover that is not due yet. */
    record Wait(Duration untilDue) implements Verdict {}

    /** Remove the request: done, stale or invalid. */
    record Clear(Reason reason, long version) implements Verdict {}

    /** Step down for {@code candidate} (or for whoever wins the race when empty). */
    record HandOver(Optional<String> candidate) implements Verdict {}
  }

  static Verdict onLeader(Cycle c) {
    Optional<Versioned<FailoverRequest>> pending = c.failover();
    if (pending.isEmpty()) {
      return new Verdict.None();
    }
    FailoverRequest request = pending.get().value();
    long version = pending.get().version();

    if (request.scheduledAt().isPresent()) {
      Instant due = request.scheduledAt().get().toInstant();
      if (c.now.isBefore(due)) {
        return new Verdict.Wait(Duration.between(c.now, due));
      }
      Duration late = Duration.between(due, c.now);
      if (late.compareTo(c.loopWait().multipliedBy(3).dividedBy(2)) > 0) {
        return new Verdict.Clear(Reason.FAILOVER_KEY_CLEARED, version);
      }
    }
    if (request.leader().isPresent() && !request.leader().get().equals(c.me)) {
      return new Verdict.Clear(Reason.FAILOVER_KEY_CLEARED, version);
    }
    if (request.candidate().filter(c.me::equals).isPresent()) {
      return new Verdict.Clear(Reason.FAILOVER_KEY_CLEARED, version);
    }
    // The same rule the command API applied before it wrote the key, judged again now, by the member keys.
    Optional<String> refusal = SwitchoverCheck.refusal(c.cluster, SwitchoverRequest.of(request), java.util.Map.of(),
        FailoverCandidates.referencePosition(c));
    return refusal.isPresent()
        ? new Verdict.Clear(Reason.SWITCHOVER_NOT_POSSIBLE, version)
        : new Verdict.HandOver(request.candidate());
  }

  /**
   * The request as the members racing for a free lock see it: a scheduled request that is not due yet
   * does not count (it was meant for a leader that is gone).
   */
  static Optional<Versioned<FailoverRequest>> forRace(Cycle c) {
    return c.failover().filter(f -> f.value().scheduledAt().map(at -> !c.now.isBefore(at.toInstant())).orElse(true));
  }
}
