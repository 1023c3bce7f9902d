package dev.primus.ha;

import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.TimelineHistory;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code history} entry a new primary writes once the history does not end with its own promotion:
 * {@code [previous timeline, switch LSN, "no recovery target specified", now, me]}.
 *
 * <p>Where this member came from (the previous timeline and the LSN where it ended) is taken, in this
 * order, from:
 * <ol>
 *   <li>the server's own timeline history ({@link LocalState#timelineHistory}), its last entry: exact (the
 *       switch point PostgreSQL wrote when it promoted, after the old primary's shutdown checkpoint if that
 *       arrived), so a switchover's old primary is not rewound for nothing. The older entries are then
 *       taken from that history too where the DCS history disagrees or lacks them;
 *   <li>the memory's last timeline and position published while running as a replica (the member status
 *       of the promoting cycle itself): the switch LSN is exact when the old primary had stopped, a lower
 *       bound otherwise; the timeline is right even when the new one skipped numbers;
 *   <li>this member's own key in the DCS if it still shows it as a replica on an earlier timeline (the
 *       agent restarted between promotion and this write);
 *   <li>{@code timeline - 1} at LSN 0.
 * </ol>
 * Erring low is the safe direction: the switch LSN is what {@link Divergence} compares a rejoining former
 * primary against and where it stops counting its WAL as the cluster's; a too-low value costs at most an
 * unnecessary pg_rewind (which finds nothing to do), a too-high one would let a diverged member stream or
 * rank with WAL the cluster never had.
 *
 * <p>The history is the leader's line: entries for the previous timeline and later are replaced, so
 * another branch that got the same timeline numbers leaves nothing behind (the history names the member
 * each promotion made leader, which is how {@link Divergence#onForeignTimeline} tells the branches apart).
 * Only the last switch is added; older ones this member did not see are kept as they were (Patroni reads
 * them from the history file). {@code max_timelines_history} trims the oldest entries when set.
 */
final class HistoryUpdate {
  static final String REASON = "no recovery target specified";
  private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx");

  private HistoryUpdate() {}

  static Optional<Action.WriteHistory> afterPromotion(Cycle c) {
    long timeline = c.myTimeline();
    if (timeline <= 1) {
      return Optional.empty();
    }
    List<LocalState.TimelineSwitch> own = ownHistory(c, timeline);
    AgentMemory.WalPoint origin = own.isEmpty()
        ? origin(c, timeline)
        : new AgentMemory.WalPoint(own.get(own.size() - 1).timeline(), own.get(own.size() - 1).switchLsn());
    TimelineHistory history = c.cluster.history();
    if (describesMe(c, history, origin.timeline())
        && (own.isEmpty() || history.switchLsnOf(origin.timeline()).orElse(-1L) == origin.lsn())) {
      return Optional.empty();
    }
    List<TimelineHistory.Entry> entries = new ArrayList<>();
    for (TimelineHistory.Entry e : history.entries()) {
      if (e.timeline() < origin.timeline() && (own.isEmpty() || e.timeline() < own.get(0).timeline())) {
        entries.add(e);
      }
    }
    for (LocalState.TimelineSwitch s : own.subList(0, Math.max(0, own.size() - 1))) {
      entries.add(history.entries().stream()
          .filter(e -> e.timeline() == s.timeline() && e.switchLsn() == s.switchLsn())
          .findFirst()
          .orElse(new TimelineHistory.Entry(s.timeline(), s.switchLsn(), REASON, Optional.empty(), Optional.empty())));
    }
    entries.add(new TimelineHistory.Entry(origin.timeline(), origin.lsn(), REASON,
        Optional.of(ISO.format(c.now.atOffset(ZoneOffset.UTC))), Optional.of(c.me)));
    long keep = maxTimelinesHistory(c);
    if (keep > 0 && entries.size() > keep) {
      entries = entries.subList(entries.size() - (int) keep, entries.size());
    }
    return Optional.of(new Action.WriteHistory(new TimelineHistory(entries)));
  }

  /** The server's own history, if known and it describes {@code timeline} (its last entry is earlier). */
  private static List<LocalState.TimelineSwitch> ownHistory(Cycle c, long timeline) {
    List<LocalState.TimelineSwitch> own = c.local.timelineHistory();
    if (own.isEmpty() || own.get(own.size() - 1).timeline() >= timeline) {
      return List.of();
    }
    return own;
  }

  /** The timeline this primary was promoted from and where it ended (see the class comment). */
  private static AgentMemory.WalPoint origin(Cycle c, long timeline) {
    return c.memory.lastReplicaPosition()
        .filter(p -> p.timeline() < timeline)
        .or(() -> c.member(c.me)
            .filter(m -> m.status().role() == MemberRole.REPLICA)
            .filter(m -> m.status().timeline().map(t -> t < timeline).orElse(false))
            .map(m -> new AgentMemory.WalPoint(m.status().timeline().get(), m.status().walPosition())))
        .orElse(new AgentMemory.WalPoint(timeline - 1, 0));
  }

  /**
   * The history already ends with this member's promotion from {@code previous}: the last entry is for
   * that timeline and names me (or nobody, as entries written by older tools do).
   */
  private static boolean describesMe(Cycle c, TimelineHistory history, long previous) {
    if (history.entries().isEmpty()) {
      return false;
    }
    TimelineHistory.Entry last = history.entries().get(history.entries().size() - 1);
    return last.timeline() == previous && last.newLeader().map(c.me::equals).orElse(true);
  }

  private static long maxTimelinesHistory(Cycle c) {
    Object v = c.dcs().values().get("max_timelines_history");
    return v instanceof Number n ? n.longValue() : 0;
  }
}
