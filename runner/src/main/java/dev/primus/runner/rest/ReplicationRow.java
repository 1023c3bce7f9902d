package dev.primus.runner.rest;

import java.util.Objects;
import java.util.Optional;

/**
 * One row of {@code pg_stat_replication} as the REST API reports it under {@code replication}.
 *
 * @param usename         the replication role
 * @param applicationName the standby's application_name (its member name)
 * @param clientAddr      the standby's address, if known
 * @param state           e.g. {@code streaming}
 * @param syncState       {@code async}, {@code sync}, {@code quorum} or {@code potential}
 * @param syncPriority    the standby's priority in synchronous_standby_names
 */
public record ReplicationRow(
    String usename, String applicationName, Optional<String> clientAddr, String state, String syncState,
    int syncPriority) {
  public ReplicationRow {
    Objects.requireNonNull(usename, "usename");
    Objects.requireNonNull(applicationName, "applicationName");
    Objects.requireNonNull(clientAddr, "clientAddr");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(syncState, "syncState");
  }
}
