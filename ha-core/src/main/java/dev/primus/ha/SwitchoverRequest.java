package dev.primus.ha;

import dev.primus.dcs.model.FailoverRequest;
import java.time.OffsetDateTime;
import java.util.Objects;
import java.util.Optional;

/**
 * An operator's switchover or failover (Patroni's {@code POST /switchover}, {@code POST /failover},
 * {@code patronictl switchover|failover}): the request before it is written to the {@code failover} key.
 *
 * @param kind        a switchover (from a named leader) or a failover (to a named candidate); a failover
 *                    that names the leader is a switchover, as in Patroni
 * @param leader      the current leader the request names
 * @param candidate   the member to promote; empty lets the cluster choose the healthiest
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

  /** The request a {@code failover} key holds. */
  public static SwitchoverRequest of(FailoverRequest key) {
    return new SwitchoverRequest(key.leader().isPresent() ? Kind.SWITCHOVER : Kind.FAILOVER, key.leader(),
        key.candidate(), key.scheduledAt());
  }

  /** The value written to the {@code failover} key. */
  public FailoverRequest key() {
    return new FailoverRequest(leader, candidate, scheduledAt);
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
