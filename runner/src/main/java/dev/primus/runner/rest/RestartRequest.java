package dev.primus.runner.rest;

import dev.primus.dcs.model.MemberRole;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated {@code POST /restart}: restart PostgreSQL now or at {@code schedule}, only if every given
 * condition holds.
 *
 * @param schedule        when to restart; empty restarts now
 * @param role            restart only if this member has this role
 * @param postgresVersion restart only if the running server's version is lower (as an integer,
 *                        {@code 150002} for 15.2)
 * @param timeout         how long the restart may take before the member gives up (and a primary fails
 *                        over)
 * @param onlyIfPending   restart only if a restart is pending ({@code restart_pending})
 */
public record RestartRequest(
    Optional<OffsetDateTime> schedule,
    Optional<MemberRole> role,
    Optional<Integer> postgresVersion,
    Optional<Duration> timeout,
    boolean onlyIfPending) {

  public static final RestartRequest NOW =
      new RestartRequest(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), false);

  public RestartRequest {
    Objects.requireNonNull(schedule, "schedule");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(postgresVersion, "postgresVersion");
    Objects.requireNonNull(timeout, "timeout");
  }
}
