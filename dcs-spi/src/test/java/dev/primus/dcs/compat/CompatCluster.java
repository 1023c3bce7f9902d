package dev.primus.dcs.compat;

import dev.primus.dcs.layout.AcquireOutcome;
import dev.primus.dcs.layout.ClusterPath;
import dev.primus.dcs.layout.PatroniCodec;
import dev.primus.dcs.layout.PatroniDcs;
import dev.primus.dcs.layout.RenewOutcome;
import dev.primus.dcs.model.ClusterStatus;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.MemberStatus;
import dev.primus.dcs.model.MemberStatus.PendingChange;
import dev.primus.dcs.model.MemberStatus.ScheduledRestart;
import dev.primus.dcs.model.SyncState;
import dev.primus.dcs.model.Tags;
import dev.primus.dcs.model.TimelineHistory;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.WriteResult;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A three-member cluster as a running Primus cluster would leave it in the DCS, written only through
 * the layout layer ({@link PatroniDcs}, hence {@link PatroniCodec} and {@link ClusterPath}): what the
 * compatibility kit then asks the real {@code patronictl} to show.
 *
 * <p>Every member is its own {@link PatroniDcs} with its own lease, as three agents would be. The state:
 * <ul>
 *   <li>{@code initialize}: won with {@code ""}, then the system identifier by CAS (the bootstrap race);
 *   <li>{@code config}: the dynamic configuration of the recorded Patroni 3.0.2 cluster (fixture
 *       {@code etcd3/01-bootstrapped.json}) plus {@code synchronous_mode: true};
 *   <li>{@code leader}: node1, on node1's lease;
 *   <li>{@code members/node1}: primary, running, timeline 3, at {@link #OPTIME};
 *   <li>{@code members/node2}: replica, streaming, timeline 3, received up to {@link #OPTIME} (no
 *       lag), pending restart; the synchronous standby;
 *   <li>{@code members/node3}: replica, still on timeline 2, received {@link #NODE3_LAG_MB} MiB behind,
 *       tagged {@code nofailover}, with a scheduled restart;
 *   <li>{@code history}: two promotions (timeline 1 to 2 by node2, 2 to 3 by node1);
 *   <li>{@code status}: {@code optime} {@link #OPTIME}, member slots, retained slots;
 *   <li>{@code sync}: node1 with synchronous standby node2;
 *   <li>{@code failover}: a switchover from node1 to node2 scheduled for {@link #SWITCHOVER_AT}.
 * </ul>
 *
 * Replicas publish {@code xlog_location} as the furthest of their receive and replay positions, as
 * Patroni does; {@code patronictl} 3.0.2 computes "Lag in MB" from it and {@code status.optime} alone.
 *
 * <p>REST API URLs point at loopback ports that were free when the cluster was written and nothing
 * listens on, so a {@code patronictl} command that tries the REST API first (switchover) falls back to
 * the DCS at once, and never reaches another test's agent.
 */
public final class CompatCluster implements AutoCloseable {
  public static final String SCOPE = "demo";
  /** The system identifier of the recorded Patroni cluster. */
  public static final String SYSTEM_ID = "7710844693306361226";
  public static final long MIB = 1024 * 1024;
  /** The leader's WAL position, in {@code status} and in node1's member key. */
  public static final long OPTIME = 160 * MIB + 0x1000;
  /** How far node3 has received (and so its {@code xlog_location}): whole MiB, so rounding is exact. */
  public static final long NODE3_LAG_MB = 42;
  public static final long NODE3_RECEIVED = OPTIME - NODE3_LAG_MB * MIB;
  /** node2 has received everything but not replayed the last 256 KiB; its lag is its receive position's. */
  public static final long NODE2_REPLAYED = OPTIME - 256 * 1024;
  public static final long TL1_END = 48 * MIB + 0xA0;
  public static final long TL2_END = 150 * MIB + 0xA0;
  public static final OffsetDateTime SWITCHOVER_AT = OffsetDateTime.of(2030, 1, 1, 12, 0, 0, 0, ZoneOffset.UTC);
  public static final String RESTART_AT = "2030-01-01T03:00:00+00:00";
  /** Patroni parses this field as its own dotted version; Primus writes the member format of 4.x. */
  public static final String AGENT_VERSION = "4.1.4";

  /**
   * {@code config} exactly as the recorded Patroni 3.0.2 cluster stored it (fixture
   * {@code etcd3/01-bootstrapped.json}); see {@link #config()}.
   */
  public static final String RECORDED_CONFIG_JSON = "{\"ttl\":20,\"loop_wait\":2,\"retry_timeout\":3,"
      + "\"maximum_lag_on_failover\":1048576,\"postgresql\":{\"use_pg_rewind\":true,\"use_slots\":true,"
      + "\"parameters\":{\"wal_level\":\"replica\",\"hot_standby\":\"on\",\"max_connections\":100,"
      + "\"max_wal_senders\":10,\"max_replication_slots\":10,\"wal_keep_size\":\"128MB\"}}}";

  private final KeyValueStore store;
  private final ClusterPath path;
  private final Map<String, PatroniDcs> agents = new LinkedHashMap<>();
  private final Map<String, MemberStatus> statuses = new LinkedHashMap<>();

  private CompatCluster(KeyValueStore store, ClusterPath path) {
    this.store = store;
    this.path = path;
  }

  /** The recorded cluster's config with {@code synchronous_mode: true}, as the {@code sync} key implies. */
  public static DynamicConfig config() {
    DynamicConfig recorded = PatroniCodec.decodeConfig("config", RECORDED_CONFIG_JSON, 0).toOptional()
        .orElseThrow(() -> new IllegalStateException("the recorded config no longer decodes"));
    return recorded.with("synchronous_mode", true);
  }

  public static TimelineHistory history() {
    return new TimelineHistory(List.of(
        new TimelineHistory.Entry(1, TL1_END, "no recovery target specified",
            Optional.of("2026-11-20T10:00:00.123456+00:00"), Optional.of("node2")),
        new TimelineHistory.Entry(2, TL2_END, "no recovery target specified",
            Optional.of("2026-11-21T11:30:00+00:00"), Optional.of("node1"))));
  }

  public static FailoverRequest scheduledSwitchover() {
    return new FailoverRequest(Optional.of("node1"), Optional.of("node2"), Optional.of(SWITCHOVER_AT));
  }

  /**
   * Writes the whole cluster under {@code path} through {@code store}, failing if any step does not
   * succeed as a fresh cluster's would.
   *
   * @param ttl the members' lease TTL; call {@link #keepAlive()} more often than that
   */
  public static CompatCluster write(KeyValueStore store, ClusterPath path, Duration ttl)
      throws DcsException, IOException {
    Objects.requireNonNull(store, "store");
    CompatCluster c = new CompatCluster(store, path);
    List<Integer> apiPorts = closedLoopbackPorts(3);
    for (int i = 1; i <= 3; i++) {
      c.agents.put("node" + i, new PatroniDcs(store, path, "node" + i, ttl));
    }
    PatroniDcs node1 = c.agent("node1");

    WriteResult race = node1.raceInitialize("");
    long raceVersion = expectWritten(race, "initialize race");
    expectWritten(node1.writeInitialize(SYSTEM_ID, raceVersion), "initialize with the system identifier");
    expectWritten(node1.writeConfig(config(), Optional.empty()), "config");
    AcquireOutcome lock = node1.acquireLeaderLock();
    if (!lock.acquired()) {
      throw new IllegalStateException("node1 did not get the leader lock of an empty cluster: " + lock);
    }

    c.statuses.put("node1", new MemberStatus(conn(5441), api(apiPorts.get(0)), MemberState.RUNNING,
        MemberRole.PRIMARY, Optional.of(AGENT_VERSION), Optional.of(OPTIME), Optional.of(3L), Optional.empty(),
        Optional.empty(), Optional.empty(), Tags.NONE, false, Map.of(), Optional.empty(), Optional.empty(), false,
        Map.of()));
    c.statuses.put("node2", new MemberStatus(conn(5442), api(apiPorts.get(1)), MemberState.RUNNING,
        MemberRole.REPLICA, Optional.of(AGENT_VERSION), Optional.of(OPTIME), Optional.of(3L),
        Optional.of("streaming"), Optional.of(OPTIME), Optional.of(NODE2_REPLAYED), Tags.NONE, true,
        Map.of("shared_buffers", new PendingChange("128MB", "256MB")), Optional.empty(), Optional.empty(), false,
        Map.of()));
    c.statuses.put("node3", new MemberStatus(conn(5443), api(apiPorts.get(2)), MemberState.RUNNING,
        MemberRole.REPLICA, Optional.of(AGENT_VERSION), Optional.of(NODE3_RECEIVED), Optional.of(2L),
        Optional.of("streaming"), Optional.of(NODE3_RECEIVED), Optional.of(NODE3_RECEIVED - 6 * MIB),
        new Tags(true, false, false, Optional.empty(), false, false, 0, Map.of("nofailover", true)), false,
        Map.of(), Optional.of(new ScheduledRestart(RESTART_AT, Optional.of("2026-11-21T11:30:05.5+00:00"), Map.of())),
        Optional.empty(), false, Map.of()));
    for (Map.Entry<String, MemberStatus> e : c.statuses.entrySet()) {
      c.agent(e.getKey()).touchMember(e.getValue());
    }

    node1.writeHistory(history());
    node1.writeStatus(new ClusterStatus(OPTIME, Map.of("node2", OPTIME, "node3", NODE3_RECEIVED),
        List.of("node2", "node3")));
    expectWritten(node1.writeSync(new SyncState(Optional.of("node1"), 0, List.of("node2")), Optional.empty()),
        "sync");
    expectWritten(node1.writeFailover(scheduledSwitchover(), Optional.empty()), "failover");
    return c;
  }

  public KeyValueStore store() {
    return store;
  }

  public ClusterPath path() {
    return path;
  }

  /** The agent of member {@code name} ({@code node1} to {@code node3}). */
  public PatroniDcs agent(String name) {
    PatroniDcs a = agents.get(name);
    if (a == null) {
      throw new IllegalArgumentException("no member " + name + " in " + agents.keySet());
    }
    return a;
  }

  /** What member {@code name} published. */
  public MemberStatus status(String name) {
    return Objects.requireNonNull(statuses.get(name), name);
  }

  /**
   * Keeps every lease alive, as the agents' loops would: node1 renews the lock, each member touches
   * its key (unchanged values are not rewritten).
   */
  public void keepAlive() throws DcsException {
    RenewOutcome r = agent("node1").renewLeaderLock();
    if (!r.renewed()) {
      throw new IllegalStateException("node1 lost the leader lock: " + r);
    }
    for (Map.Entry<String, MemberStatus> e : statuses.entrySet()) {
      agent(e.getKey()).touchMember(e.getValue());
    }
  }

  /** Releases the lock, ends the leases and deletes the cluster's keys; best effort, first error rethrown. */
  @Override
  public void close() throws DcsException {
    List<DcsException> errors = new ArrayList<>();
    try {
      agent("node1").releaseLeaderLock();
    } catch (DcsException e) {
      errors.add(e);
    }
    for (PatroniDcs a : agents.values()) {
      try {
        a.revokeLease();
      } catch (DcsException e) {
        errors.add(e);
      }
    }
    try {
      store.deletePrefix(path.base());
    } catch (DcsException e) {
      errors.add(e);
    }
    if (!errors.isEmpty()) {
      DcsException first = errors.get(0);
      errors.subList(1, errors.size()).forEach(first::addSuppressed);
      throw first;
    }
  }

  private static String conn(int port) {
    return "postgres://127.0.0.1:" + port + "/postgres";
  }

  private static String api(int port) {
    return "http://127.0.0.1:" + port + "/patroni";
  }

  private static long expectWritten(WriteResult r, String what) {
    if (r instanceof WriteResult.Written w) {
      return w.version();
    }
    throw new IllegalStateException(what + " was not written on a fresh cluster: " + r);
  }

  /** Loopback ports that were free a moment ago: bound all at once, so distinct, then released. */
  static List<Integer> closedLoopbackPorts(int n) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
      }
      return sockets.stream().map(ServerSocket::getLocalPort).toList();
    } finally {
      for (ServerSocket s : sockets) {
        s.close();
      }
    }
  }
}
