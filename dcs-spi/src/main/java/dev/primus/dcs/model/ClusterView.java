package dev.primus.dcs.model;

import dev.primus.dcs.spi.ConnectionState;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole cluster as one read of the DCS decoded it: immutable, so the decision engine reasons about
 * one consistent picture.
 *
 * @param initialize the {@code initialize} key: the system identifier, or {@code ""} while the race
 *                   winner is still bootstrapping
 * @param config     the dynamic configuration, if the key exists and decodes
 * @param leader     the leader lock, if held
 * @param members    every direct child of {@code members/}, sorted by name; the lock holder gets a
 *                   stub ({@code version == -1}) when it wrote no member key
 * @param failover   a pending switchover or failover request (absent, or present and maybe empty)
 * @param sync       synchronous replication state
 * @param history    the timeline history (empty when absent)
 * @param status     the leader's last {@code status} (empty when absent)
 * @param failsafe   the {@code failsafe} key: member name to api_url
 * @param invalid    keys present but undecodable; their fields above are absent
 * @param connection the DCS connection state when the read was made; not connected means this view
 *                   is the last one that could be read and may be stale
 */
public record ClusterView(
    Optional<Versioned<String>> initialize,
    Optional<Versioned<DynamicConfig>> config,
    Optional<LeaderLock> leader,
    List<Member> members,
    Optional<Versioned<FailoverRequest>> failover,
    Optional<Versioned<SyncState>> sync,
    TimelineHistory history,
    ClusterStatus status,
    Optional<Map<String, String>> failsafe,
    List<InvalidValue> invalid,
    ConnectionState connection) {

  public ClusterView {
    Objects.requireNonNull(initialize, "initialize");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(leader, "leader");
    members = List.copyOf(members);
    Objects.requireNonNull(failover, "failover");
    Objects.requireNonNull(sync, "sync");
    Objects.requireNonNull(history, "history");
    Objects.requireNonNull(status, "status");
    failsafe = failsafe.map(Map::copyOf);
    invalid = List.copyOf(invalid);
    Objects.requireNonNull(connection, "connection");
  }

  /** A cluster nobody has written to yet. */
  public static ClusterView empty(ConnectionState connection) {
    return new ClusterView(Optional.empty(), Optional.empty(), Optional.empty(), List.of(), Optional.empty(),
        Optional.empty(), TimelineHistory.EMPTY, ClusterStatus.EMPTY, Optional.empty(), List.of(), connection);
  }

  public Optional<Member> member(String name) {
    return members.stream().filter(m -> m.name().equals(name)).findFirst();
  }

  /** The member holding the leader lock, if any. */
  public Optional<Member> leaderMember() {
    return leader.flatMap(l -> member(l.holder()));
  }

  public boolean isLockedBy(String name) {
    return leader.map(l -> l.heldBy(name)).orElse(false);
  }

  /** A failover request with a leader or a candidate in it; {@code {}} counts as none. */
  public Optional<Versioned<FailoverRequest>> pendingFailover() {
    return failover.filter(f -> !f.value().isEmpty());
  }

  /** Whether the dynamic config says the cluster is paused (maintenance mode). */
  public boolean paused() {
    return config.map(c -> c.value().pause()).orElse(false);
  }

  /**
   * The problem with a key that is present but undecodable, by its full key as in
   * {@link InvalidValue#key()} (e.g. {@code "/service/demo/config"}; {@code ClusterPath.config()} gives it).
   */
  public Optional<InvalidValue> invalidKey(String fullKey) {
    return invalid.stream().filter(i -> i.key().equals(fullKey)).findFirst();
  }
}
