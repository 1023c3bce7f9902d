package dev.primus.dcs.model;

import java.util.List;
import java.util.Map;

/**
 * The {@code status} key the leader writes after each lock update.
 *
 * @param optime      the primary's WAL position when written; replicas measure their lag against it
 * @param slots       replication slot name to confirmed LSN (permanent and member slots)
 * @param retainSlots member slots kept while their member is away
 */
public record ClusterStatus(long optime, Map<String, Long> slots, List<String> retainSlots) {
  public static final ClusterStatus EMPTY = new ClusterStatus(0, Map.of(), List.of());

  public ClusterStatus {
    slots = Map.copyOf(slots);
    retainSlots = List.copyOf(retainSlots);
  }
}
