package dev.primus.dcs.layout;

import java.util.Objects;
import java.util.Optional;

/**
 * How {@link PatroniDcs#renewLeaderLock()} ended. Only {@link Renewed} means the caller still leads;
 * after {@link Gone} or {@link Lost} it must not act as the leader until it has taken the lock again
 * with {@link PatroniDcs#acquireLeaderLock()}, which only creates a key nobody holds.
 */
public sealed interface RenewOutcome {

  /** How the lock was kept. */
  enum How {
    /** The leader key is attached to the live lease: the keep-alive alone renewed it. */
    KEPT_ALIVE,
    /** The lease had changed: the key, still holding this member's name, was moved to the new lease by a value CAS. */
    REATTACHED
  }

  /** This member still holds the lock, attached to its current lease. */
  record Renewed(How how) implements RenewOutcome {
    public Renewed {
      Objects.requireNonNull(how, "how");
    }
  }

  /**
   * The leader key does not exist any more (its lease expired, or somebody deleted it), and the
   * renewal did not create it again: nothing was written. The lock is free; to lead again, race for it
   * with {@link PatroniDcs#acquireLeaderLock()} like any other member.
   */
  record Gone() implements RenewOutcome {}

  /**
   * The lock is another member's: demote.
   *
   * @param holder who holds it now, or empty if it kept changing while being read
   */
  record Lost(Optional<String> holder) implements RenewOutcome {
    public Lost {
      Objects.requireNonNull(holder, "holder");
    }
  }

  /** Whether this member still holds the lock. */
  default boolean renewed() {
    return this instanceof Renewed;
  }
}
