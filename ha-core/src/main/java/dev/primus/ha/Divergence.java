package dev.primus.ha;

import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.TimelineHistory;
import dev.primus.ha.LocalState.TimelineSwitch;
import java.util.OptionalLong;
import java.util.Optional;

/**
 * Whether a member's WAL went past the point where its timeline ended in the cluster's history: a former
 * primary that kept writing after another member was promoted. Such a member cannot simply stream from
 * the new leader; it needs pg_rewind or a fresh copy. And only the part of its WAL before that point is
 * the cluster's data: {@link #sharedPosition} is what lag and ranking compare.
 *
 * <p>Diverged means: my timeline is later than the leader's (see {@link #aheadOfTheLeader}); or my data
 * directory ran as primary on a timeline the history says somebody else created
 * ({@link #onForeignTimeline}); or my timeline is behind the cluster's, the history records where my timeline ended (the switch LSN), and my position is
 * beyond it. Without that history entry the answer is "not diverged": the member follows, and if it then
 * cannot stream, the check runs again once the history has been written (a running replica is checked
 * while it is not streaming).
 *
 * <p>When the probe reports the server's own timeline history ({@link LocalState#timelineHistory}), it is
 * compared with the cluster's history (the leader's line) entry by entry, as PostgreSQL does: the first
 * timeline both know but that ended at different LSNs, or that only one of them went through, is where
 * the branches split ({@link #forkPoint}). Timeline numbers alone cannot tell two branches apart that
 * both left timeline N for "N+1"; their switch points can. A member is diverged iff its WAL goes beyond
 * the point where its branch and the leader's split.
 */
final class Divergence {
  private Divergence() {}

  static boolean diverged(Cycle c) {
    long timeline = c.myTimeline();
    if (timeline <= 0) {
      return false;
    }
    if (aheadOfTheLeader(c, timeline) || onForeignTimeline(c) || onOtherBranch(c)) {
      return true;
    }
    OptionalLong fork = forkPoint(c);
    if (fork.isPresent()) {
      return position(c) > fork.getAsLong();
    }
    return switchOf(c.cluster, timeline).map(switchLsn -> position(c) > switchLsn).orElse(false);
  }

  /**
   * My data directory ran as a primary on its timeline T (the probe says so, or the memory saw it before
   * it was started as a replica), but the history says another member created T. A primary on T either
   * created it or ran on it after a restart, so this T is another branch that happens to carry the same
   * number: two members promoted from T-1 at different points.
   */
  static boolean onForeignTimeline(Cycle c) {
    long timeline = c.myTimeline();
    boolean ranAsPrimary = c.local.role().orElse(null) == DatabaseRole.PRIMARY
        || c.memory.lastPrimaryTimeline().map(t -> t == timeline).orElse(false);
    if (timeline <= 1 || !ranAsPrimary) {
      return false;
    }
    return c.cluster.history().entries().stream()
        .filter(e -> e.timeline() == timeline - 1)
        .reduce((first, second) -> second)
        .flatMap(TimelineHistory.Entry::newLeader)
        .map(creator -> !creator.equals(c.me))
        .orElse(false);
  }

  /**
   * How far my WAL is the cluster's: my position, or the switch LSN if I wrote past it. On a foreign
   * timeline, where my branch left the previous timeline is unknown, so only what precedes that
   * timeline counts.
   */
  static long sharedPosition(Cycle c) {
    OptionalLong fork = forkPoint(c);
    if (fork.isPresent()) {
      return Math.min(c.local.walPosition(), fork.getAsLong());
    }
    if (onForeignTimeline(c)) {
      long timeline = c.myTimeline();
      long previousStart = timeline - 2 >= 1 ? c.cluster.history().switchLsnOf(timeline - 2).orElse(0L) : 0L;
      return Math.min(c.local.walPosition(), previousStart);
    }
    return sharedPosition(c, c.myTimeline(), c.local.walPosition());
  }

  /**
   * My own history contradicts the cluster's: a timeline both know ended at different LSNs, or I went
   * through a timeline the leader's line skipped, or I left a timeline the leader is still on. My current
   * timeline is then another branch than the cluster's, whatever its number: I must neither follow nor
   * be promoted until resynchronised.
   */
  static boolean onOtherBranch(Cycle c) {
    return otherBranchFork(c).isPresent();
  }

