package dev.primus.ha;

import java.util.Optional;

/**
 * What this member refuses to do while the DCS config asks for what Primus does not implement.
 *
 * <p>{@code standby_cluster}: Patroni would make the lock holder a standby leader replicating from another
 * cluster. Ignoring the key made the would-be standby leader bootstrap or promote itself into a second
 * read-write primary for another cluster's data, so while it is set and nobody holds the lock, nobody
 * bootstraps and nobody races: every member waits, saying why. A member that holds the lock, or follows one
 * that does, goes on as before (it is this cluster's own data); patroni.yml, {@code PATCH /config} and
 * {@code edit-config} refuse the key, so it reaches the DCS only through another tool.
 */
final class UnsupportedConfig {
  private UnsupportedConfig() {}

  static Optional<Plan> refuse(Cycle c) {
    if (c.dcs().standbyCluster().isEmpty() || c.leader().isPresent()) {
      return Optional.empty();
    }
    return Optional.of(Plan.because(Reason.STANDBY_CLUSTER_REFUSED));
  }
}
