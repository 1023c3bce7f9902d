package dev.primus.runner.loop;

import dev.primus.ha.HaConfig;
import dev.primus.runner.config.PostgresqlConfig.Callbacks;
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
 * @param scope           the cluster name, the last argument of every callback script
 * @param callbacks       the scripts run around database events ({@code postgresql.callbacks},
 *                        {@code pre_promote}); a reload takes new ones into use at the next event
 */
public record LoopConfig(HaConfig ha, Duration dbTimeout, Map<String, Object> localParameters, String replicationUser,
    String scope, Callbacks callbacks) {
  public LoopConfig {
    Objects.requireNonNull(ha, "ha");
    Objects.requireNonNull(dbTimeout, "dbTimeout");
    localParameters = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(localParameters));
    Objects.requireNonNull(replicationUser, "replicationUser");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(callbacks, "callbacks");
  }

  /** With Patroni's default replication user name and no callback scripts. */
  public LoopConfig(HaConfig ha, Duration dbTimeout, Map<String, Object> localParameters) {
    this(ha, dbTimeout, localParameters, "replicator", "", Callbacks.NONE);
  }
}
