package dev.primus.runner.rest;

import dev.primus.agent.LoopTimes;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.LocalState;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /metrics} in the Prometheus text format, with Patroni's metric names and
 * {@code {scope,name}} labels so existing dashboards and alerts keep working.
 */
final class Metrics {
  /**
   * Patroni's fixed numbers for the PostgreSQL state ({@code patroni_postgres_state}); -1 for a state
   * it has no number for.
   */
  private static final Map<MemberState, Integer> STATE_INDEX = Map.ofEntries(
      Map.entry(MemberState.INITIALIZING, 0),
      Map.entry(MemberState.BOOTSTRAP_FAILED, 1),
      Map.entry(MemberState.RUNNING_CUSTOM_BOOTSTRAP, 2),
      Map.entry(MemberState.CUSTOM_BOOTSTRAP_FAILED, 3),
      Map.entry(MemberState.CREATING_REPLICA, 4),
      Map.entry(MemberState.RUNNING, 5),
      Map.entry(MemberState.STARTING, 6),
      Map.entry(MemberState.START_FAILED, 8),
      Map.entry(MemberState.RESTARTING, 9),
      Map.entry(MemberState.RESTART_FAILED, 10),
      Map.entry(MemberState.STOPPING, 11),
      Map.entry(MemberState.STOPPED, 12),
      Map.entry(MemberState.CRASHED, 14));

  private final StringBuilder out = new StringBuilder();
  private final String labels;

  private Metrics(NodeIdentity id) {
    this.labels = "{scope=\"" + escape(id.scope()) + "\",name=\"" + escape(id.name()) + "\"}";
  }

  static String render(NodeStatus s, NodeIdentity id) {
    return render(s, id, Optional.empty());
  }

