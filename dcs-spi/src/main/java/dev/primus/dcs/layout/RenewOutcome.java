package dev.primus.dcs.layout;

import java.util.Objects;
import java.util.Optional;

/** How {@link PatroniDcs#renewLeaderLock()} ended. */
public sealed interface RenewOutcome {

  /** How the lock was kept. */
  enum How {
    /** The leader key is attached to the live lease: the keep-alive alone renewed it. */
    KEPT_ALIVE,
    /** The lease had changed: the key, still holding this member's name, was moved to the new lease by a value CAS. */
    REATTACHED,
    /** The key was gone (its lease expired) and nobody had taken it: it was created again. */
    RECREATED
  }

  /** This member still holds the lock, attached to its current lease. */
  record Renewed(How how) implements RenewOutcome {
    public Renewed {
      Objects.requireNonNull(how, "how");
    }
  }

  /**
   * The lock is no longer this member's: demote.
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
