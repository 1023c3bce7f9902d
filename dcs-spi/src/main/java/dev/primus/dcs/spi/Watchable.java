package dev.primus.dcs.spi;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The optional watch facet of a store. A store without one still works: Primus falls back to
 * {@link PollingWatch}, which re-reads the prefix.
 *
 * <p>Two forms of the same wait. {@link #awaitChange} blocks the calling thread and is the one every
 * implementation must provide. {@link #awaitChangeAsync} holds no thread while it waits; a store whose
 * client delivers changes by callback (etcd's multiplexed watch stream, ZooKeeper's watchers) should
 * provide it, so that a JVM running a hundred members does not park a thread per watched cluster.
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

  /**
   * The wait of {@link #awaitChange} without a thread: registers for the first change under {@code prefix}
   * after {@code sinceRevision} and returns at once. The rules are those of {@link #awaitChange}: a change
   * already known completes the wait at once, a spurious {@link WatchOutcome#CHANGED} is allowed, a missed
   * change is not. There is no timeout; the caller bounds the wait with its own timer and closes it.
   *
   * <p>The default returns empty, which tells the caller to spend a thread on {@link #awaitChange}.
   * Registering may block briefly (a request to the server); the wait itself must not.
   *
   * @throws DcsException if the store cannot register the wait (it is unreachable or closed)
   */
  default Optional<PendingChange> awaitChangeAsync(String prefix, long sinceRevision) throws DcsException {
    return Optional.empty();
  }

  /** One registered wait of {@link #awaitChangeAsync}. */
  interface PendingChange extends AutoCloseable {
    /**
     * Completes with {@link WatchOutcome#CHANGED} when a change is known, or exceptionally with a
     * {@link DcsException} when the watch has failed for good or has been down for the store's retry
     * timeout (as {@link #check()} finds). Never completes with {@link WatchOutcome#TIMED_OUT}. It may run
     * its completions on the store's callback thread: a caller hands them over to its own executor.
     */
    CompletionStage<WatchOutcome> outcome();

    /**
     * Fails {@link #outcome()} if the watch has not been established (or re-established after a break)
     * for the store's retry timeout, so that "no news" cannot stand for "no change" while the server is
     * unreachable. The caller calls it now and then from its timer; a store whose outcome already fails
     * by itself in that case does nothing here.
     */
    default void check() {}

    /** Ends the wait and frees what the store holds for it; {@link #outcome()} may then never complete. */
    @Override
    void close();
  }
}