  /**
   * Where my branch leaves the leader's line, if my own history shows that it does (see
   * {@link #onOtherBranch}); empty when my history agrees with the cluster's as far as both go, or when
   * my history is unknown.
   */
  private static OptionalLong otherBranchFork(Cycle c) {
    return otherBranch(c).map(f -> OptionalLong.of(f.lsn())).orElse(OptionalLong.empty());
  }

  /**
   * Where another branch left the leader's line. {@code exact}: both histories name the point (a
   * timeline both know ended at different LSNs, or one the leader's line skipped), so the fork is what
   * my WAL shares with the cluster and ranking may count it. Otherwise (I left the timeline the cluster
   * is still on) the fork is only an upper bound: a same-numbered branch may have parted earlier.
   */
  private record Fork(long lsn, boolean exact) {}

  /**
   * On another branch whose fork from the cluster's line is not exactly known (see {@link Fork}): such
   * a member must not be promoted, its shared WAL could be far less than it looks. A member whose fork
   * is exact may race, counting only the WAL up to the fork ({@link #sharedPosition}).
   */
  static boolean onUnrankableBranch(Cycle c) {
    return otherBranch(c).map(f -> !f.exact()).orElse(false);
  }

  private static Optional<Fork> otherBranch(Cycle c) {
    long mine = c.myTimeline();
    if (mine <= 1 || c.local.timelineHistory().isEmpty()) {
      return Optional.empty();
    }
    TimelineHistory cluster = c.cluster.history();
    long clusterTimeline = c.clusterTimeline();
    long firstKnown = cluster.entries().isEmpty() ? clusterTimeline : cluster.entries().get(0).timeline();
    for (TimelineSwitch s : c.local.timelineHistory()) {
      if (s.timeline() >= mine) {
        // A replica heading to a newer timeline: what lies beyond my position is not mine yet.
        return Optional.empty();
      }
      if (s.timeline() < firstKnown) {
        continue;
      }
      Optional<Long> theirs = cluster.switchLsnOf(s.timeline());
      if (theirs.isPresent()) {
        if (theirs.get() != s.switchLsn()) {
          return Optional.of(new Fork(Math.min(theirs.get(), s.switchLsn()), true));
        }
      } else if (s.timeline() >= clusterTimeline && cluster.currentTimeline() == clusterTimeline
          && (c.otherLeader().isPresent() || c.cluster.status().optime() > c.local.walPosition())) {
        // The cluster is still on the timeline I left (or went past without its history saying so): a
        // leader runs there, or its last primary got further than I am. My later timeline is a branch it
        // never had (one the cluster's history has since replaced). Without a leader and with nobody
        // known to be further, I may be the member whose promotion never got into the history.
        return Optional.of(new Fork(s.timeline() == clusterTimeline ? s.switchLsn() : previousSwitch(c, s), false));
      } else if (s.timeline() < cluster.currentTimeline()) {
        // The leader's line skipped the timeline I went through: we parted where I entered it.
        return Optional.of(new Fork(previousSwitch(c, s), true));
      }
    }
    return Optional.empty();
  }

  private static long previousSwitch(Cycle c, TimelineSwitch s) {
    long previous = 0;
    for (TimelineSwitch t : c.local.timelineHistory()) {
      if (t == s) {
        break;
      }
      previous = t.switchLsn();
    }
    return previous;
  }

