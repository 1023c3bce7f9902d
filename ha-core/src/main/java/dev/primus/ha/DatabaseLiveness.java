package dev.primus.ha;

import java.util.Objects;
import java.util.Optional;

/**
 * A quick look at whether the local server runs and in which role, taken between two cycles: what a
 * health check needs to answer for PostgreSQL as it is now rather than as the last cycle saw it
 * ({@link dev.primus.ha.driver.DatabaseDriver#liveness}). Patroni 3.0.2 gets this from one SQL query per
 * REST request; a driver gets it as cheaply as it can.
 *
 * <p>An observation, never a decision: the engine does not see it; the agent reports it.
 */
public sealed interface DatabaseLiveness {

  /** No server process runs on the data directory (it was stopped, or it died). */
  record Down() implements DatabaseLiveness {}

  /**
   * A server process runs but did not answer a query in time: starting, stopping, overloaded, or refusing
   * the driver's connection.
   *
   * @param why what the driver saw
   */
  record NotAnswering(String why) implements DatabaseLiveness {
    public NotAnswering {
      Objects.requireNonNull(why, "why");
    }
  }

  /**
   * The server answered a query.
   *
   * @param role        primary, or in recovery
   * @param walPosition flush LSN on a primary; max(receive, replay) in recovery (as
   *                    {@link LocalState#walPosition()})
   * @param receiveLsn  last WAL received (in recovery)
   * @param replayLsn   last WAL replayed (in recovery)
   */
  record Answering(DatabaseRole role, long walPosition, Optional<Long> receiveLsn, Optional<Long> replayLsn)
      implements DatabaseLiveness {
    public Answering {
      Objects.requireNonNull(role, "role");
      Objects.requireNonNull(receiveLsn, "receiveLsn");
      Objects.requireNonNull(replayLsn, "replayLsn");
      if (walPosition < 0) {
        throw new IllegalArgumentException("walPosition must not be negative, got " + walPosition);
      }
    }
  }

  /**
   * The look could not be taken (the driver cannot tell, or the check itself did not finish in time); the
   * last cycle's observation stands.
   *
   * @param why what went wrong
   */
  record Unknown(String why) implements DatabaseLiveness {
    public Unknown {
      Objects.requireNonNull(why, "why");
    }
  }

  /**
   * The same facts read off a full probe, for a driver without a cheaper way
   * ({@link dev.primus.ha.driver.DatabaseDriver#liveness}'s default).
   */
  static DatabaseLiveness of(LocalState probed) {
    switch (probed.process()) {
      case STOPPED:
      case CRASHED:
        return new Down();
      case RUNNING:
        if (probed.role().isPresent()) {
          return new Answering(probed.role().get(), probed.walPosition(), probed.receiveLsn(), probed.replayLsn());
        }
        return new NotAnswering("the probe reports no role");
      default:
        return new NotAnswering("the server is " + probed.process().name().toLowerCase(java.util.Locale.ROOT));
    }
  }
}
