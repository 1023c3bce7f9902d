package dev.primus.dcs.layout;

import java.util.Objects;
import java.util.Optional;

/** How {@link PatroniDcs#acquireLeaderLock()} ended. Losing the race is an outcome, not an error. */
public sealed interface AcquireOutcome {

  /**
   * This member holds the leader lock now, attached to its lease.
   *
   * @param version the leader key's new version
   */
  record Acquired(long version) implements AcquireOutcome {}

  /**
   * Another member holds the lock; nothing was written.
   *
   * @param holder the holder's name, or empty if the key kept changing while it was being read
   */
  record HeldBy(Optional<String> holder) implements AcquireOutcome {
    public HeldBy {
      Objects.requireNonNull(holder, "holder");
    }
  }

  /** Whether this member holds the lock. */
  default boolean acquired() {
    return this instanceof Acquired;
  }
}