  /**
   * Where my branch and the leader's split, as far as my own history tells: on another branch, the fork;
   * on the leader's line, where the leader left my timeline, or {@code Long.MAX_VALUE} while it has not
   * (or when my own history carries me on along the leader's line: a replica whose recovery heads to the
   * leader's later timeline, e.g. right after a rewind, before it streams). Empty when my history is
   * unknown or says nothing the DCS history does not: the caller falls back to the DCS history alone.
   */
  static OptionalLong forkPoint(Cycle c) {
    long mine = c.myTimeline();
    if (mine <= 0 || c.local.timelineHistory().isEmpty() && mine > 1) {
      return OptionalLong.empty();
    }
    OptionalLong other = otherBranchFork(c);
    if (other.isPresent()) {
      return other;
    }
    boolean ranAsPrimaryHere = c.local.role().orElse(null) == DatabaseRole.PRIMARY
        || c.memory.lastPrimaryTimeline().map(t -> t == mine).orElse(false);
    for (TimelineSwitch s : c.local.timelineHistory()) {
      if (s.timeline() == mine && !ranAsPrimaryHere) {
        Optional<Long> theirs = switchOf(c.cluster, mine);
        if (theirs.isPresent() && theirs.get() != s.switchLsn()) {
          return OptionalLong.of(Math.min(theirs.get(), s.switchLsn()));
        }
        // The history file of the timeline I head to says mine ends at this switch. A replica whose WAL on
        // my timeline goes past it cannot get there: it streamed the old primary's WAL beyond the fork
        // (PostgreSQL then loops on "new timeline N forked off current database system timeline N-1 before
        // current recovery point"), and only a rewind brings it back. The walreceiver fetches that file
        // from its new upstream before it finds out, so holding the file proves nothing.
        return position(c) > s.switchLsn() ? OptionalLong.of(s.switchLsn()) : OptionalLong.of(Long.MAX_VALUE);
      }
    }
    return OptionalLong.empty();
  }

  /** How far the WAL of a member at {@code position} on {@code timeline} is the cluster's. */
  static long sharedPosition(Cycle c, long timeline, long position) {
    return sharedPosition(c.cluster, timeline, position);
  }

  /** As {@link #sharedPosition(Cycle, long, long)}, from the cluster view alone. */
  static long sharedPosition(dev.primus.dcs.model.ClusterView cluster, long timeline, long position) {
    return switchOf(cluster, timeline).map(switchLsn -> Math.min(position, switchLsn)).orElse(position);
  }

  /** Where the history says {@code timeline} ended, if the cluster has moved past it. */
  private static Optional<Long> switchOf(dev.primus.dcs.model.ClusterView cluster, long timeline) {
    if (timeline <= 0 || timeline >= Cycle.clusterTimeline(cluster)) {
      return Optional.empty();
    }
    return cluster.history().switchLsnOf(timeline);
  }

  /**
   * The leader holds the lock but its member key does not show it as a primary yet: its promotion (and
   * its history update, written in the same cycle as the first key that says primary) is still to come.
   * A former primary should not judge its own timeline against the leader until then. A leader without a
   * member key (a stub) is not waited for.
   */
  static boolean leaderStillPromoting(Cycle c) {
    return c.otherLeader()
        .flatMap(c::member)
        .filter(m -> m.version() >= 0)
        .map(m -> m.status().role() != MemberRole.PRIMARY && m.status().role() != MemberRole.UNKNOWN)
        .orElse(false);
  }

  /**
   * A member on a later timeline than the leader it would follow was promoted on a branch the leader
   * never had (timeline numbers are not unique across branches: two members promoted from the same
   * timeline both call the next one N+1). Only the leader's own published timeline as a primary
   * counts: right after its promotion its key may still show it as a replica.
   */
  private static boolean aheadOfTheLeader(Cycle c, long timeline) {
    return c.otherLeader()
        .flatMap(c::member)
        .filter(m -> m.status().role() == MemberRole.PRIMARY)
        .flatMap(m -> m.status().timeline())
        .map(leaderTimeline -> timeline > leaderTimeline)
        .orElse(false);
  }

  /**
   * The position to compare. On a running replica that streams, the furthest of what it received and
   * replayed: the probe then reports the walreceiver's timeline, which the received WAL is on, and WAL it
   * received will be replayed, so WAL past the fork that it only received has diverged it as much (a replica
   * streaming from an old primary in its last seconds). On one that does not stream the replayed position,
   * which belongs to the timeline the probe reports (received WAL may already be on the next timeline).
   * Otherwise the WAL position.
   */
  private static long position(Cycle c) {
    LocalState l = c.local;
    if (l.isRunning() && l.role().orElse(null) == DatabaseRole.REPLICA) {
      long replay = l.replayLsn().orElse(l.walPosition());
      boolean streaming = l.replication().orElse(null) == LocalState.ReplicationState.STREAMING;
      return streaming ? Math.max(replay, l.receiveLsn().orElse(0L)) : replay;
    }
    return l.walPosition();
  }
}
