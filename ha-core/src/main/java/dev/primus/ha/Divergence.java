package dev.primus.ha;

import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.TimelineHistory;
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
 */
final class Divergence {
  private Divergence() {}

  static boolean diverged(Cycle c) {
    long timeline = c.myTimeline();
    if (timeline <= 0) {
      return false;
    }
    if (aheadOfTheLeader(c, timeline) || onForeignTimeline(c)) {
      return true;
    }
    return switchOf(c, timeline).map(switchLsn -> position(c) > switchLsn).orElse(false);
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
    if (onForeignTimeline(c)) {
      long timeline = c.myTimeline();
      long previousStart = timeline - 2 >= 1 ? c.cluster.history().switchLsnOf(timeline - 2).orElse(0L) : 0L;
      return Math.min(c.local.walPosition(), previousStart);
    }
    return sharedPosition(c, c.myTimeline(), c.local.walPosition());
  }

  /** How far the WAL of a member at {@code position} on {@code timeline} is the cluster's. */
  static long sharedPosition(Cycle c, long timeline, long position) {
    return switchOf(c, timeline).map(switchLsn -> Math.min(position, switchLsn)).orElse(position);
  }

  /** Where the history says {@code timeline} ended, if the cluster has moved past it. */
  private static Optional<Long> switchOf(Cycle c, long timeline) {
    if (timeline <= 0 || timeline >= c.clusterTimeline()) {
      return Optional.empty();
    }
    return c.cluster.history().switchLsnOf(timeline);
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
   * The position to compare: on a running replica the replayed one, which belongs to the timeline the
   * probe reports (received WAL may already be on the next timeline); otherwise the WAL position.
   */
  private static long position(Cycle c) {
    LocalState l = c.local;
    if (l.isRunning() && l.role().orElse(null) == DatabaseRole.REPLICA) {
      return l.replayLsn().orElse(l.walPosition());
    }
    return l.walPosition();
  }
}
