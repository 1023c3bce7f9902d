package dev.primus.dcs.spi;

import java.time.Duration;

/**
 * The optional watch facet of a store. A store without one still works: Primus falls back to
 * {@link PollingWatch}, which re-reads the prefix.
 */
public interface Watchable {

  /** How a wait ended. */
  enum WatchOutcome {
    /** Something under the prefix changed after the given revision. */
    CHANGED,
    /** The timeout elapsed with no change. */
    TIMED_OUT
  }

  /**
   * Blocks until any key under {@code prefix} changes after {@code sinceRevision} (a
   * {@link Snapshot#revision()}), or until {@code timeout} elapses. Returns {@link WatchOutcome#CHANGED}
   * at once if a change newer than {@code sinceRevision} is already known. A spurious
   * {@link WatchOutcome#CHANGED} is allowed (the caller re-reads); a missed change is not.
   *
   * @throws DcsException if the store cannot be reached
   * @throws InterruptedException if the calling thread is interrupted while it waits
   */
  WatchOutcome awaitChange(String prefix, long sinceRevision, Duration timeout)
      throws DcsException, InterruptedException;
}
