package dev.primus.agent;

import dev.primus.ha.DatabaseLiveness;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * One {@link DatabaseLiveness} check shared by everyone who asks within {@code maxAge}: load balancers poll
 * every member's health endpoints, several of them, each once a second or faster, and each of those answers
 * must not cost a query. At most one check runs at a time; a caller who arrives while one runs gets its
 * result. A check that has not finished after {@code timeout} is not waited for again: later callers get
 * {@link DatabaseLiveness.Unknown} at once (so the last cycle's status stands), and no second check piles
 * up behind a stuck one.
 *
 * <p>Each check is tagged with the status that was current when it began (the {@code basis}): a result is
 * reused only under the same status, since a cycle that published a newer one may have seen more.
 */
final class LivenessCache {
  private final Supplier<CompletionStage<DatabaseLiveness>> check;
  private final Clock clock;
  private final Duration timeout;
  private final Object lock = new Object();
  /** The last result and when its check began (its facts are at least that old). Guarded by lock. */
  private Look last;
  private Instant lastBegun;
  /** The check running now, if any, and when it began. Guarded by lock. */
  private CompletableFuture<Look> running;
  private Instant runningBegun;

  /**
   * @param check   starts one check; the stage must complete, and should within {@code timeout}
   * @param clock   the agent's clock
   * @param timeout how long one check may take
   */
  LivenessCache(Supplier<CompletionStage<DatabaseLiveness>> check, Clock clock, Duration timeout) {
    this.check = Objects.requireNonNull(check, "check");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  /**
   * A check's result with the status that was current when it began.
   *
   * @param result what the check found
   * @param basis  the status current when it began
   */
  record Look(DatabaseLiveness result, Object basis) {}

  /**
   * A check that began at most {@code maxAge} ago under {@code basis}: the last one, or a new one; or the one
   * running now, whatever its basis (the caller sees which).
   */
  CompletionStage<Look> get(Duration maxAge, Object basis) {
    Instant now = clock.instant();
    CompletableFuture<Look> mine;
    synchronized (lock) {
      // A clock that went back makes every earlier result look young; such a result is not used.
      if (last != null && last.basis() == basis && !now.isBefore(lastBegun) && !now.isAfter(lastBegun.plus(maxAge))) {
        return CompletableFuture.completedFuture(last);
      }
      if (running != null) {
        if (now.isAfter(runningBegun.plus(timeout))) {
          return CompletableFuture.completedFuture(new Look(new DatabaseLiveness.Unknown(
              "the check begun at " + runningBegun + " has not finished"), basis));
        }
        return running.copy();
      }
      mine = new CompletableFuture<>();
      running = mine;
      runningBegun = now;
    }
    CompletionStage<DatabaseLiveness> started;
    try {
      started = check.get();
    } catch (RuntimeException e) {
      started = CompletableFuture.completedFuture(new DatabaseLiveness.Unknown("the check failed: " + e));
    }
    started.whenComplete((result, failure) -> {
      DatabaseLiveness r = failure != null || result == null
          ? new DatabaseLiveness.Unknown("the check failed: " + failure) : result;
      Look look = new Look(r, basis);
      synchronized (lock) {
        if (running == mine) {
          running = null;
        }
        // An unknown result says nothing about the database; keeping it would hide the next check's.
        if (!(r instanceof DatabaseLiveness.Unknown)) {
          last = look;
          lastBegun = now;
        }
      }
      mine.complete(look);
    });
    return mine.copy();
  }
}
