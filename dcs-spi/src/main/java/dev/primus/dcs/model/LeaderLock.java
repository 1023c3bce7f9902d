package dev.primus.dcs.model;

import java.util.Objects;
import java.util.Optional;

/**
 * The {@code leader} key: a plain string holding the lock holder's member name, attached to its lease.
 *
 * @param holder  the member name written in the key
 * @param version the key's CAS version
 * @param leaseId the lease it is attached to, if any
 */
public record LeaderLock(String holder, long version, Optional<String> leaseId) {
  public LeaderLock {
    Objects.requireNonNull(holder, "holder");
    Objects.requireNonNull(leaseId, "leaseId");
  }

  public boolean heldBy(String member) {
    return holder.equals(member);
  }
}
