package dev.primus.dcs.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code history} key: one entry per promotion, oldest first.
 */
public record TimelineHistory(List<Entry> entries) {
  public static final TimelineHistory EMPTY = new TimelineHistory(List.of());

  public TimelineHistory {
    entries = List.copyOf(entries);
  }

  /**
   * One promotion: timeline {@code timeline} ended at {@code switchLsn} and the next began.
   *
   * @param timeline  the timeline that ended
   * @param switchLsn the LSN where it ended
   * @param reason    why (Patroni writes the {@code .history} file's reason text)
   * @param timestamp when, ISO-8601, if recorded
   * @param newLeader who was promoted, if recorded
   */
  public record Entry(long timeline, long switchLsn, String reason, Optional<String> timestamp, Optional<String> newLeader) {
    public Entry {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(timestamp, "timestamp");
      Objects.requireNonNull(newLeader, "newLeader");
    }
  }

  /** The cluster's current timeline: one past the last entry, or 1 with no history. */
  public long currentTimeline() {
    return entries.isEmpty() ? 1 : entries.get(entries.size() - 1).timeline() + 1;
  }

  /** Where {@code timeline} ended, if it did. */
  public Optional<Long> switchLsnOf(long timeline) {
    for (Entry e : entries) {
      if (e.timeline() == timeline) {
        return Optional.of(e.switchLsn());
      }
    }
    return Optional.empty();
  }
}
