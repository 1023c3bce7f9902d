package dev.primus.runner.config;

import dev.primus.dcs.model.SynchronousMode;
import java.util.Map;
import java.util.Optional;

/**
 * Dynamic settings Patroni implements and Primus does not, where ignoring them would change what is safe:
 * refused with the same words by patroni.yml's loader, {@code PATCH}/{@code PUT /config} and
 * {@code ctl edit-config}.
 */
public final class Refusals {
  private Refusals() {}

  /**
   * {@code standby_cluster}: ignoring it made the would-be standby leader promote itself, a second
   * read-write primary for another cluster's data.
   */
  public static final String STANDBY_CLUSTER = "standby clusters are not implemented by Primus yet, and running"
      + " this member as an ordinary primary would write to another cluster's data; remove standby_cluster or use"
      + " Patroni for this cluster";

  /**
   * {@code synchronous_mode: quorum}: ignoring it would leave synchronous replication unmanaged, so a
   * failover could lose commits the clients were told were safe on a quorum of standbys.
   */
  public static final String SYNC_QUORUM = "synchronous_mode: quorum is not implemented by Primus yet; ignoring it"
      + " would let a failover lose commits acknowledged by a quorum of standbys; use on (or off)";

  /**
   * Why a change of the dynamic configuration is refused, naming the key: only for the keys {@code change}
   * sets (a stored config that another tool wrote can still be paused or edited elsewhere).
   */
  public static Optional<String> inDynamicChange(Map<String, Object> change) {
    if (change.get("standby_cluster") != null) {
      return Optional.of("standby_cluster: " + STANDBY_CLUSTER);
    }
    Object sync = change.get("synchronous_mode");
    if (sync != null) {
      try {
        if (SynchronousMode.fromJson(sync) == SynchronousMode.QUORUM) {
          return Optional.of("synchronous_mode: " + SYNC_QUORUM);
        }
      } catch (IllegalArgumentException e) {
        return Optional.of("synchronous_mode: expected on, off or quorum, got " + sync);
      }
    }
    return Optional.empty();
  }
}
