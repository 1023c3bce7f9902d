package dev.primus.ha;

import dev.primus.dcs.model.MemberState;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * The database does not run (Patroni's steps 6, 8 and 10): wait for a start or stop under way; restart a
 * crashed primary that still holds the lock, for at most {@code primary_start_timeout}; bring anybody
 * else back as a replica of the leader, after a rewind or a reinitialization if its timeline diverged.
 * Paused clusters get no start at all (and a stopped primary gives the lock up, as in Patroni).
 */
final class Recovery {
  private Recovery() {}

  static Optional<Plan> whenNotRunning(Cycle c) {
    switch (c.local.process()) {
      case RUNNING:
        return Optional.empty();
      case STARTING:
        return Optional.of(waiting(c, Reason.STARTING));
      case STOPPING:
        // A server that is going down takes no writes and may hang there (a fast shutdown waits for its
        // walsenders): the holder does not renew the lock for it. Once it is down, a holder whose lease
        // still runs starts it again; otherwise the lease runs out and a replica takes over.
        return Optional.of(Plan.because(Reason.DATABASE_STOPPING).recheckAfter(c.soon()));
      case STOPPED:
      case CRASHED:
      default:
        return Optional.of(stopped(c));
    }
  }

  /** Nothing to do to the database while it starts; the holder keeps its lock meanwhile. */
  private static Plan waiting(Cycle c, Reason reason) {
    Plan plan = Plan.because(reason);
    if (c.holder()) {
      plan.then(new Action.RenewLeaderLock()).then(Watchdog.afterLockUpdate(c)).recheckAfter(LockSafety.leaderRecheck(c));
    }
    return plan;
  }

  private static Plan stopped(Cycle c) {
    if (c.paused()) {
      return c.holder()
          ? Plan.because(Reason.PAUSED_RELEASED_LOCK).then(new Action.ReleaseLeaderLock()).recheckAfter(Duration.ZERO)
          : Plan.because(Reason.PAUSED);
    }
    if (c.holder()) {
      return crashedLeader(c);
    }
    if (c.viewNamesMe()) {
      return Plan.because(Reason.LOCK_RELEASED_WAITING).recheckAfter(c.soon());
    }
    Optional<String> leader = c.otherLeader();
    if (leader.isPresent() && c.local.role().orElse(null) == DatabaseRole.PRIMARY && Divergence.leaderStillPromoting(c)) {
      // Whether my timeline is the leader's can only be told once the leader runs as primary and has
      // written its history; following it now could start a diverged replica that forgets it diverged.
      return Plan.because(Reason.WAITING_FOR_LEADER_PROMOTION).about(leader.get()).recheckAfter(c.soon());
    }
    if (c.memory.rewind() == AgentMemory.RewindState.FAILED) {
      if (leader.isPresent() && c.config.removeDataDirectoryOnRewindFailure()) {
        return resync(c, leader.get(), new Action.Reinitialize(leader.get()), Reason.REINITIALIZING);
      }
      return Plan.because(Reason.REWIND_FAILED);
    }
    if (leader.isPresent() && c.memory.rewind() != AgentMemory.RewindState.DONE && Divergence.diverged(c)) {
      return diverged(c, leader.get());
    }
    if (leader.isEmpty() && c.memory.rewind() != AgentMemory.RewindState.DONE && Divergence.onForeignTimeline(c)) {
      // Started as a replica it would forget that it ran as primary on another branch, and could race
      // with WAL that was never the cluster's: it waits for a leader to resynchronise from.
      return Plan.because(Reason.DIVERGED_WAITING);
    }
    // With no leader the member starts as a replica of nobody and races once it runs (as Patroni does):
    // its WAL position is then known, and it can only be promoted with the lock.
    return Plan.because(Reason.STARTING_REPLICA)
        .then(new Action.StartDatabase(DatabaseRole.REPLICA, c.upstreamTarget()))
        .recheckAfter(c.soon());
  }

  /** A diverged former primary: pg_rewind, or a fresh copy, or (neither allowed) stay down. */
  static Plan diverged(Cycle c, String leader) {
    if (c.dcs().usePgRewind()) {
      return resync(c, leader, new Action.Rewind(leader), Reason.REWINDING);
    }
    if (c.config.removeDataDirectoryOnDivergedTimelines()) {
      return resync(c, leader, new Action.Reinitialize(leader), Reason.REINITIALIZING);
    }
    return Plan.because(Reason.DIVERGED_NO_REWIND).about(leader);
  }

  /**
   * Rewind and reinitialize need the leader running as their source; a failure against a source that is
   * down would be counted as the rewind failing, and could cost the data directory.
   */
  private static Plan resync(Cycle c, String leader, Action action, Reason reason) {
    boolean sourceRuns = c.member(leader).map(m -> m.status().state() == MemberState.RUNNING).orElse(false);
    if (!sourceRuns) {
      return Plan.because(Reason.WAITING_FOR_REWIND_SOURCE).about(leader).recheckAfter(c.soon());
    }
    return Plan.because(reason).then(action).about(leader);
  }

  /**
   * The holder's database is down. Restart it in the role its data directory last had (a replica that
   * won the lock, when nobody else can take over, starts as a replica and is promoted next cycle),
   * keeping the lock, until
   * {@code primary_start_timeout} has passed since the crash was first seen; then, if another member
   * could take over, give the lock up (0: at once). A crashed server is demoted {@code immediate}
   * (stop first, so no leftover process can take writes, then release); a cleanly stopped one just
   * releases.
   */
  private static Plan crashedLeader(Cycle c) {
    Duration timeout = c.dcs().primaryStartTimeout();
    Instant since = c.memory.crashedPrimarySince().orElse(c.now);
    Duration down = Duration.between(since, c.now);
    DatabaseRole role = c.local.role().orElse(DatabaseRole.REPLICA);
    // A holder whose data directory never ran as primary (it won the lock and went down before the
    // promotion) is no primary to wait for: whoever else can take over should, at once.
    boolean timedOut = role == DatabaseRole.REPLICA || timeout.isZero() || timeout.isNegative()
        || down.compareTo(timeout) >= 0;
    if (timedOut && FailoverCandidates.anyCanTakeOver(c, Set.of())) {
      Action giveUp = c.local.process() == LocalState.ProcessState.CRASHED
          ? Demotions.demote(c, DemoteMode.IMMEDIATE, Optional.empty())
          : new Action.ReleaseLeaderLock();
      return Plan.because(Reason.PRIMARY_START_TIMED_OUT).then(giveUp).about(c.me).recheckAfter(Duration.ZERO);
    }
    Duration remaining = timeout.minus(down);
    Duration recheck = LockSafety.leaderRecheck(c);
    if (!timedOut && remaining.compareTo(recheck) < 0) {
      recheck = remaining;
    }
    // The member key goes before the start: it records (in memory) when the crash was first seen, and a
    // start can take long.
    return Plan.because(Reason.PRIMARY_RESTARTING)
        .then(new Action.RenewLeaderLock())
        .then(Watchdog.afterLockUpdate(c))
        .then(new Action.TouchMember(c.myStatus()))
        .then(new Action.StartDatabase(role, Optional.empty()))
        .about(c.me)
        .recheckAfter(recheck);
  }
}
