package dev.primus.ha;

import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.Tags;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * This member's own settings (from its local configuration file); the cluster-wide ones come from the
 * DCS {@code config} key, or {@link #bootstrapDcs()} until that key exists.
 *
 * @param name                                 the member name ({@code name})
 * @param connUrl                              {@code postgres://host:port/postgres} to publish
 * @param apiUrl                               {@code http://host:port/patroni} to publish
 * @param tags                                 this member's tags
 * @param agentVersion                         the version string written into the member key
 * @param bootstrapAllowed                     this member may run initdb when it wins the race
 * @param bootstrapDcs                         {@code bootstrap.dcs}: the dynamic config written by the
 *                                             bootstrap winner, and used until the key exists
 * @param removeDataDirectoryOnRewindFailure   reinitialize when pg_rewind fails
 * @param removeDataDirectoryOnDivergedTimelines reinitialize when rewind is off and timelines diverged
 * @param localParameters                      {@code postgresql.parameters} of the local file, the DCS
 *                                             config's laid over them ({@link Action.ApplyParameters}); empty:
 *                                             the driver keeps the local ones it was built with
 * @param replicaWithoutLeader                 this member can build a replica with no member to copy from
 *                                             (a {@code no_leader} replica method, e.g. a restore from a
 *                                             backup), as its database driver declares
 *                                             ({@link dev.primus.ha.driver.DatabaseDriver#canCreateReplicaWithoutLeader()}):
 *                                             an initialized cluster without a leader then gets a replica
 *                                             instead of a member waiting for a leader
 * @param watchdog                             a watchdog device resets this node if its agent freezes
 *                                             ({@code watchdog.mode} not {@code off}): a replica that wins a
 *                                             race then trusts it to have stopped the former primary, as
 *                                             Patroni does; without one it fences the former primary through
 *                                             its database first ({@link Action.FenceFormerPrimary})
 */
public record HaConfig(
    String name,
    String connUrl,
    String apiUrl,
    Tags tags,
    String agentVersion,
    boolean bootstrapAllowed,
    DynamicConfig bootstrapDcs,
    boolean removeDataDirectoryOnRewindFailure,
    boolean removeDataDirectoryOnDivergedTimelines,
    Optional<Map<String, Object>> localParameters,
    boolean replicaWithoutLeader,
    boolean watchdog) {

  public HaConfig {
    Objects.requireNonNull(name, "name");
    if (name.isBlank() || name.contains("/")) {
      throw new IllegalArgumentException("name: must be non-empty and contain no '/', got '" + name + "'");
    }
    Objects.requireNonNull(connUrl, "connUrl");
    Objects.requireNonNull(apiUrl, "apiUrl");
    Objects.requireNonNull(tags, "tags");
    Objects.requireNonNull(agentVersion, "agentVersion");
    Objects.requireNonNull(bootstrapDcs, "bootstrapDcs");
    localParameters = Objects.requireNonNull(localParameters, "localParameters")
        .map(l -> Collections.unmodifiableMap(new LinkedHashMap<>(l)));
  }

  /** A member without a watchdog. */
  public HaConfig(String name, String connUrl, String apiUrl, Tags tags, String agentVersion, boolean bootstrapAllowed,
      DynamicConfig bootstrapDcs, boolean removeDataDirectoryOnRewindFailure,
      boolean removeDataDirectoryOnDivergedTimelines, Optional<Map<String, Object>> localParameters,
      boolean replicaWithoutLeader) {
    this(name, connUrl, apiUrl, tags, agentVersion, bootstrapAllowed, bootstrapDcs, removeDataDirectoryOnRewindFailure,
        removeDataDirectoryOnDivergedTimelines, localParameters, replicaWithoutLeader, false);
  }

  /** A member that cannot build a replica without a leader. */
  public HaConfig(String name, String connUrl, String apiUrl, Tags tags, String agentVersion, boolean bootstrapAllowed,
      DynamicConfig bootstrapDcs, boolean removeDataDirectoryOnRewindFailure,
      boolean removeDataDirectoryOnDivergedTimelines, Optional<Map<String, Object>> localParameters) {
    this(name, connUrl, apiUrl, tags, agentVersion, bootstrapAllowed, bootstrapDcs, removeDataDirectoryOnRewindFailure,
        removeDataDirectoryOnDivergedTimelines, localParameters, false);
  }

  /** The same settings, with {@link #replicaWithoutLeader()} as the database driver declares it. */
  public HaConfig withReplicaWithoutLeader(boolean can) {
    return new HaConfig(name, connUrl, apiUrl, tags, agentVersion, bootstrapAllowed, bootstrapDcs,
        removeDataDirectoryOnRewindFailure, removeDataDirectoryOnDivergedTimelines, localParameters, can, watchdog);
  }

  /** The same settings, with {@link #watchdog()} as the agent's watchdog is configured. */
  public HaConfig withWatchdog(boolean resets) {
    return new HaConfig(name, connUrl, apiUrl, tags, agentVersion, bootstrapAllowed, bootstrapDcs,
        removeDataDirectoryOnRewindFailure, removeDataDirectoryOnDivergedTimelines, localParameters,
        replicaWithoutLeader, resets);
  }

  /** Without local {@code postgresql.parameters}. */
  public HaConfig(String name, String connUrl, String apiUrl, Tags tags, String agentVersion, boolean bootstrapAllowed,
      DynamicConfig bootstrapDcs, boolean removeDataDirectoryOnRewindFailure,
      boolean removeDataDirectoryOnDivergedTimelines) {
    this(name, connUrl, apiUrl, tags, agentVersion, bootstrapAllowed, bootstrapDcs, removeDataDirectoryOnRewindFailure,
        removeDataDirectoryOnDivergedTimelines, Optional.empty());
  }
}
