package dev.primus.runner.e2e;

import dev.primus.runner.demo.Writer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a partition scenario did to the writes, from the acknowledgements alone and the ids on the final
 * primary.
 *
 * <ul>
 *   <li><b>lost</b>: acknowledged (by the writer or a probe), absent on the final primary;
 *   <li><b>split brain</b>: acknowledged by an old primary after the new one's first write. A primary is
 *       an <em>epoch</em>: a member on one timeline ({@code node2@2}); a member promoted again is a new
 *       epoch (a new timeline). An acknowledgement of epoch E counts when some later epoch (first
 *       acknowledged after E's first) had already acknowledged a write <em>before this one was sent</em>:
 *       then the old server committed after the new one did, which no delay on the wire explains;
 *   <li><b>longest gap</b>: the longest time between two consecutive acknowledgements of the writer (the
 *       client following {@code GET /primary}), from its first to its last.
 * </ul>
 */
final class PartitionCheck {
  private PartitionCheck() {}

  /** A primary as the writes saw it: a member on a timeline. */
  record Epoch(String member, long timeline) {
    @Override
    public String toString() {
      return member + "@" + timeline;
    }
  }

  /** The longest pause between two acknowledgements: after {@code from} (by {@code before}) until {@code until}. */
  record Gap(Duration length, Instant from, String before, Instant until, String after) {}

  /**
   * @param acked       distinct acknowledged ids
   * @param lost        of those, absent on the final primary
   * @param splitBrain  acknowledgements by an old epoch after a newer one's first
   * @param epochs      the epochs in the order of their first acknowledgement
   * @param gap         the writer's longest gap (empty with fewer than two acknowledgements)
   */
  record Figures(int acked, int lost, int splitBrain, List<Epoch> epochs, Optional<Gap> gap,
      List<Writer.Ack> splitBrainAcks) {}

  static Figures check(List<Writer.Ack> writer, List<Writer.Ack> probes, Set<Long> onFinalPrimary) {
    List<Writer.Ack> all = new ArrayList<>(writer);
    all.addAll(probes);
    all.sort(Comparator.comparing(Writer.Ack::at));

    Set<Long> ids = new HashSet<>();
    all.forEach(a -> ids.add(a.id()));
    int lost = (int) ids.stream().filter(id -> !onFinalPrimary.contains(id)).count();

    Map<Epoch, Instant> first = new LinkedHashMap<>();
    for (Writer.Ack a : all) {
      first.putIfAbsent(epoch(a), a.at());
    }
    List<Writer.Ack> split = new ArrayList<>();
    for (Writer.Ack a : all) {
      Epoch e = epoch(a);
      Instant mine = first.get(e);
      boolean overtaken = first.entrySet().stream().anyMatch(o -> !o.getKey().equals(e)
          && o.getValue().isAfter(mine) && o.getValue().isBefore(a.sentAt()));
      if (overtaken) {
        split.add(a);
      }
    }

    List<Writer.Ack> w = new ArrayList<>(writer);
    w.sort(Comparator.comparing(Writer.Ack::at));
    Gap gap = null;
    for (int i = 1; i < w.size(); i++) {
      Duration d = Duration.between(w.get(i - 1).at(), w.get(i).at());
      if (gap == null || d.compareTo(gap.length()) > 0) {
        gap = new Gap(d, w.get(i - 1).at(), w.get(i - 1).member(), w.get(i).at(), w.get(i).member());
      }
    }
    return new Figures(ids.size(), lost, split.size(), List.copyOf(first.keySet()), Optional.ofNullable(gap),
        List.copyOf(split));
  }

  private static Epoch epoch(Writer.Ack a) {
    return new Epoch(a.member(), a.timeline());
  }
}
