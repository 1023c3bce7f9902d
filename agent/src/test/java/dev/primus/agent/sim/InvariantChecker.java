package dev.primus.agent.sim;

import dev.primus.dcs.layout.PatroniCodec;
import dev.primus.dcs.model.SyncState;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.Snapshot;
import dev.primus.ha.Action;
import dev.primus.ha.DatabaseRole;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * DESIGN section 6, checked against the simulator's ground truth after every event (invariant 5 is
 * checked write by write in {@link AuditedStore}).
 *
 * <ol>
 *   <li>At no instant two databases run as writable primaries.</li>
 *   <li>When an agent issues a promotion ({@code Promote}, or {@code StartDatabase(PRIMARY)}) the
 *       leader key holds its name; when the server becomes writable, no other member holds the key; and
 *       it holds the last known primary position, less at most {@code maximum_lag_on_failover}, on the
 *       same history: the last {@code status} optime written by a member that was then a writable
 *       primary (a stale writer's put does not count), compared with the point where this server's
 *       WAL stops agreeing with that primary's (its position, or the fork if it is on another branch).
 *       WAL the old primary wrote after its last publication no engine can know about, so the true
 *       loss at a failover is reported separately ({@link #worstFailoverLoss()}), not judged.</li>
 *   <li>At the instant a leader key's lease runs out (and another member could first take the lock),
 *       the member it named no longer runs a writable primary, unless the cluster is paused (then
 *       nobody races for the lock) or, with {@code failsafe_mode}, its last decision kept it primary
 *       because every other member accepted its {@code POST /failsafe}. The {@link LeaseClock} puts an
 *       event at every such instant.</li>
 *   <li>Liveness. Once the cluster had a primary, whenever it has none while the DCS is up and the
 *       cluster is not paused, a primary must exist again within a bound counted from the later of the
 *       loss and the moment the current situation began:
 *       <ul>
 *         <li>the lock is free or held by a dead, frozen or cut-off member, and some member is a healthy
 *             candidate (see {@link #healthyCandidate}): {@link #livenessBound()};</li>
 *         <li>a responsive member holds the lock (it restarts its crashed primary, as Patroni does, or
 *             fails over once {@code primary_start_timeout} has passed): Patroni's documented worst
 *             case {@code loop_wait + primary_start_timeout + loop_wait}, plus the start latency and
 *             the failover bound.</li>
 *       </ul>
 *       Bootstrap must produce the first primary within {@link #BOOTSTRAP_BOUND}.</li>
 * </ol>
 * Invariant 7 ({@link #checkRejoin}): every member whose agent runs rejoins the primary within a bound.
 * With synchronous replication (the schedule's {@code synchronous_mode}), also reported as invariant 6
 * (DESIGN's invariant 2, its synchronous clause, made exact):
 * <ol start="6">
 *   <li>No commit acknowledged to a client is lost by a promotion: when a server becomes a writable
 *       primary by promotion, its WAL holds everything the last primary acknowledged, on the same
 *       history. A primary acknowledges a commit once the standbys its synchronous_standby_names makes
 *       it wait for have flushed it, or at once when it waits for none ({@link DatabaseFleet#trackAcknowledgements}).
 *       The healthy candidates of invariant 4 are then only those the {@code sync} key allows.</li>
 * </ol>
 */
final class InvariantChecker {
  /** Fault-free bootstrap of the first primary: initdb, plus a few loops. */
  static final Duration BOOTSTRAP_BOUND = Duration.ofMinutes(3);

  private final SimCluster world;
  private final Duration livenessBound;
  private final Duration recoveryBound;

  // invariant 1
  private Set<String> reportedPrimaries = Set.of();
  // invariant 2
  /** The last position a writable primary published in {@code status}, and that primary's history. */
  private long knownPosition;
  private Lineage knownLineage;
  private final Map<String, Long> lastPrimaryTruePosition = new HashMap<>();
  /** The WAL history of the latest writable primary, as of the last event. */
  private Lineage lastPrimaryLineage;
  private long worstFailoverLoss;
  // invariant 3
  private Optional<KeyValue> lastLeader = Optional.empty();
  // invariant 4
  private boolean everPrimary;
  private Instant lostAt;
  private Instant conditionsSince;
  private boolean reportedOutage;
  private Scheduler.Event deadline;
  private Duration longestOutage = Duration.ZERO;
  private int failovers;
  // invariant 7
  private final Duration rejoinBound;
  private String rejoinPrimary;
  private final Map<String, Instant> rejoinSince = new HashMap<>();
  private final Set<String> reportedRejoin = new java.util.HashSet<>();
  private final Set<String> namesakes = new java.util.HashSet<>();

  InvariantChecker(SimCluster world) {
    this.world = world;
    Duration slack = world.timings().retryTimeout().plus(dev.primus.agent.PeerClient.TIMEOUT).plusSeconds(1);
    this.livenessBound = world.timings().ttl().plus(world.timings().loopWait())
        .plus(DbLatencies.defaults().promoteLongest()).plus(slack);
    DbLatencies l = DbLatencies.defaults();
    Duration primaryStartTimeout = Duration.ofSeconds(300); // Patroni's default; the schedules keep it
    this.rejoinBound = world.timings().ttl().plus(world.timings().loopWait().multipliedBy(3))
        .plus(world.timings().retryTimeout().multipliedBy(2))
        .plus(Duration.ofMillis(l.signalMax() + l.fastStopMax() + l.immediateStopMax() + l.rewindMax() + l.baseBackupMax()
            + 2 * l.crashRecoveryMax() + l.startMax()))
        .plusSeconds(10);
    this.recoveryBound = world.timings().loopWait().multipliedBy(2).plus(primaryStartTimeout)
        .plus(Duration.ofMillis(l.startMax() + l.crashRecoveryMax())).plus(livenessBound);
  }

  /**
   * {@code ttl + loop_wait + promote latency + slack}, the slack being {@code retry_timeout} (a
   * candidate's cycle may be blocked in a failed DCS call when the conditions begin), Patroni's 2 s peer
   * timeout (a race asks the other members) and 1 s for watch delivery and a reload in flight.
   */
  Duration livenessBound() {
    return livenessBound;
  }

  /** The most WAL (bytes) a promoted replica lacked relative to the true end of the old primary. */
  long worstFailoverLoss() {
    return worstFailoverLoss;
  }

  Duration longestOutage() {
    return longestOutage;
  }

  int failovers() {
    return failovers;
  }

  void afterEvent(Snapshot s) {
    world.fleet().trackAcknowledgements();
    TreeSet<String> writable = new TreeSet<>();
    for (SimDatabase db : world.fleet().all()) {
      if (db.isWritablePrimary()) {
        writable.add(db.name());
        lastPrimaryTruePosition.put(db.systemIdentifier().orElse(""), db.position());
        lastPrimaryLineage = db.lineage();
      }
    }
    checkOnePrimary(writable);
    checkLockExpiry(s);
    checkLiveness(s, !writable.isEmpty());
    checkRejoin(s, writable);
  }

  // ---- 7 ------------------------------------------------------------------------------------

  /**
   * 7: while one writable primary holds the leader key, its agent responsive, the DCS up and the cluster
   * not paused, every other member whose agent runs (alive, not frozen, not cut off) and has not been left
   * down for the operator after a failed pg_rewind ({@code remove_data_directory_on_rewind_failure} off) is, within
   * {@link #rejoinBound()} of when those conditions began for it, a running replica streaming from that
   * primary on its history (streaming implies that in the model): rewound or reinitialised first if its WAL
   * went past the primary's fork, never left looping on the fork.
   */
  private void checkRejoin(Snapshot s, TreeSet<String> writable) {
    Optional<String> holder = s.get(world.keys().leader()).map(KeyValue::value);
    SimNode p = writable.size() == 1 && holder.equals(Optional.of(writable.first())) ? world.agent(writable.first()) : null;
    boolean steady = p != null && world.dcs().isAvailable() && !world.paused() && p.alive() && !p.frozen()
        && !world.isolated(p.name()) && !world.cutFromDcs(p.name());
    if (!steady || !p.name().equals(rejoinPrimary)) {
      rejoinSince.clear();
      rejoinPrimary = steady ? p.name() : null;
      if (!steady) {
        return;
      }
    }
    Instant now = world.now();
    for (SimNode a : world.agents()) {
      if (a == p) {
        continue;
      }
      SimDatabase db = a.database();
      // A member whose pg_rewind failed stays down for the operator when remove_data_directory_on_rewind_failure
      // is off (Patroni's default, which the simulated agents keep), as in Patroni: it is not expected back.
      boolean leftForTheOperator = a.lastReason() == dev.primus.ha.Reason.REWIND_FAILED;
      // A member on a namesake of the primary's branch (same timeline number, same switch LSN, see
      // Lineage#namesakeOf) cannot be told diverged from timelines and LSNs, by Primus or Patroni: a known
      // blind spot, traced and counted, not judged here.
      boolean namesake = db.initialized() && db.lineage().namesakeOf(p.database().lineage());
      if (namesake && namesakes.add(a.name() + "@" + db.lineage().last())) {
        world.trace("CHECK", a.name() + " is on a namesake of " + p.name() + "'s branch (" + db.lineage() + " vs "
            + p.database().lineage() + "): not expected to rejoin by itself");
      }
      boolean eligible = a.alive() && !a.frozen() && !world.isolated(a.name()) && !world.cutFromDcs(a.name())
          && !leftForTheOperator && !namesake;
      boolean rejoined = db.isRunningReplica() && db.streaming && db.upstream().equals(Optional.of(p.name()));
      if (!eligible || rejoined) {
        rejoinSince.remove(a.name());
        continue;
      }
      Instant since = rejoinSince.computeIfAbsent(a.name(), n -> now);
      if (now.isAfter(since.plus(rejoinBound)) && reportedRejoin.add(a.name() + "@" + since)) {
        world.violations().report(7, a.name() + " has not rejoined " + p.name() + " (a running replica streaming from it)"
            + " since " + world.traceLog().offset(since) + ", bound " + rejoinBound.toSeconds() + " s\n" + world.describe());
      }
    }
  }

  /** Members seen on a namesake of the primary's branch (see {@link Lineage#namesakeOf}), each branch once. */
  int namesakeBranches() {
    return namesakes.size();
  }

  /**
   * How long a member may take to rejoin the primary: ttl and three loops (it notices, stops, decides
   * again, with a DCS retry), plus the longest stop, rewind, base backup, two crash recoveries and a start,
   * and 10 s for watch delivery and the walreceiver.
   */
  Duration rejoinBound() {
    return rejoinBound;
  }

  // ---- 1 ------------------------------------------------------------------------------------

  private void checkOnePrimary(TreeSet<String> writable) {
    if (writable.size() < 2) {
      reportedPrimaries = Set.of();
      return;
    }
    if (!writable.equals(reportedPrimaries)) {
      reportedPrimaries = Set.copyOf(writable);
      world.violations().report(1, writable + " are writable primaries at once; leader key: "
          + world.lockHolder().orElse("(none)") + "\n" + world.describe());
    }
  }

  // ---- 2 ------------------------------------------------------------------------------------

  void longActionIssued(SimNode agent, Action action) {
    boolean promotes = action instanceof Action.Promote
        || action instanceof Action.StartDatabase s && s.role() == DatabaseRole.PRIMARY;
    if (!promotes) {
      return;
    }
    Optional<String> holder = world.lockHolder();
    if (!holder.equals(Optional.of(agent.name()))) {
      world.violations().report(2, agent.name() + " issued " + action + " while the leader key "
          + holder.map(h -> "names " + h).orElse("is absent") + "\n" + world.describe());
    }
  }

  /** How far WAL with this history, up to {@code position}, agrees with the last published primary's. */
  private long agreedPosition(Lineage lineage, long position) {
    return knownLineage == null ? position : Math.min(position, knownLineage.forkPoint(lineage));
  }

  /**
   * A {@code status} write. Only a primary publishes a primary position: one that runs, or one that
   * has just stopped cleanly (the shutdown checkpoint a demotion writes before it releases the lock). A
   * stale writer (a crashed primary, a replica) cannot move what the cluster knows, though its plain put
   * does change the key.
   */
  void statusWritten(String writer, String value) {
    SimDatabase db = world.fleet().get(writer);
    boolean primary = db != null && db.role().filter(r -> r == DatabaseRole.PRIMARY).isPresent();
    if (primary && (db.isWritablePrimary() || db.process() == SimDatabase.Process.STOPPED && db.probe().cleanShutdown())) {
      PatroniCodec.decodeStatus(world.keys().status(), value, 0).toOptional().ifPresent(st -> {
        knownPosition = st.optime();
        knownLineage = db.lineage();
      });
    }
  }

  void becameWritable(SimDatabase db, SimDatabase.WritableCause cause) {
    if (cause == SimDatabase.WritableCause.BOOTSTRAP) {
      return;
    }
    Optional<String> holder = world.lockHolder();
    if (holder.isPresent() && !holder.get().equals(db.name())) {
      world.violations().report(2, db.name() + " became a writable primary (" + cause + ") while " + holder.get()
          + " holds the leader key\n" + world.describe());
    }
    if (cause != SimDatabase.WritableCause.RESTART_AS_PRIMARY) {
      failovers++;
    }
    // How far this server's WAL agrees with what the last primary published: a server that went its
    // own way on another timeline (or stayed on an old one) lacks everything past the fork.
    Lineage before = db.lineage();
    if (cause != SimDatabase.WritableCause.RESTART_AS_PRIMARY && before.segments().size() > 1) {
      before = new Lineage(before.segments().subList(0, before.segments().size() - 1)); // minus the new timeline
    }
    long agreed = agreedPosition(before, db.position());
    long limit = world.schedule().maximumLagOnFailover();
    if (knownPosition - agreed > limit) {
      world.violations().report(2, db.name() + " became a writable primary (" + cause + ") holding the last primary's WAL"
          + " up to LSN " + agreed + ", " + (knownPosition - agreed) + " bytes behind the last known primary position "
          + knownPosition + " (maximum_lag_on_failover " + limit + "); status key now: "
          + world.dcs().peek(world.keys().status()).entries().stream().map(kv -> kv.value()).findFirst().orElse("(none)")
          + "\n" + world.describe());
    }
    long truth = lastPrimaryTruePosition.getOrDefault(db.systemIdentifier().orElse(""), 0L);
    worstFailoverLoss = Math.max(worstFailoverLoss, truth - agreed);
    if (synchronous() && cause != SimDatabase.WritableCause.RESTART_AS_PRIMARY) {
      checkAcknowledgedKept(db, cause, before);
    }
  }

  private boolean synchronous() {
    return world.schedule().sync() != Schedule.Sync.OFF;
  }

  /** 6: the promoted server's WAL, up to where it agrees with the last primary's, holds every acknowledged commit. */
  private void checkAcknowledgedKept(SimDatabase db, SimDatabase.WritableCause cause, Lineage before) {
    Lineage acked = world.fleet().acknowledgedLineage();
    if (acked == null) {
      return;
    }
    long ackedUpTo = world.fleet().acknowledgedPosition();
    long holds = Math.min(db.position(), acked.forkPoint(before));
    if (holds < ackedUpTo) {
      world.violations().report(6, db.name() + " became a writable primary (" + cause + ") holding the acknowledged"
          + " history only up to LSN " + holds + ", but commits up to " + ackedUpTo + " were acknowledged to clients ("
          + (ackedUpTo - holds) + " bytes of acknowledged commits lost); sync key: "
          + world.dcs().peek(world.keys().sync()).entries().stream().map(KeyValue::value).findFirst().orElse("(none)")
          + "\n" + world.describe());
    }
  }


  // ---- 3 ------------------------------------------------------------------------------------

  private void checkLockExpiry(Snapshot s) {
    Optional<KeyValue> leader = s.get(world.keys().leader());
    if (lastLeader.isPresent()) {
      KeyValue was = lastLeader.get();
      boolean gone = leader.isEmpty() || !leader.get().leaseId().equals(was.leaseId());
      if (gone && was.leaseId().isPresent() && world.leases().expired(was.leaseId().get())) {
        SimDatabase db = world.fleet().get(was.value());
        world.trace("CHECK", "leader lock of " + was.value() + " expired");
        // In maintenance mode (pause) nobody races for the lock, so a primary may run on without it
        // (Patroni: "PAUSE: continue to run as primary without lock"); invariant 1 still watches.
        // With failsafe_mode a primary that every other member agreed to (POST /failsafe) runs on without
        // its lock by design: those members stay out of the race, and invariant 1 still watches.
        SimNode holder = world.agent(was.value());
        boolean failsafe = world.schedule().failsafe() && holder != null && holder.leadingInFailsafe();
        // Without a watchdog nothing stops a frozen agent's primary at the expiry (it cannot step down itself):
        // the member that wins the race fences it through its database before promoting, and invariant 1
        // watches that this happens (the fault injector still freezes no agent in such a schedule).
        boolean frozenWithoutWatchdog = !world.schedule().watchdog() && holder != null && holder.frozen();
        if (db != null && db.isWritablePrimary() && !world.paused() && !failsafe && !frozenWithoutWatchdog) {
          world.violations().report(3, "the leader lock of " + was.value() + " expired (lease " + was.leaseId().get()
              + ") while its database is still a writable primary\n" + world.describe());
        }
      }
    }
    lastLeader = leader;
  }

  // ---- 4 ------------------------------------------------------------------------------------

  /** Who is expected to bring a primary back, and so which bound applies. */
  private enum Phase {
    /** The lock is free, or held by a dead, frozen or cut-off member: a healthy replica must take over. */
    FAILOVER,
    /** A responsive member holds the lock: it restarts its crashed primary, or promotes, or gives up. */
    HOLDER_RECOVERS
  }

  private Phase phase;

  private void checkLiveness(Snapshot s, boolean primaryExists) {
    Instant now = world.now();
    if (primaryExists) {
      if (lostAt != null) {
        Duration outage = Duration.between(lostAt, now);
        if (outage.compareTo(longestOutage) > 0) {
          longestOutage = outage;
        }
      }
      everPrimary = true;
      lostAt = null;
      phase = null;
      conditionsSince = null;
      reportedOutage = false;
      cancelDeadline();
      return;
    }
    if (!everPrimary) {
      if (world.events() > 0 && !reportedOutage && world.elapsed().compareTo(BOOTSTRAP_BOUND) > 0) {
        reportedOutage = true;
        world.violations().report(4, "no primary " + BOOTSTRAP_BOUND.toSeconds() + " s after the start (bootstrap)\n"
            + world.describe());
      }
      return;
    }
    if (lostAt == null) {
      lostAt = now;
      world.trace("CHECK", "no writable primary");
    }
    Phase p = null;
    String who = null;
    if (world.dcs().isAvailable() && !world.paused()) {
      Optional<String> holder = s.get(world.keys().leader()).map(KeyValue::value);
      SimNode h = holder.map(world::agent).orElse(null);
      // A holder whose server is shutting down (a demotion's stop, which may hang until escalated) brings
      // nothing back: it must let a healthy candidate take over within the failover bound.
      boolean holderStopping = h != null && h.database().process() == SimDatabase.Process.STOPPING;
      Optional<String> takeover = holderStopping ? healthyCandidate(s) : Optional.empty();
      if (takeover.isPresent()) {
        p = Phase.FAILOVER;
        who = takeover.get();
      } else if (h != null && h.alive() && !h.frozen() && !world.isolated(h.name()) && !world.cutFromDcs(h.name())) {
        p = Phase.HOLDER_RECOVERS;
        who = h.name();
      } else {
        Optional<String> candidate = healthyCandidate(s);
        if (candidate.isPresent()) {
          p = Phase.FAILOVER;
          who = candidate.get();
        }
      }
    }
    if (p != phase) {
      phase = p;
      conditionsSince = p == null ? null : now;
      cancelDeadline();
    }
    if (p == null) {
      return;
    }
    Duration bound = p == Phase.FAILOVER ? livenessBound : recoveryBound;
    Instant from = lostAt.isAfter(conditionsSince) ? lostAt : conditionsSince;
    Instant due = from.plus(bound);
    if (now.isAfter(due)) {
      if (!reportedOutage) {
        reportedOutage = true;
        world.violations().report(4, "no primary since " + world.traceLog().offset(lostAt) + "; "
            + (p == Phase.FAILOVER ? "a healthy candidate (" + who + ")" : "a responsive lock holder (" + who + ")")
            + " and a reachable DCS since " + world.traceLog().offset(conditionsSince) + ", bound " + bound.toSeconds()
            + " s\n" + world.describe());
      }
    } else if (deadline == null || !deadline.at.equals(due.plusMillis(1))) {
      cancelDeadline();
      deadline = world.scheduler().at(due.plusMillis(1), "liveness deadline", () -> { });
    }
  }

  private void cancelDeadline() {
    if (deadline != null) {
      deadline.cancel();
      deadline = null;
    }
  }

  /**
   * A member that could take over now: agent running, not frozen, not cut off; database running as a
   * replica of this cluster; not tagged nofailover; holding the last known primary position less at
   * most {@code maximum_lag_on_failover} on the same history (the yardstick of invariant 2: a member
   * that could not be promoted without breaking it is no candidate); in synchronous mode, named in the
   * {@code sync} key (as a standby, or as its leader) when that key names a leader.
   */
  Optional<String> healthyCandidate(Snapshot s) {
    String sysid = s.get(world.keys().initialize()).map(KeyValue::value).orElse("");
    Optional<SyncState> sync = synchronous()
        ? s.get(world.keys().sync()).flatMap(kv -> PatroniCodec.decodeSync(kv.key(), kv.value(), kv.version()).toOptional())
            .filter(st -> st.leader().isPresent())
        : Optional.empty();
    Optional<String> lone = loneFailsafeMemberNotAnswering(s);
    Optional<String> first = Optional.empty();
    long best = Long.MIN_VALUE;
    for (SimNode a : world.agents()) {
      if (lone.isPresent() && !lone.get().equals(a.name())) {
        continue;
      }
      SimDatabase db = a.database();
      boolean syncAllows = sync.map(st -> st.isSyncStandby(a.name()) || st.leader().get().equals(a.name())).orElse(true);
      if (a.alive() && !a.frozen() && !world.isolated(a.name()) && !world.cutFromDcs(a.name()) && db.isRunningReplica()
          && db.systemIdentifier().equals(Optional.of(sysid)) && a.config().tags().canFailover() && syncAllows
          && knownPosition - agreedPosition(db.lineage(), db.position()) <= world.schedule().maximumLagOnFailover()) {
        if (first.isEmpty()) {
          first = Optional.of(a.name());
        }
        best = Math.max(best, db.position());
      }
    }
    if (first.isPresent() && deferredTo(s, best).isPresent()) {
      return Optional.empty();
    }
    return first;
  }

  /**
   * With {@code failsafe_mode}, the member a {@code failsafe} key lists alone when it cannot answer a peer
   * query (dead, frozen or cut off): it may be a one-member cluster's primary running on failsafe without
   * the DCS, so no unlisted member may race until it answers (Patroni's rule: an unlisted member never
   * races). Liveness then waits for it to come back, as in Patroni.
   */
  private Optional<String> loneFailsafeMemberNotAnswering(Snapshot s) {
    if (!world.schedule().failsafe()) {
      return Optional.empty();
    }
    Optional<Map<String, String>> key = s.get(world.path().failsafe())
        .flatMap(kv -> PatroniCodec.decodeFailsafe(kv.key(), kv.value(), kv.version()).toOptional());
    if (key.isEmpty() || key.get().size() != 1) {
      return Optional.empty();
    }
    String lone = key.get().keySet().iterator().next();
    SimNode l = world.agent(lone);
    boolean answers = l != null && l.alive() && !l.frozen() && !world.isolated(lone);
    return answers ? Optional.empty() : Optional.of(lone);
  }

  /**
   * A member every candidate defers to although it cannot take the lock itself: cut off from the DCS only
   * (so it still answers peer queries), its member key not yet expired (so the candidates still ask it), a
   * running replica that may fail over, ahead of every candidate ({@code best}). The leader race waits for
   * it, in Patroni too, until its key expires; the liveness bound is counted from then.
   */
  private Optional<String> deferredTo(Snapshot s, long best) {
    for (SimNode b : world.agents()) {
      if (b.alive() && !b.frozen() && !world.isolated(b.name()) && world.cutFromDcs(b.name())
          && s.get(world.path().member(b.name())).isPresent() && b.database().isRunningReplica()
          && b.config().tags().canFailover() && b.database().position() > best) {
        return Optional.of(b.name());
      }
    }
    return Optional.empty();
  }
}
