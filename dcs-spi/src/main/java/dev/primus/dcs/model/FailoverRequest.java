package dev.primus.dcs.model;

import java.time.OffsetDateTime;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code failover} key: a requested switchover ({@code leader} set) or failover (only
 * {@code candidate}), possibly scheduled. Every field is optional; {@code {}} is a cleared request.
 */
public record FailoverRequest(
    Optional<String> leader, Optional<String> candidate, Optional<OffsetDateTime> scheduledAt) {

  public static final FailoverRequest EMPTY = new FailoverRequest(Optional.empty(), Optional.empty(), Optional.empty());

  public FailoverRequest {
    Objects.requireNonNull(leader, "leader");
    Objects.requireNonNull(candidate, "candidate");
    Objects.requireNonNull(scheduledAt, "scheduledAt");
  }

  /** A cleared request ({@code {}}): nothing to do. */
  public boolean isEmpty() {
    return leader.isEmpty() && candidate.isEmpty();
  }
}
