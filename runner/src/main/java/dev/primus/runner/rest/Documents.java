package dev.primus.runner.rest;

import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.model.Member;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.PatroniDialect;
import dev.primus.dcs.model.MemberStatus;
import dev.primus.dcs.model.MemberStatus.PendingChange;
import dev.primus.dcs.model.SynchronousMode;
import dev.primus.dcs.model.Tags;
import dev.primus.dcs.model.TimelineHistory;
import dev.primus.dcs.model.Versioned;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.LocalState;
import dev.primus.ha.LocalState.ReplicationState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Builds the JSON documents of the GET endpoints as ordered maps, field names as Patroni's. */
final class Documents {
  /** Boolean tags Patroni leaves out of its answers while they are false. */
  private static final Set<String> BOOLEAN_TAGS = Set.of("clonefrom", "nofailover", "noloadbalance", "nosync",
      "nostream");

  private Documents() {}

  /** The status document of {@code GET /patroni} and every health check. */
  static Map<String, Object> status(NodeStatus s, NodeIdentity id) {
    Map<String, Object> doc = new LinkedHashMap<>();
    LocalState local = s.local();
    doc.put("state", s.state().wire());
    boolean queryable = local.isRunning() && (s.state() == MemberState.RUNNING || s.state() == MemberState.STARTING
        || s.state() == MemberState.RESTARTING);
    if (queryable) {
      local.postmasterStartTime().ifPresent(t -> doc.put("postmaster_start_time", Formats.timestamp(t)));
    }
    PatroniDialect dialect = PatroniDialect.ofVersion(Optional.of(id.version()));
    doc.put("role", dialect.roleName(s.role()));
    if (queryable) {
      if (s.serverVersion() > 0) {
        doc.put("server_version", s.serverVersion());
      }
      doc.put("xlog", xlog(s));
      syncRole(s, id).ifPresent(k -> doc.put(k, true));
      local.timeline().ifPresent(t -> doc.put("timeline", t));
      if (dialect == PatroniDialect.V4) {
        replicationState(local).ifPresent(r -> doc.put("replication_state", r)); // since Patroni 3.0.4
      }
      if (!s.replication().isEmpty()) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ReplicationRow r : s.replication()) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("usename", r.usename());
          row.put("application_name", r.applicationName());
          row.put("client_addr", r.clientAddr().orElse(null));
          row.put("state", r.state());
          row.put("sync_state", r.syncState());
          row.put("sync_priority", r.syncPriority());
          rows.add(row);
        }
        doc.put("replication", rows);
      }
    }
    if (s.paused()) {
      doc.put("pause", true);
    }
    if (!s.dcsAvailable() || s.cluster().leader().isEmpty()) {
      doc.put("cluster_unlocked", true);
    }
    if (s.failsafeActive()) {
      doc.put("failsafe_mode_is_active", true);
    }
    doc.put("dcs_last_seen", s.dcsLastSeen().map(java.time.Instant::getEpochSecond).orElse(0L));
    Map<String, Object> tags = effectiveTags(s.tags());
    if (!tags.isEmpty()) {
      doc.put("tags", tags);
    }
    local.systemIdentifier().ifPresent(id2 -> doc.put("database_system_identifier", id2));
    if (local.pendingRestart() || !local.pendingRestartReason().isEmpty()) {
      doc.put("pending_restart", true);
      if (!local.pendingRestartReason().isEmpty() && dialect == PatroniDialect.V4) {
        doc.put("pending_restart_reason", pendingReason(local.pendingRestartReason())); // since Patroni 3.1
      }
    }
    Map<String, Object> patroni = new LinkedHashMap<>();
    patroni.put("version", id.version());
    patroni.put("scope", id.scope());
    if (dialect == PatroniDialect.V4) {
      patroni.put("name", id.name()); // Patroni 4 added it; 3.0.2 did not send it
    }
    doc.put("patroni", patroni);
    id.primusVersion().ifPresent(v -> doc.put("primus_version", v));
    s.scheduledRestart().ifPresent(r -> doc.put("scheduled_restart", scheduledRestart(r)));
    if (s.watchdogFailed()) {
      doc.put("watchdog_failed", true);
    }
    return doc;
  }

  private static Map<String, Object> xlog(NodeStatus s) {
    LocalState local = s.local();
    Map<String, Object> x = new LinkedHashMap<>();
    if (local.role().orElse(DatabaseRole.REPLICA) == DatabaseRole.PRIMARY) {
      x.put("location", local.walPosition());
    } else {
      long replayed = local.replayLsn().orElse(0L);
      x.put("received_location", local.receiveLsn().orElse(replayed));
      x.put("replayed_location", replayed);
      x.put("replayed_timestamp", s.replayedTimestamp().map(Formats::timestamp).orElse(null));
      x.put("paused", s.replayPaused());
    }
    return x;
  }

  /** {@code sync_standby} or {@code quorum_standby} when this replica is listed in the {@code sync} key. */
  static Optional<String> syncRole(NodeStatus s, NodeIdentity id) {
    SynchronousMode mode = s.config().synchronousMode();
    if (mode == SynchronousMode.OFF || s.role() != MemberRole.REPLICA || !s.dcsAvailable()) {
      return Optional.empty();
    }
    boolean listed = s.cluster().sync().map(v -> v.value().isSyncStandby(id.name())).orElse(false);
    if (!listed) {
      return Optional.empty();
    }
    return Optional.of(mode == SynchronousMode.QUORUM ? "quorum_standby" : "sync_standby");
  }

  static Optional<String> replicationState(LocalState local) {
    return local.replication().map(r -> r == ReplicationState.STREAMING ? "streaming" : "in archive recovery");
  }

  /** Tags as Patroni reports them: boolean tags only while true. */
  static Map<String, Object> effectiveTags(Tags tags) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : new java.util.TreeMap<>(tags.all()).entrySet()) {
      if (BOOLEAN_TAGS.contains(e.getKey()) && !isTrue(e.getValue())) {
        continue;
      }
      out.put(e.getKey(), e.getValue());
    }
    return out;
  }

  private static boolean isTrue(Object v) {
    if (v instanceof Boolean b) {
      return b;
    }
    return v != null && List.of("true", "on", "yes", "1").contains(String.valueOf(v).trim().toLowerCase(java.util.Locale.ROOT));
  }

  private static Map<String, Object> pendingReason(Map<String, PendingChange> reasons) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, PendingChange> e : new java.util.TreeMap<>(reasons).entrySet()) {
      Map<String, Object> change = new LinkedHashMap<>();
      change.put("old_value", e.getValue().oldValue());
      change.put("new_value", e.getValue().newValue());
      out.put(e.getKey(), change);
    }
    return out;
  }

  private static Map<String, Object> scheduledRestart(MemberStatus.ScheduledRestart r) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("schedule", r.schedule());
    for (Map.Entry<String, Object> e : r.extra().entrySet()) {
      if (!e.getKey().equals("postmaster_start_time")) {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  /** {@code GET /cluster}: every member with its role, state, addresses and lag. */
  static Map<String, Object> cluster(ClusterView c, NodeIdentity id, boolean standbyCluster) {
    Optional<String> leaderName = c.leader().map(l -> l.holder());
    SynchronousMode mode = c.config().map(v -> v.value().synchronousMode()).orElse(SynchronousMode.OFF);
    long reference = Math.max(c.status().optime(),
        c.leaderMember().flatMap(m -> m.status().xlogLocation()).orElse(0L));
    List<Map<String, Object>> members = new ArrayList<>();
    for (Member m : c.members()) {
      MemberStatus st = m.status();
      boolean isLeader = leaderName.map(m.name()::equals).orElse(false);
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("name", m.name());
      String role;
      if (isLeader) {
        role = standbyCluster ? "standby_leader" : "leader";
      } else if (mode != SynchronousMode.OFF && c.sync().map(v -> v.value().isSyncStandby(m.name())).orElse(false)) {
        role = mode == SynchronousMode.QUORUM ? "quorum_standby" : "sync_standby";
      } else {
        role = "replica";
      }
      doc.put("role", role);
      String state = st.state().wire();
      if (!isLeader && st.state() == MemberState.RUNNING && st.replicationState().isPresent()) {
        // a running replica is reported by how it replicates, as Patroni 4 does
        state = st.replicationState().get();
      }
      doc.put("state", state);
      if (!st.apiUrl().isEmpty()) {
        doc.put("api_url", st.apiUrl());
      }
      Formats.hostPort(st.connUrl()).ifPresent(hp -> {
        doc.put("host", hp.host());
        doc.put("port", hp.port());
      });
      st.timeline().ifPresent(t -> doc.put("timeline", t));
      Map<String, Object> tags = effectiveTags(st.tags());
      if (!tags.isEmpty()) {
        doc.put("tags", tags);
      }
      if (st.pendingRestart()) {
        doc.put("pending_restart", true);
      }
      if (!st.pendingRestartReason().isEmpty()) {
        doc.put("pending_restart_reason", pendingReason(st.pendingRestartReason()));
      }
      st.scheduledRestart().ifPresent(r -> doc.put("scheduled_restart", scheduledRestart(r)));
      if (!isLeader) {
        st.receiveLsn().ifPresent(l -> {
          doc.put("receive_lag", lag(reference, l));
          doc.put("receive_lsn", Formats.lsn(l));
        });
        st.replayLsn().ifPresent(l -> {
          doc.put("replay_lag", lag(reference, l));
          doc.put("replay_lsn", Formats.lsn(l));
        });
        long pos = st.walPosition();
        doc.put("lag", pos > 0 ? lag(reference, pos) : "unknown");
        doc.put("lsn", pos > 0 ? Formats.lsn(pos) : "unknown");
      }
      members.add(doc);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("members", members);
    out.put("scope", id.scope());
    if (c.paused()) {
      out.put("pause", true);
    }
    c.pendingFailover().map(Versioned::value).filter(f -> f.scheduledAt().isPresent()).ifPresent(f ->
        out.put("scheduled_switchover", scheduledSwitchover(f)));
    return out;
  }

  private static long lag(long reference, long position) {
    return Math.max(0, reference - position);
  }

  private static Map<String, Object> scheduledSwitchover(FailoverRequest f) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("at", Formats.isoTimestamp(f.scheduledAt().orElseThrow()));
    f.leader().ifPresent(l -> s.put("from", l));
    f.candidate().ifPresent(c -> s.put("to", c));
    return s;
  }

  /** {@code GET /history}: {@code [timeline, lsn, reason, timestamp, new_leader]} per promotion. */
  static List<List<Object>> history(TimelineHistory h) {
    List<List<Object>> out = new ArrayList<>();
    for (TimelineHistory.Entry e : h.entries()) {
      List<Object> row = new ArrayList<>(List.of(e.timeline(), e.switchLsn(), e.reason()));
      if (e.timestamp().isPresent() || e.newLeader().isPresent()) {
        row.add(e.timestamp().orElse(null));
      }
      e.newLeader().ifPresent(row::add);
      out.add(row);
    }
    return out;
  }
}
