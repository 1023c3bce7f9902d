package dev.primus.ha;

import java.util.Optional;

/**
 * Somebody else holds the lock and my database runs (Patroni's {@code follow}).
 *
 * <p>A running primary steps down at once ({@code immediate-nolock}: the lock was never mine to
 * release), and comes back as a replica of the leader, unless its timeline has diverged, in which case
 * it stays stopped for a rewind. A replica streams from the {@code replicatefrom} member or the leader;
 * one that does not stream and has diverged is stopped for a rewind. Paused: nothing changes.
 */
final class Following {
  private Following() {}

  static Optional<Plan> follow(Cycle c) {
    Optional<String> leader = c.otherLeader();
    if (leader.isEmpty() || !c.local.isRunning()) {
      return Optional.empty();
    }
    if (c.local.isRunningPrimary()) {
      if (c.paused()) {
        return Optional.of(Plan.because(Reason.PAUSED_NO_LOCK));
      }
      // Restart as the leader's replica at once only when it is known not to have diverged; otherwise stay
      // stopped, and the next cycles rewind it (or wait for the leader's promotion to show).
      boolean mayFollow = !Divergence.diverged(c) && !Divergence.leaderStillPromoting(c);
      Optional<String> upstream = mayFollow ? c.upstreamTarget() : Optional.empty();
      return Optional.of(Plan.because(Reason.DEMOTING_NOT_LEADER)
          .then(new Action.Demote(DemoteMode.IMMEDIATE_NOLOCK, upstream))
          .recheckAfter(c.soon()));
    }
    if (c.paused()) {
      return Optional.of(Plan.because(Reason.PAUSED));
    }
    boolean streaming = c.local.replication().orElse(null) == LocalState.ReplicationState.STREAMING;
    if (!streaming && c.memory.rewind() != AgentMemory.RewindState.DONE && Divergence.diverged(c)) {
      boolean canResync = c.dcs().usePgRewind() || c.config.removeDataDirectoryOnDivergedTimelines();
      return Optional.of(canResync
          ? Plan.because(Reason.DIVERGED_STOPPING).then(new Action.StopDatabase(StopMode.FAST)).recheckAfter(c.soon())
          : Plan.because(Reason.DIVERGED_NO_REWIND));
    }
    Optional<String> target = c.upstreamTarget();
    if (target.isPresent() && !target.equals(c.local.upstream())) {
      return Optional.of(Plan.because(Reason.FOLLOW_NEW_LEADER)
          .then(new Action.Follow(target.get()))
          .about(target.get())
          .recheckAfter(c.soon()));
    }
    Optional<Action> copy = Slots.copy(c);
    if (copy.isPresent()) {
      return Optional.of(Plan.because(Reason.COPYING_LOGICAL_SLOTS).then(copy.get()).about(c.otherLeader().orElseThrow()));
    }
    return Optional.of(Plan.because(c.memory.lostLastRace() ? Reason.LOST_RACE : Reason.FOLLOWING)
        .housekeeping(Slots.maintain(c)));
  }
}
