package dev.primus.dcs.model;

import java.util.Objects;
import java.util.Optional;

/**
 * One {@code members/<name>} key.
 *
 * @param name    the member name (the last path segment)
 * @param status  the decoded value ({@link MemberStatus#unknown()} if the key is missing or invalid)
 * @param version the key's CAS version, or -1 for a stub made from the leader key alone
 * @param leaseId the owning lease, if the key is leased
 */
public record Member(String name, MemberStatus status, long version, Optional<String> leaseId) {
  public Member {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(leaseId, "leaseId");
  }
}
