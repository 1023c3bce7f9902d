package dev.primus.runner.rest;

import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.ha.LocalState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The status codes of the health checks, as Patroni computes them. Paths are matched by substring in
 * Patroni's order (standby-leader, leader, primary/master/read-write, replica, read-only, health, then
 * the exact sync/quorum/async paths), so load balancer configurations written for Patroni keep working.
 *
 * <p>One difference: Patroni 3.0.2 answers {@code /primary}, {@code /leader} and {@code /standby-leader}
 * from the leader lock alone, so a lock holder whose postmaster is gone passes them until its loop has
 * restarted PostgreSQL. Here they also need a server process that may run ({@link NodeStatus#serverMayRun()}):
 * a load balancer should not send writes to a primary that is not there. The status is the one the agent
 * looked at again for the request ({@link NodeStatusSource#live()}).
 */
final class HealthChecks {
  static final int OK = 200;
  static final int UNAVAILABLE = 503;
  private static final java.util.regex.Pattern SIZE = java.util.regex.Pattern.compile("\\s*(\\d+)\\s*([a-zA-Z]*)\\s*");

  private HealthChecks() {}

  /** The status code for {@code GET/HEAD/OPTIONS <path>?<query>}. */
  static int code(String rawPath, Map<String, List<String>> query, NodeStatus s, NodeIdentity id, Instant now) {
    String path = rawPath.equals("/") ? "/primary" : rawPath;
    LocalState local = s.local();
    boolean running = s.state() == MemberState.RUNNING;

    long leaderOptime = Math.max(s.dcsAvailable() ? s.cluster().status().optime() : 0, s.latestEndLsn().orElse(0L));
    long replayed = local.replayLsn().orElse(0L);
    long maxLag = first(query, "lag").flatMap(HealthChecks::bytes).orElse(Long.MAX_VALUE);
    boolean lagging = leaderOptime > 0 && leaderOptime - replayed > maxLag;
    boolean stateMatches = first(query, "replication_state")
        .map(w -> w.equals(Documents.replicationState(local).orElse(null))).orElse(true);
    int replica = !s.tags().noLoadBalance() && !lagging && s.role() == MemberRole.REPLICA && running && stateMatches
        ? OK : UNAVAILABLE;

    int leader;
    int primary;
    int standbyLeader;
    if (!s.serverMayRun()) {
      leader = UNAVAILABLE;
      primary = UNAVAILABLE;
      standbyLeader = UNAVAILABLE;
    } else if (!s.dcsAvailable() && s.paused()) {
      // paused and cut off from the DCS: nobody can check the lock, so trust the database's role
      leader = s.role() == MemberRole.PRIMARY || s.role() == MemberRole.STANDBY_LEADER ? OK : UNAVAILABLE;
      primary = s.role() == MemberRole.PRIMARY ? OK : UNAVAILABLE;
      standbyLeader = s.role() == MemberRole.STANDBY_LEADER ? OK : UNAVAILABLE;
    } else if (s.isLeaderAt(now)) {
      leader = OK;
      if (s.standbyCluster()) {
        primary = UNAVAILABLE;
        replica = UNAVAILABLE;
        standbyLeader = s.role() == MemberRole.REPLICA || s.role() == MemberRole.STANDBY_LEADER ? OK : UNAVAILABLE;
      } else {
        primary = OK;
        standbyLeader = UNAVAILABLE;
      }
    } else {
      leader = UNAVAILABLE;
      primary = UNAVAILABLE;
      standbyLeader = UNAVAILABLE;
    }

    int code = UNAVAILABLE;
    boolean ignoreTags = false;
    if (path.contains("standby_leader") || path.contains("standby-leader")) {
      code = standbyLeader;
      ignoreTags = true;
    } else if (path.contains("leader")) {
      code = leader;
      ignoreTags = true;
    } else if (path.contains("master") || path.contains("primary") || path.contains("read-write")) {
      code = primary;
      ignoreTags = true;
    } else if (path.contains("replica")) {
      code = replica;
    } else if (path.contains("read-only") && !path.contains("sync") && !path.contains("quorum")) {
      code = primary == OK || standbyLeader == OK ? OK : replica;
    } else if (path.contains("health")) {
      code = running ? OK : UNAVAILABLE;
    } else if (s.dcsAvailable()) {
      Optional<String> syncRole = Documents.syncRole(s, id);
      boolean sync = syncRole.filter("sync_standby"::equals).isPresent();
      boolean quorum = syncRole.filter("quorum_standby"::equals).isPresent();
      boolean leads = primary == OK || standbyLeader == OK;
      switch (path) {
        case "/sync": case "/synchronous":
          code = sync ? replica : UNAVAILABLE;
          break;
        case "/quorum":
          code = quorum ? replica : UNAVAILABLE;
          break;
        case "/async": case "/asynchronous":
          code = !sync && !quorum ? replica : UNAVAILABLE;
          break;
        case "/read-only-quorum":
          code = leads ? OK : quorum ? replica : UNAVAILABLE;
          break;
        case "/read-only-sync": case "/read-only-synchronous":
          code = leads ? OK : sync ? replica : UNAVAILABLE;
          break;
        default:
          break;
      }
    }

    if (!ignoreTags && code == OK && !tagsMatch(query, s)) {
      code = UNAVAILABLE;
    }
    return code;
  }

  /** {@code tag_<name>=<value>} filters: every named tag must be set and equal (non-strings compared lowercased). */
  private static boolean tagsMatch(Map<String, List<String>> query, NodeStatus s) {
    for (Map.Entry<String, List<String>> e : query.entrySet()) {
      if (!e.getKey().startsWith("tag_") || e.getValue().isEmpty()) {
        continue;
      }
      Object actual = s.tags().all().get(e.getKey().substring("tag_".length()));
      if (actual == null) {
        return false;
      }
      String text = actual instanceof String str ? str : String.valueOf(actual).toLowerCase(Locale.ROOT);
      if (!text.equals(e.getValue().get(0))) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code GET /liveness}: the loop is alive if its next cycle is overdue by less than ttl (a running
   * primary) or twice ttl (anything else); always alive while paused.
   */
  static int liveness(NodeStatus s, Instant now) {
    boolean primary = s.role() == MemberRole.PRIMARY && s.local().isRunning();
    Duration threshold = s.config().ttl().multipliedBy(primary ? 1 : 2);
    return s.paused() || s.nextCycleDue().plus(threshold).isAfter(now) ? OK : UNAVAILABLE;
  }

  /**
   * {@code GET /readiness?lag=&mode=apply|write}: the leader is ready while its server may run; anything
   * else must run, stream, and lag no more than {@code lag} (default maximum_lag_on_failover).
   */
  static int readiness(Map<String, List<String>> query, NodeStatus s, Instant now) {
    if (s.isLeaderAt(now) && s.serverMayRun()) {
      return OK;
    }
    if (s.state() != MemberState.RUNNING) {
      return UNAVAILABLE;
    }
    if (s.local().replication().orElse(null) != LocalState.ReplicationState.STREAMING) {
      return UNAVAILABLE;
    }
    long latestEnd = s.latestEndLsn().orElse(0L);
    if (!s.dcsAvailable() && latestEnd == 0) {
      return s.failsafeActive() ? OK : UNAVAILABLE;
    }
    long leaderOptime = Math.max(s.dcsAvailable() ? s.cluster().status().optime() : 0, latestEnd);
    boolean write = first(query, "mode").map("write"::equals).orElse(false);
    long replayed = s.local().replayLsn().orElse(0L);
    long position = write ? s.local().receiveLsn().orElse(replayed) : replayed;
    long maxLag = first(query, "lag").flatMap(HealthChecks::bytes).orElse(s.config().maximumLagOnFailover());
    return leaderOptime - position > maxLag ? UNAVAILABLE : OK;
  }

  static Optional<String> first(Map<String, List<String>> query, String key) {
    List<String> v = query.get(key);
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
  }

  /** {@code 1048576}, {@code 10MB}, {@code 16kB}: bytes with PostgreSQL's units; empty (no limit) if not a size. */
  static Optional<Long> bytes(String text) {
    java.util.regex.Matcher m = SIZE.matcher(text);
    if (!m.matches()) {
      return Optional.empty();
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "": case "b": return Optional.of(n);
      case "kb": return Optional.of(n << 10);
      case "mb": return Optional.of(n << 20);
      case "gb": return Optional.of(n << 30);
      case "tb": return Optional.of(n << 40);
      default: return Optional.empty();
    }
  }
}
