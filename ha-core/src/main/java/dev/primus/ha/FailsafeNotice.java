package dev.primus.ha;

import java.time.Instant;
import java.util.Objects;

/**
 * The last {@code POST /failsafe} this member accepted: a primary that lost the DCS asked it to agree
 * that it keeps running. While it is less than ttl old this member does not race for the lock even when
 * it sees no leader key (Patroni injects the sender as the leader), which is what keeps a primary cut
 * off only from the DCS from being joined by a second one.
 *
 * @param leader     the sender's member name
 * @param apiUrl     the sender's REST API URL
 * @param connUrl    the sender's PostgreSQL connection URL
 * @param receivedAt when this member accepted it (the runner's clock)
 */
public record FailsafeNotice(String leader, String apiUrl, String connUrl, Instant receivedAt) {
  public FailsafeNotice {
    Objects.requireNonNull(leader, "leader");
    Objects.requireNonNull(apiUrl, "apiUrl");
    Objects.requireNonNull(connUrl, "connUrl");
    Objects.requireNonNull(receivedAt, "receivedAt");
  }
}
