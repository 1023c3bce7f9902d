package dev.primus.ha;

import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.MemberStatus;
import java.util.Map;
import java.util.Optional;

/**
 * Builds the value of {@code members/<name>} from the local database and this member's settings, as
 * Patroni's {@code touch_member} does: role and state, the WAL positions and timeline, the replication
 * state of a replica, tags, pending restart, pause, version.
 *
 * <p>A data directory that belongs to another cluster is published as {@code uninitialized} with no
 * positions: other members rank candidates and pick clone sources from member keys, and an LSN from
 * another cluster's WAL would mislead them.
 */
final class MemberStatusBuilder {
  private MemberStatusBuilder() {}

  static MemberStatus build(Cycle c) {
    LocalState l = c.local;
    HaConfig cfg = c.config;
    boolean usable = l.dataDirectory() == LocalState.DataDirectoryState.INITIALIZED && !c.sysidMismatch();
    MemberRole role = MemberStates.role(l, usable);
    boolean runningReplica = usable && l.isRunning() && role == MemberRole.REPLICA;

    Optional<Long> xlog = usable && l.walPosition() > 0 ? Optional.of(l.walPosition()) : Optional.empty();
    Optional<Long> timeline = usable ? l.timeline() : Optional.empty();
    Optional<String> replication = runningReplica ? l.replication().map(MemberStatusBuilder::wire) : Optional.empty();
    Optional<Long> receive = runningReplica ? l.receiveLsn() : Optional.empty();
    Optional<Long> replay = runningReplica ? l.replayLsn() : Optional.empty();
    Optional<String> version = cfg.agentVersion().isBlank() ? Optional.empty() : Optional.of(cfg.agentVersion());

    return new MemberStatus(cfg.connUrl(), cfg.apiUrl(), state(c), role, version, xlog, timeline, replication,
        receive, replay, cfg.tags(), usable && l.pendingRestart(), usable ? l.pendingRestartReason() : Map.of(),
        scheduledRestart(c), Optional.empty(), c.paused(), Map.of());
  }

  /** A restart scheduled on this member (an operator's request still waiting for its time), as Patroni publishes it. */
  private static Optional<MemberStatus.ScheduledRestart> scheduledRestart(Cycle c) {
    return c.obs.requests().stream()
        .filter(r -> r instanceof OperatorRequest.Restart)
        .map(r -> ((OperatorRequest.Restart) r).request())
        .filter(r -> r.schedule().isPresent())
        .findFirst()
        .map(r -> {
          Map<String, Object> extra = new java.util.LinkedHashMap<>();
          r.postgresVersion().ifPresent(v -> extra.put("postgres_version", RestartRequest.versionText(v)));
          return new MemberStatus.ScheduledRestart(r.schedule().get().toString(), Optional.empty(), extra);
        });
  }

  private static String wire(LocalState.ReplicationState s) {
    return s == LocalState.ReplicationState.STREAMING ? "streaming" : "in archive recovery";
  }

  /** What the member is doing: the long action in progress names it best, else the server process. */
  private static MemberState state(Cycle c) {
    AgentMemory.BootstrapState b = c.memory.bootstrap();
    if (b == AgentMemory.BootstrapState.FAILED || b == AgentMemory.BootstrapState.CANCELLED) {
      return MemberState.BOOTSTRAP_FAILED;
    }
    return MemberStates.state(c.local, c.obs.inProgress());
  }
}
