package dev.primus.ha;

import java.util.Optional;

/**
 * Somebody else holds the lock and my database runs (Patroni's {@code follow}).
 *
 * <p>A running primary steps down at once ({@code immediate-nolock}: the lock was never mine to
 * release), and comes back as a replica of the leader, unless its timeline has diverged, in which case
 * it stays stopped for a rewind. A replica streams from the {@code replicatefrom} member or the leader;
 * one that does not stream from it and has diverged (its received or replayed WAL past the point where
 * the leader's line left its timeline, {@link Divergence}) is stopped for a rewind, never re-pointed.
 * Paused: nothing changes.
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
          .then(Demotions.demote(c, DemoteMode.IMMEDIATE_NOLOCK, upstream))
          .recheckAfter(c.soon()));
    }
    if (c.paused()) {
      return Optional.of(Plan.because(Reason.PAUSED));
    }
    boolean streaming = c.local.replication().orElse(null) == LocalState.ReplicationState.STREAMING;
    Optional<String> target = c.upstreamTarget();
    // Streaming from the member it should follow proves it is on that member's line. Streaming from
    // anyone else (an old primary in its last seconds) proves nothing: it may have received WAL past the
    // point where the leader's timeline forked, and re-pointing it would leave it looping on that fork.
    boolean onTarget = streaming && target.isPresent() && target.equals(c.local.upstream());
    if (!onTarget && c.memory.rewind() != AgentMemory.RewindState.DONE && Divergence.diverged(c)) {
      return Optional.of(resync(c, leader.get()));
    }
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

  /**
   * A running replica whose WAL went past the leader's fork is stopped (fast); the next decisions, on a
   * fresh view, rewind it from the leader once it runs, or reinitialise it when rewind is off and that is
   * allowed ({@link Recovery}): the stopped server still says how far its WAL goes (the control file's
   * minimum recovery point) and holds the leader's history file. Neither allowed: it is left alone, and
   * says so.
   */
  private static Plan resync(Cycle c, String leader) {
    if (c.dcs().usePgRewind() || c.config.removeDataDirectoryOnDivergedTimelines()) {
      return Plan.because(Reason.DIVERGED_STOPPING).then(new Action.StopDatabase(StopMode.FAST)).about(leader)
          .recheckAfter(c.soon());
    }
    return Plan.because(Reason.DIVERGED_NO_REWIND).about(leader);
  }
}
