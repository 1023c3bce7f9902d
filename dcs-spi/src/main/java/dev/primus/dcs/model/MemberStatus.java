package dev.primus.dcs.model;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The JSON a member writes into {@code members/<name>} every cycle.
 *
 * <p>LSNs are byte positions (Patroni writes them as integers). Optional fields are omitted from the
 * JSON when empty. {@link #extra()} keeps fields this version does not model, so a read-modify-write
 * never loses them.
 */
public record MemberStatus(
    String connUrl,
    String apiUrl,
    MemberState state,
    MemberRole role,
    Optional<String> version,
    Optional<Long> xlogLocation,
    Optional<Long> timeline,
    Optional<String> replicationState,
    Optional<Long> receiveLsn,
    Optional<Long> replayLsn,
    Tags tags,
    boolean pendingRestart,
    Map<String, PendingChange> pendingRestartReason,
    Optional<ScheduledRestart> scheduledRestart,
    Optional<String> proxyUrl,
    boolean pause,
    Map<String, Object> extra) {

  public MemberStatus {
    Objects.requireNonNull(connUrl, "connUrl");
    Objects.requireNonNull(apiUrl, "apiUrl");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(xlogLocation, "xlogLocation");
    Objects.requireNonNull(timeline, "timeline");
    Objects.requireNonNull(replicationState, "replicationState");
    Objects.requireNonNull(receiveLsn, "receiveLsn");
    Objects.requireNonNull(replayLsn, "replayLsn");
    Objects.requireNonNull(tags, "tags");
    pendingRestartReason = Map.copyOf(pendingRestartReason);
    Objects.requireNonNull(scheduledRestart, "scheduledRestart");
    Objects.requireNonNull(proxyUrl, "proxyUrl");
    extra = Map.copyOf(extra);
  }

  /** A member known only by name (the leader key names it but it wrote no member key). */
  public static MemberStatus unknown() {
    return new MemberStatus("", "", MemberState.UNKNOWN, MemberRole.UNKNOWN, Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        Tags.NONE, false, Map.of(), Optional.empty(), Optional.empty(), false, Map.of());
  }

  /** The furthest WAL position this member reported: its own on a primary, max(receive, replay) else. */
  public long walPosition() {
    long best = xlogLocation.orElse(0L);
    best = Math.max(best, receiveLsn.orElse(0L));
    return Math.max(best, replayLsn.orElse(0L));
  }

  /** One parameter waiting for a restart, as in {@code pending_restart_reason}. */
  public record PendingChange(String oldValue, String newValue) {
    public PendingChange {
      Objects.requireNonNull(oldValue, "oldValue");
      Objects.requireNonNull(newValue, "newValue");
    }
  }

  /** A scheduled restart, as in {@code scheduled_restart}. */
  public record ScheduledRestart(String schedule, Optional<String> postmasterStartTime, Map<String, Object> extra) {
    public ScheduledRestart {
      Objects.requireNonNull(schedule, "schedule");
      Objects.requireNonNull(postmasterStartTime, "postmasterStartTime");
      extra = Map.copyOf(extra);
    }
  }
}
