package dev.primus.ha;

import dev.primus.dcs.model.ClusterStatus;
import java.time.Duration;
import java.util.Optional;

/**
 * The rest of a demotion once its stop is done ({@link Action.Demote} only stops the server): the shutdown
 * checkpoint into {@code status}, so a candidate can tell it has every byte; then the lock, given up only
 * now that this server takes no writes; then a start as a replica of the new upstream, when the demotion
 * named one. Each is decided on what the cycle sees, so a lock that is no longer mine is not released and a
 * DCS that fails in between makes the next cycle try again (Patroni does all of it inside its demote).
 */
final class Demotions {
  private Demotions() {}

  static Optional<Plan> finish(Cycle c) {
    Optional<AgentMemory.Demotion> owed = c.memory.demotion();
    if (owed.isEmpty() || c.obs.inProgress().isPresent() || c.local.isRunning()) {
      return Optional.empty();
    }
    AgentMemory.Demotion d = owed.get();
    boolean release = d.mode().releasesLock() && c.viewNamesMe();
    Optional<String> upstream = d.newUpstream().filter(u -> !u.equals(c.me) && c.member(u).isPresent());
    if (!release && upstream.isEmpty()) {
      return Optional.empty();
    }
    Plan plan = Plan.because(release ? Reason.DEMOTED_RELEASING_LOCK : Reason.DEMOTED_STARTING_REPLICA)
        .about(upstream.or(c::otherLeader))
        .recheckAfter(Duration.ZERO);
    if (release) {
      shutdownCheckpoint(c).ifPresent(plan::then);
      plan.then(new Action.ReleaseLeaderLock());
    }
    upstream.ifPresent(u -> plan.then(new Action.StartDatabase(DatabaseRole.REPLICA, Optional.of(u))));
    return Optional.of(plan);
  }

  /** The shortest bound of a stop: an immediate shutdown, and a SIGKILL after it, need a moment. */
  static final Duration SHORTEST_STOP = Duration.ofSeconds(2);

  /** Whether the lock holder keeps renewing while a demotion in {@code mode} stops the server. */
  static boolean renewsWhileStopping(DemoteMode mode) {
    // A demotion that releases the lock at its end (switchover, an unsuitable primary) hands over as soon
    // as the server is down; one that keeps it (the DCS was lost, the lock is in doubt or gone) must not
    // hold it any longer than it is already held: the lease runs out and a replica takes over.
    return mode.releasesLock();
  }

  /**
   * How long the stop of a demotion in {@code mode} may take before the executor kills the server
   * (immediate after half of it, SIGKILL at the end). While the lock is renewed during the stop: one ttl.
   * Otherwise the stop must be over before the lease can expire and another member take over: what is
   * left of it by this member's own reckoning, never less than {@link #SHORTEST_STOP} (a lease already
   * expired, or never held), never more than ttl.
   */
  static Duration stopBound(Cycle c, DemoteMode mode) {
    Duration ttl = c.ttl();
    if (renewsWhileStopping(mode)) {
      return ttl;
    }
    Duration left = c.lockRemaining().orElse(Duration.ZERO);
    if (left.compareTo(SHORTEST_STOP) < 0) {
      return SHORTEST_STOP;
    }
    return left.compareTo(ttl) > 0 ? ttl : left;
  }

  /** A demotion in {@code mode}, bounded by {@link #stopBound}. */
  static Action.Demote demote(Cycle c, DemoteMode mode, Optional<String> newUpstream) {
    return new Action.Demote(mode, newUpstream, stopBound(c, mode));
  }

  /** {@code status} with the shutdown checkpoint of a clean stop as the optime, when it says more than now. */
  private static Optional<Action> shutdownCheckpoint(Cycle c) {
    long checkpoint = c.local.walPosition();
    ClusterStatus current = c.cluster.status();
    if (!c.local.cleanShutdown() || checkpoint <= 0 || checkpoint == current.optime()) {
      return Optional.empty();
    }
    return Optional.of(new Action.WriteStatus(new ClusterStatus(checkpoint, current.slots(), current.retainSlots())));
  }
}
