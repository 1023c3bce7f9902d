package dev.primus.runner.loop;

import dev.primus.dcs.model.MemberRole;
import dev.primus.runner.rest.NodeStatus;
import dev.primus.runner.rest.RestartRequest;
import java.util.Optional;

/** The conditions of {@code POST /restart}, checked against the loop's last status when the restart is due. */
final class RestartConditions {
  private RestartConditions() {}

  /** Why the restart must not run now, or empty if it may. */
  static Optional<String> check(RestartRequest request, NodeStatus status) {
    if (request.role().isPresent()) {
      MemberRole wanted = request.role().get();
      MemberRole actual = status.role();
      boolean matches = switch (wanted) {
        case PRIMARY -> actual == MemberRole.PRIMARY;
        case STANDBY_LEADER -> actual == MemberRole.STANDBY_LEADER;
        case REPLICA -> actual == MemberRole.REPLICA;
        default -> false;
      };
      if (!matches) {
        return Optional.of("restart conditions are not satisfied: role is " + actual.wire() + ", not "
            + wanted.wire());
      }
    }
    if (request.onlyIfPending() && !status.local().pendingRestart()) {
      return Optional.of("restart conditions are not satisfied: no restart is pending");
    }
    if (request.postgresVersion().isPresent()) {
      int running = status.serverVersion();
      if (running <= 0) {
        return Optional.of("restart conditions are not satisfied: the running server version is not known");
      }
      if (running >= request.postgresVersion().get()) {
        return Optional.of("restart conditions are not satisfied: the server runs version " + versionText(running)
            + ", not older than " + versionText(request.postgresVersion().get()));
      }
    }
    return Optional.empty();
  }

  /** {@code 150002} as {@code 15.2}, {@code 90624} as {@code 9.6.24}. */
  static String versionText(int v) {
    if (v >= 100000) {
      return (v / 10000) + "." + (v % 10000);
    }
    return (v / 10000) + "." + ((v / 100) % 100) + "." + (v % 100);
  }
}