  /** With the HA loop's histograms after Patroni's metrics, when the source has a loop. */
  static String render(NodeStatus s, NodeIdentity id, Optional<LoopTimes.Snapshot> loop) {
    Metrics m = new Metrics(id);
    LocalState local = s.local();
    boolean running = s.state() == MemberState.RUNNING;
    boolean inRecovery = local.role().orElse(DatabaseRole.REPLICA) != DatabaseRole.PRIMARY;
    Optional<String> syncRole = Documents.syncRole(s, id);
    Optional<String> replication = Documents.replicationState(local);
    long received = inRecovery ? local.receiveLsn().orElse(local.replayLsn().orElse(0L)) : 0;
    long replayed = inRecovery ? local.replayLsn().orElse(0L) : 0;

    m.gauge("patroni_version", "The agent's version as Patroni encodes it (each part on two digits).",
        Formats.paddedVersion(id.version()));
    m.gauge("patroni_postgres_running", "1 while PostgreSQL runs.", flag(running));
    m.gauge("patroni_postmaster_start_time", "When the postmaster started, in seconds since the epoch.",
        local.postmasterStartTime().filter(t -> running).map(Formats::epochSeconds).orElse("0"));
    m.gauge("patroni_master", "1 on the primary (the older name of patroni_primary).",
        flag(s.role() == MemberRole.PRIMARY));
    m.gauge("patroni_primary", "1 on the primary.", flag(s.role() == MemberRole.PRIMARY));
    m.counter("patroni_xlog_location", "The primary's WAL position in bytes; 0 elsewhere.",
        String.valueOf(!inRecovery && running ? local.walPosition() : 0));
    m.gauge("patroni_standby_leader", "1 on the leader of a standby cluster.",
        flag(s.role() == MemberRole.STANDBY_LEADER));
    m.gauge("patroni_replica", "1 on a replica.", flag(s.role() == MemberRole.REPLICA));
    m.gauge("patroni_sync_standby", "1 on a synchronous standby.", flag(syncRole.filter("sync_standby"::equals).isPresent()));
    m.gauge("patroni_quorum_standby", "1 on a quorum standby.", flag(syncRole.filter("quorum_standby"::equals).isPresent()));
    m.counter("patroni_xlog_received_location", "WAL received by this replica, in bytes; 0 elsewhere.",
        String.valueOf(running ? received : 0));
    m.counter("patroni_xlog_replayed_location", "WAL replayed by this replica, in bytes; 0 elsewhere.",
        String.valueOf(running ? replayed : 0));
    m.gauge("patroni_xlog_replayed_timestamp", "Commit time of the last replayed transaction, in seconds since the"
        + " epoch; 0 if none.", s.replayedTimestamp().filter(t -> inRecovery).map(Formats::epochSeconds).orElse("0"));
    m.gauge("patroni_xlog_paused", "1 while WAL replay is paused.", flag(inRecovery && s.replayPaused()));
    if (s.serverVersion() >= 90600) {
      m.gauge("patroni_postgres_streaming", "1 while this replica streams WAL.",
          flag(replication.filter("streaming"::equals).isPresent()));
      m.gauge("patroni_postgres_in_archive_recovery", "1 while this replica restores WAL from the archive.",
          flag(replication.filter("in archive recovery"::equals).isPresent()));
    }
    m.gauge("patroni_postgres_server_version", "The server version as an integer (150002 for 15.2); 0 if unknown.",
        String.valueOf(s.serverVersion()));
    m.gauge("patroni_cluster_unlocked", "1 while nobody holds the leader lock.",
        flag(!s.dcsAvailable() || s.cluster().leader().isEmpty()));
    m.gauge("patroni_failsafe_mode_is_active", "1 while failsafe mode keeps the primary up without the DCS.",
        flag(s.failsafeActive()));
    m.counter("patroni_postgres_timeline", "The timeline of this member; 0 if unknown.",
        String.valueOf(running ? local.timeline().orElse(0L) : 0));
    m.gauge("patroni_dcs_last_seen", "When the DCS last answered, in seconds since the epoch.",
        String.valueOf(s.dcsLastSeen().map(Instant::getEpochSecond).orElse(0L)));
    m.gauge("patroni_pending_restart", "1 while a parameter change waits for a restart.",
        flag(local.pendingRestart() || !local.pendingRestartReason().isEmpty()));
    m.gauge("patroni_is_paused", "1 while the cluster is paused (maintenance mode).", flag(s.paused()));
    m.out.append("# HELP patroni_postgres_state PostgreSQL's state as a number. Values: 0=initdb, 1=initdb_failed,"
        + " 2=custom_bootstrap, 3=custom_bootstrap_failed, 4=creating_replica, 5=running, 6=starting,"
        + " 7=bootstrap_starting, 8=start_failed, 9=restarting, 10=restart_failed, 11=stopping, 12=stopped,"
        + " 13=stop_failed, 14=crashed\n");
    m.sample("patroni_postgres_state", "gauge", String.valueOf(STATE_INDEX.getOrDefault(s.state(), -1)));
    loop.ifPresent(t -> {
      m.histogram("primus_loop_cycle_seconds", "How long the HA loop's cycles took (observe, decide, act; long"
          + " actions run beside the loop), since the agent started.", t.duration());
      m.histogram("primus_loop_cycle_delay_seconds", "How long after it was due each HA loop cycle began, since the"
          + " agent started.", t.delay());
    });
    return m.out.toString();
  }

  /** A Prometheus histogram, and its largest value as the gauge {@code <name>_max}. */
  private void histogram(String name, String help, LoopTimes.Series h) {
    String inner = labels.substring(1, labels.length() - 1);
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" histogram\n");
    double[] bounds = LoopTimes.bounds();
    long[] counts = h.atOrBelow();
    for (int i = 0; i < bounds.length; i++) {
      bucket(name, inner, Double.toString(bounds[i]), counts[i]);
    }
    bucket(name, inner, "+Inf", h.count());
    out.append(name).append("_sum").append(labels).append(' ').append(h.sumSeconds()).append('\n');
    out.append(name).append("_count").append(labels).append(' ').append(h.count()).append('\n');
    gauge(name + "_max", "The largest value of " + name + " so far.", Double.toString(h.maxSeconds()));
  }

  private void bucket(String name, String innerLabels, String le, long count) {
    out.append(name).append("_bucket{").append(innerLabels).append(",le=\"").append(le).append("\"} ")
        .append(count).append('\n');
  }

  private void gauge(String name, String help, String value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    sample(name, "gauge", value);
  }

  private void counter(String name, String help, String value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    sample(name, "counter", value);
  }

  private void sample(String name, String type, String value) {
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    out.append(name).append(labels).append(' ').append(value).append('\n');
  }

  private static String flag(boolean b) {
    return b ? "1" : "0";
  }

  private static String escape(String label) {
    return label.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
