package dev.primus.dcs.model;

import java.util.List;
import java.util.Map;

/**
 * The {@code status} key the leader writes after each lock update.
 *
 * @param optime      the primary's WAL position when written; replicas measure their lag against it
 * @param slots       replication slot name to LSN: Primus, as Patroni 3.0.2, writes the {@code confirmed_flush_lsn}
 *                    of the permanent logical slots, which replicas copy and advance to it; later Patroni versions
 *                    add physical slots, which are read but not acted upon
 * @param retainSlots member slots kept while their member is away
 */
public record ClusterStatus(long optime, Map<String, Long> slots, List<String> retainSlots) {
  public static final ClusterStatus EMPTY = new ClusterStatus(0, Map.of(), List.of());

  public ClusterStatus {
    slots = Map.copyOf(slots);
    retainSlots = List.copyOf(retainSlots);
  }
}
