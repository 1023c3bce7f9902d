package dev.primus.runner.config;

import dev.primus.dcs.model.PatroniDialect;
import dev.primus.dcs.model.Tags;
import dev.primus.ha.HaConfig;
import java.util.Objects;
import java.util.Optional;

/**
 * A whole {@code patroni.yml}, validated, with the environment overrides applied. Build one with
 * {@link PatroniConfigLoader}.
 *
 * @param scope      the cluster name ({@code scope}, required)
 * @param namespace  the DCS path prefix, normalized to start and end with {@code /}
 *                   ({@code namespace}, default {@code /service/})
 * @param name       this member's name, unique in the cluster ({@code name}, required)
 * @param log        the {@code log} section
 * @param restapi    the {@code restapi} section
 * @param ctl        the {@code ctl} section
 * @param dcs        the one DCS section
 * @param bootstrap  the {@code bootstrap} section
 * @param postgresql the {@code postgresql} section
 * @param tags       this member's tags ({@code tags})
 * @param watchdog   the {@code watchdog} section
 * @param citus      the {@code citus} section, if present (not implemented yet)
 * @param dialect    the Patroni this member speaks as ({@code primus.patroni_version}; 3.0.2 by default)
 * @param tree       the effective configuration as plain values
 */
public record PatroniConfig(
    String scope,
    String namespace,
    String name,
    LogConfig log,
    RestApiConfig restapi,
    CtlConfig ctl,
    DcsSection dcs,
    BootstrapConfig bootstrap,
    PostgresqlConfig postgresql,
    Tags tags,
    WatchdogConfig watchdog,
    Optional<CitusConfig> citus,
    PatroniDialect dialect,
    ConfigTree tree) {

  public static final String DEFAULT_NAMESPACE = "/service/";

  public PatroniConfig {
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(log, "log");
    Objects.requireNonNull(restapi, "restapi");
    Objects.requireNonNull(ctl, "ctl");
    Objects.requireNonNull(dcs, "dcs");
    Objects.requireNonNull(bootstrap, "bootstrap");
    Objects.requireNonNull(postgresql, "postgresql");
    Objects.requireNonNull(tags, "tags");
    Objects.requireNonNull(watchdog, "watchdog");
    Objects.requireNonNull(citus, "citus");
    Objects.requireNonNull(dialect, "dialect");
    Objects.requireNonNull(tree, "tree");
  }

  /**
   * This member's settings for the decision engine. A member may bootstrap a new cluster unless its
   * tags forbid it to lead (nofailover, or failover_priority 0), as in Patroni.
   *
   * @param agentVersion the version written into the member key
   */
  public HaConfig toHaConfig(String agentVersion) {
    return new HaConfig(name, postgresql.connUrl(), restapi.apiUrl(), tags, agentVersion, tags.canFailover(),
        bootstrap.dcs(), postgresql.removeDataDirectoryOnRewindFailure(),
        postgresql.removeDataDirectoryOnDivergedTimelines());
  }

  /** The member's HA settings for its agent. */
  public dev.primus.agent.HaSettings toHaSettings(String agentVersion) {
    return new dev.primus.agent.HaSettings(tags, bootstrap.dcs(), tags.canFailover(),
        java.util.Optional.of(postgresql.parameters()),
        postgresql.pgCtlTimeout(), postgresql.callbacks(), postgresql.removeDataDirectoryOnRewindFailure(),
        postgresql.removeDataDirectoryOnDivergedTimelines(), agentVersion);
  }

  /** The effective configuration as YAML, secrets masked: safe to log or print. */
  public String dump() {
    return tree.dump();
  }
}
