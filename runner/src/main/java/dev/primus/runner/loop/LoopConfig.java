package dev.primus.runner.loop;

import dev.primus.ha.HaConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The parts of the local configuration the loop uses, replaced as a whole on reload (SIGHUP,
 * {@code POST /reload}).
 *
 * @param ha              this member's settings for the engine
 * @param dbTimeout       the deadline of a start, stop, promote or restart ({@code postgresql.pg_ctl_timeout})
 * @param localParameters {@code postgresql.parameters} of the local file; the DCS's
 *                        {@code postgresql.parameters} are laid over them before they reach the driver
 * @param replicationUser {@code postgresql.authentication.replication.username}, reported as the
 *                        {@code usename} of the REST API's replication rows
 */
public record LoopConfig(HaConfig ha, Duration dbTimeout, Map<String, Object> localParameters, String replicationUser) {
  public LoopConfig {
    Objects.requireNonNull(ha, "ha");
    Objects.requireNonNull(dbTimeout, "dbTimeout");
    localParameters = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(localParameters));
    Objects.requireNonNull(replicationUser, "replicationUser");
  }

  /** With Patroni's default replication user name. */
  public LoopConfig(HaConfig ha, Duration dbTimeout, Map<String, Object> localParameters) {
    this(ha, dbTimeout, localParameters, "replicator");
  }
}
