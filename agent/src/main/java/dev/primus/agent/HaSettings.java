package dev.primus.agent;

import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.Tags;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A member's own HA settings besides its identity (the local configuration file's part of what Patroni
 * reads from {@code patroni.yml}); the cluster-wide ones come from the DCS {@code config} key, or from
 * {@link #bootstrapDcs()} until the key exists. {@link #defaults()} are Patroni's.
 *
 * @param tags                                   this member's tags ({@code nofailover}, {@code clonefrom}, ...)
 * @param bootstrapDcs                           {@code bootstrap.dcs}: the dynamic config the bootstrapping
 *                                               member writes, used until the key exists
 * @param bootstrapAllowed                       this member may initialize a new cluster when it wins the race
 * @param localParameters                        the local {@code postgresql.parameters}, the DCS config's laid
 *                                               over them; empty: the driver's own, those it was built with
 * @param databaseTimeout                        how long a start, stop, promote or restart may take
 *                                               ({@code postgresql.pg_ctl_timeout})
 * @param callbacks                              the operator's scripts
 * @param removeDataDirectoryOnRewindFailure     reinitialize when pg_rewind fails
 * @param removeDataDirectoryOnDivergedTimelines reinitialize when rewind is off and timelines diverged
 * @param agentVersion                           the Patroni version written into the member key and reported
 *                                               to tools that read it ({@link #PATRONI_VERSION})
 */
public record HaSettings(
    Tags tags,
    DynamicConfig bootstrapDcs,
    boolean bootstrapAllowed,
    Optional<Map<String, Object>> localParameters,
    Duration databaseTimeout,
    CallbackScripts callbacks,
    boolean removeDataDirectoryOnRewindFailure,
    boolean removeDataDirectoryOnDivergedTimelines,
    String agentVersion) {

  /**
   * The Patroni version Primus reports where Patroni's tools read one: modern enough for patronictl and
   * Patroni members to use their current code paths, and below 4.0, whose semantics Primus does not claim.
   */
  public static final String PATRONI_VERSION = "3.0.2";

  /** Patroni's {@code pg_ctl_timeout}. */
  public static final Duration DEFAULT_DATABASE_TIMEOUT = Duration.ofSeconds(60);

  public HaSettings {
    Objects.requireNonNull(tags, "tags");
    Objects.requireNonNull(bootstrapDcs, "bootstrapDcs");
    localParameters = Objects.requireNonNull(localParameters, "localParameters")
        .map(l -> Collections.unmodifiableMap(new LinkedHashMap<>(l)));
    Objects.requireNonNull(databaseTimeout, "databaseTimeout");
    if (databaseTimeout.isNegative() || databaseTimeout.isZero()) {
      throw new IllegalArgumentException("databaseTimeout must be positive, got " + databaseTimeout);
    }
    Objects.requireNonNull(callbacks, "callbacks");
    Objects.requireNonNull(agentVersion, "agentVersion");
  }

  /** No tags, Patroni's dynamic defaults, bootstrap allowed, no scripts, a 60 s database timeout. */
  public static HaSettings defaults() {
    return new HaSettings(Tags.NONE, DynamicConfig.EMPTY, true, Optional.empty(), DEFAULT_DATABASE_TIMEOUT,
        CallbackScripts.NONE, false, false, PATRONI_VERSION);
  }

  public HaSettings withTags(Tags t) {
    return new HaSettings(t, bootstrapDcs, bootstrapAllowed, localParameters, databaseTimeout, callbacks,
        removeDataDirectoryOnRewindFailure, removeDataDirectoryOnDivergedTimelines, agentVersion);
  }

  /** With {@code dcs} as {@code bootstrap.dcs} (ttl, loop_wait, retry_timeout, postgresql settings, ...). */
  public HaSettings withBootstrapDcs(DynamicConfig dcs) {
    return new HaSettings(tags, dcs, bootstrapAllowed, localParameters, databaseTimeout, callbacks,
        removeDataDirectoryOnRewindFailure, removeDataDirectoryOnDivergedTimelines, agentVersion);
  }

  /** With {@code parameters} as the local {@code postgresql.parameters}, handed to the driver with the dynamic ones. */
  public HaSettings withLocalParameters(Map<String, Object> parameters) {
    return new HaSettings(tags, bootstrapDcs, bootstrapAllowed, Optional.of(parameters), databaseTimeout, callbacks,
        removeDataDirectoryOnRewindFailure, removeDataDirectoryOnDivergedTimelines, agentVersion);
  }

  public HaSettings withDatabaseTimeout(Duration timeout) {
    return new HaSettings(tags, bootstrapDcs, bootstrapAllowed, localParameters, timeout, callbacks,
        removeDataDirectoryOnRewindFailure, removeDataDirectoryOnDivergedTimelines, agentVersion);
  }

  public HaSettings withCallbacks(CallbackScripts scripts) {
    return new HaSettings(tags, bootstrapDcs, bootstrapAllowed, localParameters, databaseTimeout, scripts,
        removeDataDirectoryOnRewindFailure, removeDataDirectoryOnDivergedTimelines, agentVersion);
  }

  /**
   * As the Patroni release {@code version} (its member key, REST documents and callback role words follow
   * it, see {@link dev.primus.dcs.model.PatroniDialect}); {@link #PATRONI_VERSION} by default.
   */
  public HaSettings withAgentVersion(String version) {
    return new HaSettings(tags, bootstrapDcs, bootstrapAllowed, localParameters, databaseTimeout, callbacks,
        removeDataDirectoryOnRewindFailure, removeDataDirectoryOnDivergedTimelines, version);
  }
}
