package dev.primus.dcs.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code sync} key of synchronous replication.
 *
 * @param leader       the primary that wrote it
 * @param quorum       how many of leader + standbys a racing node must see (quorum mode; 0 otherwise)
 * @param syncStandbys the synchronous standbys, written comma-separated as {@code sync_standby}
 */
public record SyncState(Optional<String> leader, int quorum, List<String> syncStandbys) {
  public SyncState {
    Objects.requireNonNull(leader, "leader");
    if (quorum < 0) {
      throw new IllegalArgumentException("quorum must not be negative, got " + quorum);
    }
    syncStandbys = List.copyOf(syncStandbys);
  }

  public boolean isSyncStandby(String member) {
    return syncStandbys.contains(member);
  }
}
