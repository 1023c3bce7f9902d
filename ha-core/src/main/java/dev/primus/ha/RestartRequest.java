package dev.primus.ha;

import dev.primus.dcs.model.MemberRole;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Objects;
import java.util.Optional;

/**
 * An operator's restart of the database (Patroni's {@code POST /restart}): now or at {@code schedule},
 * and only if every given condition holds when it is due.
 *
 * @param schedule        when to restart; empty restarts now
 * @param role            restart only if this member has this role ({@code primary}, {@code replica},
 *                        {@code standby_leader})
 * @param postgresVersion restart only if the running server's version is lower ({@code 150002} for 15.2)
 * @param timeout         how long the restart may take; empty: the agent's database timeout
 * @param onlyIfPending   restart only if a restart is pending ({@code restart_pending})
 */
public record RestartRequest(
    Optional<OffsetDateTime> schedule,
    Optional<MemberRole> role,
    Optional<Integer> postgresVersion,
    Optional<Duration> timeout,
    boolean onlyIfPending) {

  /** A plain restart, now, without conditions. */
  public static final RestartRequest NOW =
      new RestartRequest(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), false);

  public RestartRequest {
    Objects.requireNonNull(schedule, "schedule");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(postgresVersion, "postgresVersion");
    Objects.requireNonNull(timeout, "timeout");
  }

  /** This request without its schedule: what runs once it is due. */
  public RestartRequest due() {
    return new RestartRequest(Optional.empty(), role, postgresVersion, timeout, onlyIfPending);
  }

  /** {@code 150002} as {@code 15.2}, {@code 90624} as {@code 9.6.24}: how versions are shown to operators. */
  public static String versionText(int v) {
    if (v >= 100000) {
      return (v / 10000) + "." + (v % 10000);
    }
    return (v / 10000) + "." + ((v / 100) % 100) + "." + (v % 100);
  }
}
