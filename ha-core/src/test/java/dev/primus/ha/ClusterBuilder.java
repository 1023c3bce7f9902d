package dev.primus.ha;

import dev.primus.dcs.model.ClusterStatus;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.model.InvalidValue;
import dev.primus.dcs.model.LeaderLock;
import dev.primus.dcs.model.Member;
import dev.primus.dcs.model.SyncState;
import dev.primus.dcs.model.TimelineHistory;
import dev.primus.dcs.model.Versioned;
import dev.primus.dcs.spi.ConnectionState;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A DCS view. {@link #cluster()} is an initialized cluster (initialize = {@link #SYSID}, a config key with
 * Patroni's default timings, no leader, connected); {@link #nothing()} is a DCS nobody wrote to yet.
 */
final class ClusterBuilder {
  static final String SYSID = "7268616322854375442";
  static final long INITIALIZE_VERSION = 11;
  static final long CONFIG_VERSION = 12;
  static final long FAILOVER_VERSION = 13;

  private Optional<Versioned<String>> initialize = Optional.of(new Versioned<>(SYSID, INITIALIZE_VERSION));
  private Optional<Map<String, Object>> config = Optional.of(new LinkedHashMap<>());
  private Optional<LeaderLock> leader = Optional.empty();
  private final List<Member> members = new ArrayList<>();
  private Optional<Versioned<FailoverRequest>> failover = Optional.empty();
  private Optional<Versioned<SyncState>> sync = Optional.empty();
  private TimelineHistory history = TimelineHistory.EMPTY;
  private ClusterStatus status = ClusterStatus.EMPTY;
  private final List<InvalidValue> invalid = new ArrayList<>();
  private ConnectionState connection = ConnectionState.CONNECTED;
  private Optional<Map<String, String>> failsafe = Optional.empty();

  static ClusterBuilder cluster() {
    return new ClusterBuilder();
  }

  static ClusterBuilder nothing() {
    ClusterBuilder b = new ClusterBuilder();
    b.initialize = Optional.empty();
    b.config = Optional.empty();
    return b;
  }

  ClusterBuilder leader(String holder) {
    leader = Optional.of(new LeaderLock(holder, 21, Optional.of("lease-" + holder)));
    return this;
  }

  ClusterBuilder member(MemberBuilder m) {
    members.add(m.build());
    return this;
  }

  ClusterBuilder members(MemberBuilder... ms) {
    for (MemberBuilder m : ms) {
      member(m);
    }
    return this;
  }

  ClusterBuilder set(String key, Object value) {
    Map<String, Object> c = new LinkedHashMap<>(config.orElseGet(LinkedHashMap::new));
    c.put(key, value);
    config = Optional.of(c);
    return this;
  }

  ClusterBuilder postgresql(String key, Object value) {
    return set("postgresql", Map.of(key, value));
  }

  ClusterBuilder noConfig() {
    config = Optional.empty();
    return this;
  }

  ClusterBuilder paused() {
    return set("pause", true);
  }

  ClusterBuilder timings(long ttl, long loopWait, long retryTimeout) {
    return set("ttl", ttl).set("loop_wait", loopWait).set("retry_timeout", retryTimeout);
  }

  ClusterBuilder initialize(String value) {
    initialize = Optional.of(new Versioned<>(value, INITIALIZE_VERSION));
    return this;
  }

  ClusterBuilder noInitialize() {
    initialize = Optional.empty();
    return this;
  }

  ClusterBuilder optime(long lsn) {
    status = new ClusterStatus(lsn, Map.of(), List.of());
    return this;
  }

  /** History entries as pairs of (timeline, switch LSN). */
  ClusterBuilder history(long... timelineAndLsn) {
    List<TimelineHistory.Entry> entries = new ArrayList<>();
    for (int i = 0; i < timelineAndLsn.length; i += 2) {
      entries.add(new TimelineHistory.Entry(timelineAndLsn[i], timelineAndLsn[i + 1], "no recovery target specified",
          Optional.empty(), Optional.empty()));
    }
    history = new TimelineHistory(entries);
    return this;
  }

  /** Appends one history entry that names the member the promotion made leader. */
  ClusterBuilder historyEntry(long timeline, long switchLsn, String newLeader) {
    List<TimelineHistory.Entry> entries = new ArrayList<>(history.entries());
    entries.add(new TimelineHistory.Entry(timeline, switchLsn, "no recovery target specified",
        Optional.of("2024-05-01T11:00:00.000000+00:00"), Optional.of(newLeader)));
    history = new TimelineHistory(entries);
    return this;
  }

  ClusterBuilder switchover(String from, String to) {
    return failover(Optional.ofNullable(from), Optional.ofNullable(to), Optional.empty());
  }

  ClusterBuilder scheduledSwitchover(String from, String to, Instant at) {
    return failover(Optional.of(from), Optional.ofNullable(to), Optional.of(OffsetDateTime.ofInstant(at, ZoneOffset.UTC)));
  }

  ClusterBuilder failover(Optional<String> from, Optional<String> to, Optional<OffsetDateTime> at) {
    failover = Optional.of(new Versioned<>(new FailoverRequest(from, to, at), FAILOVER_VERSION));
    return this;
  }

  ClusterBuilder sync(String leaderName, String... standbys) {
    sync = Optional.of(new Versioned<>(new SyncState(Optional.of(leaderName), 0, List.of(standbys)), 14));
    return this;
  }

  ClusterBuilder invalid(String key) {
    invalid.add(new InvalidValue("/service/demo/" + key, "{oops", "not JSON", 15));
    return this;
  }

  ClusterBuilder connection(ConnectionState state) {
    connection = state;
    return this;
  }

  /** The {@code failsafe} key: alternating member names and api URLs. */
  ClusterBuilder failsafe(String... nameAndUrl) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < nameAndUrl.length; i += 2) {
      m.put(nameAndUrl[i], nameAndUrl[i + 1]);
    }
    failsafe = Optional.of(m);
    return this;
  }

  ClusterBuilder disconnected() {
    return connection(ConnectionState.SUSPENDED);
  }

  /** {@code status.retain_slots} as the leader wrote it; by default every member and the leader (a settled leader's list). */
  ClusterBuilder retainSlots(String... names) {
    status = new ClusterStatus(status.optime(), status.slots(), List.of(names));
    retainSet = true;
    return this;
  }

  private boolean retainSet;

  /** {@code status.slots} as the leader wrote it: permanent logical slot name to confirmed position. */
  ClusterBuilder statusSlots(Map<String, Long> slots) {
    status = new ClusterStatus(status.optime(), slots, status.retainSlots());
    return this;
  }

  ClusterView build() {
    Optional<Versioned<DynamicConfig>> cfg = config.map(c -> new Versioned<>(new DynamicConfig(c), CONFIG_VERSION));
    ClusterStatus st = status;
    if (!retainSet) {
      java.util.TreeSet<String> names = new java.util.TreeSet<>();
      members.forEach(m -> names.add(m.name()));
      leader.ifPresent(l -> names.add(l.holder()));
      st = new ClusterStatus(status.optime(), status.slots(), List.copyOf(names));
    }
    return new ClusterView(initialize, cfg, leader, members, failover, sync, history, st, failsafe,
        invalid, connection);
  }
}
