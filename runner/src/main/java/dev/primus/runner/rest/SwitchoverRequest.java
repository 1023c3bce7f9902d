package dev.primus.runner.rest;

import java.time.OffsetDateTime;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated {@code POST /switchover} or {@code POST /failover}.
 *
 * @param kind        a switchover (from a named leader) or a failover (to a named candidate); a failover
 *                    request that names a leader arrives here as a switchover, as in Patroni
 * @param leader      the current leader the request names
 * @param candidate   the member to promote; empty lets the cluster choose
 * @param scheduledAt when to run it; empty runs it now (a failover is never scheduled)
 */
public record SwitchoverRequest(
    Kind kind, Optional<String> leader, Optional<String> candidate, Optional<OffsetDateTime> scheduledAt) {

  public SwitchoverRequest {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(leader, "leader");
    Objects.requireNonNull(candidate, "candidate");
    Objects.requireNonNull(scheduledAt, "scheduledAt");
  }

  /** The two manual leader changes. */
  public enum Kind {
    SWITCHOVER("switchover", "switched over"),
    FAILOVER("failover", "failed over");

    private final String noun;
    private final String past;

    Kind(String noun, String past) {
      this.noun = noun;
      this.past = past;
    }

    /** {@code switchover} or {@code failover}. */
    public String noun() {
      return noun;
    }

    /** {@code switched over} or {@code failed over}. */
    public String pastTense() {
      return past;
    }
  }
}
