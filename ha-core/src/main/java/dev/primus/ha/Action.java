package dev.primus.ha;

import dev.primus.dcs.model.ClusterStatus;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.model.MemberStatus;
import dev.primus.dcs.model.SyncState;
import dev.primus.dcs.model.TimelineHistory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One step the executor carries out. A {@link Decision} lists them in order; the executor runs them in
 * that order and stops at the first that fails, then reports every outcome to
 * {@link AgentMemory#record}.
 *
 * <p>{@link #isLong()} actions (base backup, rewind, restart, promote, demote) run asynchronously: the
 * loop keeps deciding (and renewing the lock) while they run, and {@link Observation#inProgress()}
 * reports them.
 */
public sealed interface Action {

  /** Whether the executor runs this asynchronously, off the loop thread. */
  default boolean isLong() {
    return false;
  }

  /** Whether this action writes to the DCS (the loop re-observes at once after one). */
  default boolean writesDcs() {
    return false;
  }

  // ---- DCS: the leader lock -------------------------------------------------------------------

  /** Take the leader lock if nobody holds it (create-if-absent with this member's lease). */
  record AcquireLeaderLock() implements Action {
    @Override public boolean writesDcs() { return true; }
  }

  /** Keep the leader lock (lease keep-alive, re-attach by CAS if the lease changed). */
  record RenewLeaderLock() implements Action {
    @Override public boolean writesDcs() { return true; }
  }

  /** Give the lock up now (delete the leader key only if it still names this member). */
  record ReleaseLeaderLock() implements Action {
    @Override public boolean writesDcs() { return true; }
  }

  // ---- DCS: other keys ------------------------------------------------------------------------

  /** Write {@code failsafe} = member name to {@code api_url} (a plain put, as Patroni does). */
  record WriteFailsafe(java.util.Map<String, String> members) implements Action {
    public WriteFailsafe {
      members = java.util.Map.copyOf(members);
    }
    @Override public boolean writesDcs() { return true; }
  }

  /** Delete {@code failsafe}: failsafe_mode was turned off, so no primary relies on a stale topology. */
  record DeleteFailsafe() implements Action {
    @Override public boolean writesDcs() { return true; }
  }

  /** Race for {@code initialize} (create-if-absent) with an empty value: the winner bootstraps. */
  record RaceInitialize() implements Action {
    @Override public boolean writesDcs() { return true; }
  }

  /** Write the system identifier into {@code initialize} (CAS on {@code expectedVersion}, or create). */
  record WriteInitialize(String systemIdentifier, Optional<Long> expectedVersion) implements Action {
    public WriteInitialize {
      Objects.requireNonNull(systemIdentifier, "systemIdentifier");
      Objects.requireNonNull(expectedVersion, "expectedVersion");
    }
    @Override public boolean writesDcs() { return true; }
  }

  /** A bootstrap failed: delete {@code initialize} so another member can try. */
  record CancelInitialize() implements Action {
    @Override public boolean writesDcs() { return true; }
  }

  /** Write this member's key (with the lease). Done every cycle the DCS is reachable. */
  record TouchMember(MemberStatus status) implements Action {
    public TouchMember {
      Objects.requireNonNull(status, "status");
    }
    @Override public boolean writesDcs() { return true; }
  }

  /** Write {@code config}: create it when {@code expectedVersion} is empty, else CAS. */
  record WriteConfig(DynamicConfig config, Optional<Long> expectedVersion) implements Action {
    public WriteConfig {
      Objects.requireNonNull(config, "config");
      Objects.requireNonNull(expectedVersion, "expectedVersion");
    }
    @Override public boolean writesDcs() { return true; }
  }

  /** Write {@code status} (the leader's optime and slots). */
  record WriteStatus(ClusterStatus status) implements Action {
    public WriteStatus {
      Objects.requireNonNull(status, "status");
    }
    @Override public boolean writesDcs() { return true; }
  }

  /** Write {@code history} after a promotion. */
  record WriteHistory(TimelineHistory history) implements Action {
    public WriteHistory {
      Objects.requireNonNull(history, "history");
    }
    @Override public boolean writesDcs() { return true; }
  }

  /** Clear a handled or invalid {@code failover} request: CAS-write {@code {}} on {@code version}. */
  record ClearFailover(long version) implements Action {
    @Override public boolean writesDcs() { return true; }
  }

  /** Rewrite {@code failover} (e.g. drop the leader from a paused switchover), CAS on {@code version}. */
  record WriteFailover(FailoverRequest request, long version) implements Action {
    public WriteFailover {
      Objects.requireNonNull(request, "request");
    }
    @Override public boolean writesDcs() { return true; }
  }

  /**
   * Write {@code sync} by CAS ({@code expectedVersion} empty creates it). A conflict means somebody else
   * changed the key; the engine decides again on a fresh view rather than write over it.
   */
  record WriteSyncState(SyncState state, Optional<Long> expectedVersion) implements Action {
    public WriteSyncState {
      Objects.requireNonNull(state, "state");
      Objects.requireNonNull(expectedVersion, "expectedVersion");
    }
    @Override public boolean writesDcs() { return true; }
  }

  /** Delete {@code sync} by CAS on {@code version}: synchronous mode was turned off. */
  record DeleteSyncState(long version) implements Action {
    @Override public boolean writesDcs() { return true; }
  }

  // ---- the watchdog ---------------------------------------------------------------------------

  /**
   * Arm the watchdog (open the device): from now on a frozen agent gets its node reset once the
   * watchdog timeout ({@code ttl} minus a safety margin) passes without a keepalive. Emitted before a
   * promotion, whenever a non-paused leader finds it disarmed, and right after a demotion of a primary
   * that has no lock (so a freeze before the stop still ends in a reset). With the watchdog configured off the
   * executor reports success without doing anything; in {@code required} mode a failure makes the
   * engine give up the lock.
   */
  record ActivateWatchdog() implements Action {}

  /** Pet the armed watchdog. Emitted only right after a successful lock update, in the same decision. */
  record KeepaliveWatchdog() implements Action {}

  /** Disarm the watchdog cleanly (magic close): when paused, or when this member no longer leads. */
  record DisableWatchdog() implements Action {}

  // ---- peers ---------------------------------------------------------------------------------

  /**
   * Ask these members for their status ({@code GET /patroni}, short timeout) and decide again with the
   * answers in {@link Observation#peers()}. Only asked for during a leader race.
   */
  record QueryPeers(List<String> members) implements Action {
    public QueryPeers {
      members = List.copyOf(members);
    }
  }

  /**
   * Failsafe mode, the DCS unreachable: send {@code POST /failsafe} to these members (name to REST API
   * URL, from the last known {@code failsafe} key) in parallel with a short timeout, and decide again at
   * once with the answers in {@link Observation#failsafeAnswers()}.
   *
   * @param members     who to ask, by name, with their {@code api_url}
   * @param walPosition this primary's current WAL position, sent as its {@code slots} entry
   */
  record AskFailsafe(java.util.Map<String, String> members, long walPosition) implements Action {
    public AskFailsafe {
      members = java.util.Map.copyOf(members);
    }
  }

  /**
   * Every member of {@code failsafe} accepted: keep running as the primary without the DCS. Nothing to
   * execute beyond reporting it ({@code failsafe_mode_is_active}); the memory counts this member leader
   * for a ttl from {@code since}, as a lock renewal would.
   *
   * @param since when the accepted requests were sent
   */
  record KeepLeadingInFailsafe(java.time.Instant since) implements Action {
    public KeepLeadingInFailsafe {
      Objects.requireNonNull(since, "since");
    }
  }

  // ---- the database --------------------------------------------------------------------------

  /** initdb (or the custom bootstrap method) a new cluster, then start it as primary. */
  record Bootstrap() implements Action {
    @Override public boolean isLong() { return true; }
  }

  /**
   * Build a replica from {@code source} (base backup or the configured replica methods), or, with no
   * source, with the methods that need no member to copy from (Patroni's {@code no_leader}: a restore
   * from a backup), for an initialized cluster that has no leader.
   */
  record CreateReplica(Optional<String> source) implements Action {
    public CreateReplica {
      Objects.requireNonNull(source, "source");
    }

    /** From the member {@code source}. */
    public CreateReplica(String source) {
      this(Optional.of(Objects.requireNonNull(source, "source")));
    }

    @Override public boolean isLong() { return true; }
  }

  /** Start the database in {@code role}, streaming from {@code upstream} when a replica. */
  record StartDatabase(DatabaseRole role, Optional<String> upstream) implements Action {
    public StartDatabase {
      Objects.requireNonNull(role, "role");
      Objects.requireNonNull(upstream, "upstream");
    }
    @Override public boolean isLong() { return true; }
  }

  /** Stop the database. */
  record StopDatabase(StopMode mode) implements Action {
    public StopDatabase {
      Objects.requireNonNull(mode, "mode");
    }
    @Override public boolean isLong() { return true; }
  }

  /**
   * Restart the database in its current role (an operator's restart, now or at its scheduled time).
   *
   * @param timeout how long the restart may take; empty: the agent's database timeout
   * @param request the {@link OperatorRequest} it carries out, if one
   */
  record RestartDatabase(Optional<Duration> timeout, Optional<Long> request) implements Action {
    public RestartDatabase {
      Objects.requireNonNull(timeout, "timeout");
      Objects.requireNonNull(request, "request");
    }

    /** A restart nobody asked for by request, with the agent's database timeout. */
    public RestartDatabase() {
      this(Optional.empty(), Optional.empty());
    }

    @Override public boolean isLong() { return true; }
  }

  /**
   * Before promoting, without a watchdog: make the former primary {@code member} stop taking writes through
   * its own database, where it can still be reached (its agent may be frozen while its server runs), with
   * {@link dev.primus.ha.driver.DatabaseDriver#fenceFormerPrimary}. Best effort: the executor reports it
   * succeeded whatever the driver could do (fenced, not reachable, already in recovery, not supported) and
   * says which in an event; the lock is the authority, and the promotion that follows goes ahead.
   *
   * @param member  the member that led before (the one this replica streamed from)
   * @param connUrl its {@code conn_url} when the view still shows its member key; empty: the executor uses
   *                the last one it saw published
   */
  record FenceFormerPrimary(String member, Optional<String> connUrl) implements Action {
    public FenceFormerPrimary {
      Objects.requireNonNull(member, "member");
      Objects.requireNonNull(connUrl, "connUrl");
    }
  }

  /** Promote this replica ({@code pg_ctl promote}, wait for the end of recovery, then a CHECKPOINT). */
  record Promote() implements Action {
    @Override public boolean isLong() { return true; }
  }

  /**
   * Step down as primary in {@code mode}: a CHECKPOINT first when the mode asks for one (so the stop is
   * quick), then the stop in the mode's {@link DemoteMode#stopMode()}. Nothing else: the engine's next
   * decisions, once the server is down, write the shutdown checkpoint into {@code status}, release the
   * lock if the mode gives it up, and start as a replica of {@code newUpstream} if one is known
   * ({@link AgentMemory#demotion()} carries the plan from this decision to those).
   *
   * <p>{@code stopWithin} bounds the stop, decided by the engine ({@code Demotions.stopBound}): the
   * executor stops in the mode's way for the first half of it, then immediately, and kills the postmaster
   * when even that has not ended at the bound (a fast shutdown can wait a whole {@code wal_sender_timeout}
   * for a standby that no longer answers).
   */
  record Demote(DemoteMode mode, Optional<String> newUpstream, Duration stopWithin) implements Action {
    /** The bound of a demotion whose decision named none (tests, callers outside the engine). */
    public static final Duration DEFAULT_STOP_WITHIN = Duration.ofSeconds(30);

    public Demote {
      Objects.requireNonNull(mode, "mode");
      Objects.requireNonNull(newUpstream, "newUpstream");
      Objects.requireNonNull(stopWithin, "stopWithin");
      if (stopWithin.isNegative() || stopWithin.isZero()) {
        throw new IllegalArgumentException("stopWithin must be positive, got " + stopWithin);
      }
    }

    /** A demotion bounded by {@link #DEFAULT_STOP_WITHIN}. */
    public Demote(DemoteMode mode, Optional<String> newUpstream) {
      this(mode, newUpstream, DEFAULT_STOP_WITHIN);
    }

    @Override public boolean isLong() { return true; }
  }

  /** Point a running replica at a new upstream (rewrite primary_conninfo, reload or restart). */
  record Follow(String upstream) implements Action {
    public Follow {
      Objects.requireNonNull(upstream, "upstream");
    }
    @Override public boolean isLong() { return true; }
  }

  /** Resynchronise a diverged former primary from {@code source} with pg_rewind. */
  record Rewind(String source) implements Action {
    public Rewind {
      Objects.requireNonNull(source, "source");
    }
    @Override public boolean isLong() { return true; }
  }

  /**
   * Wipe the data directory and build a fresh replica from {@code source}.
   *
   * @param request the operator's {@link OperatorRequest.Reinitialize} it carries out, if one
   */
  record Reinitialize(String source, Optional<Long> request) implements Action {
    public Reinitialize {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(request, "request");
    }

    /** A reinitialization the engine decided by itself (a failed rewind, diverged timelines). */
    public Reinitialize(String source) {
      this(source, Optional.empty());
    }

    @Override public boolean isLong() { return true; }
  }

  /**
   * Set {@code synchronous_standby_names} so that every commit waits for {@code count} of
   * {@code members} (all of them, as the engine uses it), overriding the user's value, and reload: the
   * driver's {@link dev.primus.ha.driver.DatabaseDriver#setSynchronousStandbys}. {@code members} empty:
   * commits wait for no standby; {@code ["*"]}: for any one standby. Short: a file write and a reload.
   * The engine orders it against {@link WriteSyncState} so that {@code sync} never names a standby
   * commits do not wait for.
   */
  record SetSynchronousStandbys(List<String> members, int count) implements Action {
    public SetSynchronousStandbys {
      members = List.copyOf(members);
      if (count < 0 || count > Math.max(1, members.size()) || members.isEmpty() != (count == 0)) {
        throw new IllegalArgumentException("synchronous standbys: count " + count + " does not fit " + members);
      }
    }
  }

  /**
   * Stop overriding {@code synchronous_standby_names}: the user's configured value (or none) applies
   * again, after a reload. Synchronous mode was turned off.
   */
  record ClearSynchronousStandbys() implements Action {}

  /** Reload the database configuration (SIGHUP). */
  record ReloadDatabase() implements Action {}

  /**
   * Hand the parameters (the DCS config's {@code postgresql.parameters} over the local ones) to the driver,
   * which rewrites its configuration and reloads:
   * {@link dev.primus.ha.driver.DatabaseDriver#applyParameters(Map, Optional)}. Emitted when the configured
   * parameters changed, on an operator's reload, and once after the agent starts.
   *
   * @param parameters the dynamic parameters, and the local ones if the agent knows them
   * @param request    the operator's {@link OperatorRequest.Reload} it carries out, if one
   * @param announce   run the {@code on_reload} callback once it succeeded (not for the first apply after
   *                   a start, which changes nothing the operator did)
   */
  record ApplyParameters(ParameterSet parameters, Optional<Long> request, boolean announce) implements Action {
    public ApplyParameters {
      Objects.requireNonNull(parameters, "parameters");
      Objects.requireNonNull(request, "request");
    }
  }

  /**
   * Make the replication slots of this server exactly {@code members} (physical slots, named after the
   * members that stream from it) plus {@code permanent} (the DCS config's {@code slots}), and move the
   * logical ones of {@code advance} forward:
   * {@link dev.primus.ha.driver.DatabaseDriver#ensureSlots(java.util.Set, Map, Map)}.
   *
   * @param members        member slots to keep: the members streaming from this server, and those kept
   *                       while they are away
   * @param permanent      permanent slots, name to definition: all of them on the primary; on a replica the
   *                       logical ones (Patroni's permanent logical slots on replicas), which the driver keeps
   *                       but cannot create there ({@link CopyLogicalSlots} does)
   * @param retainedSince  of {@code members}, those kept while away, with when their absence was first
   *                       seen ({@code member_slots_ttl} counts from then); the memory keeps it
   * @param advance        logical slots of {@code permanent} to move forward to the position given (a
   *                       replica: where the primary's consumer confirmed, as far as this server replayed);
   *                       empty on the primary
   */
  record EnsureSlots(java.util.Set<String> members, Map<String, Object> permanent, Map<String, Instant> retainedSince,
      Map<String, Long> advance) implements Action {
    public EnsureSlots {
      members = java.util.Set.copyOf(members);
      permanent = Map.copyOf(permanent);
      retainedSince = Map.copyOf(retainedSince);
      advance = Map.copyOf(advance);
    }

    /** Nothing to advance (a primary). */
    public EnsureSlots(java.util.Set<String> members, Map<String, Object> permanent, Map<String, Instant> retainedSince) {
      this(members, permanent, retainedSince, Map.of());
    }
  }

  /**
   * Copy the permanent logical slots {@code slots} from the primary {@code source} into this replica, which
   * lacks them (Patroni's {@code copy_logical_slots}): the driver reads each slot's state from the primary,
   * stops this replica, puts the state into its data directory and starts it again in the same role:
   * {@link dev.primus.ha.driver.DatabaseDriver#copyLogicalSlots}. From then on {@link EnsureSlots#advance}
   * moves them along with the primary's, so a logical consumer resumes from its confirmed position on this
   * member once it is promoted. Long: the replica restarts.
   *
   * @param source the member holding the leader lock, running as the primary
   * @param slots  slot name to its definition in the DCS config's {@code slots}
   */
  record CopyLogicalSlots(String source, Map<String, Object> slots) implements Action {
    public CopyLogicalSlots {
      Objects.requireNonNull(source, "source");
      slots = Map.copyOf(slots);
    }

    @Override public boolean isLong() { return true; }
  }

  // ---- the agent itself ----------------------------------------------------------------------

  /**
   * Use a lease of {@code ttl} for this member's keys from the next lock update on (the effective
   * {@code ttl} changed, e.g. by {@code edit-config}). The executor replaces its DCS handle; nothing is
   * written until the next lock or member write moves the keys to the new lease.
   */
  record ResizeLease(Duration ttl) implements Action {
    public ResizeLease {
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("ttl must be positive, got " + ttl);
      }
    }
  }

  /**
   * Answer an operator's request with a refusal ({@code reason} says why, in words the REST API passes
   * on). Nothing is executed; the agent completes the request.
   */
  record RefuseRequest(long request, String reason) implements Action {
    public RefuseRequest {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** Run a CHECKPOINT (after a promotion, so a later pg_rewind against this node works). */
  record Checkpoint() implements Action {}
}
