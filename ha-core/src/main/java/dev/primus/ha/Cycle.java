package dev.primus.ha;

import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.model.LeaderLock;
import dev.primus.dcs.model.Member;
import dev.primus.dcs.model.MemberStatus;
import dev.primus.dcs.model.SynchronousMode;
import dev.primus.dcs.model.Versioned;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One cycle's inputs and the facts derived from them, computed the same way for every branch of the
 * decision (who holds the lock and whether this member believes it, how far behind it is, which
 * timeline the cluster is on).
 */
final class Cycle {
  /** The shortest pause between cycles after a role change or during a race, when loop_wait is longer. */
  static final Duration SOON = Duration.ofMillis(500);

  final Observation obs;
  final AgentMemory memory;
  final HaConfig config;
  final Instant now;
  final ClusterView cluster;
  final LocalState local;
  final Settings settings;
  final String me;
  private MemberStatus status;

  Cycle(Observation obs, AgentMemory memory, HaConfig config, Instant now) {
    this.obs = obs;
    this.memory = memory;
    this.config = config;
    this.now = now;
    this.cluster = obs.cluster();
    this.local = obs.local();
    this.settings = Settings.of(cluster, config);
    this.me = config.name();
  }

  // ---- settings ----------------------------------------------------------------------------------

  DynamicConfig dcs() {
    return settings.dynamic();
  }

  Duration ttl() {
    return settings.timings().ttl();
  }

  Duration loopWait() {
    return settings.timings().loopWait();
  }

  Duration retryTimeout() {
    return settings.timings().retryTimeout();
  }

  /** The pause after a role change or during a race: short, but never longer than loop_wait. */
  Duration soon() {
    return loopWait().compareTo(SOON) < 0 ? loopWait() : SOON;
  }

  // ---- the DCS -----------------------------------------------------------------------------------

  boolean connected() {
    return cluster.connection().isConnected();
  }

  boolean paused() {
    return cluster.paused();
  }

  Optional<String> leader() {
    return cluster.leader().map(LeaderLock::holder);
  }

  /** The lock holder when it is somebody else. */
  Optional<String> otherLeader() {
    return leader().filter(l -> !l.equals(me));
  }

  Optional<Member> member(String name) {
    return cluster.member(name);
  }

  /** A pending switchover or failover request, if any. */
  Optional<Versioned<FailoverRequest>> failover() {
    return cluster.pendingFailover();
  }

  /** The {@code initialize} value: a system identifier, or {@code ""} while a bootstrap runs. */
  Optional<String> initialize() {
    return cluster.initialize().map(Versioned::value);
  }

  /** The cluster's timeline: the history's, or the leader's own if it already moved past that. */
  long clusterTimeline() {
    return clusterTimeline(cluster);
  }

  static long clusterTimeline(ClusterView cluster) {
    long fromHistory = cluster.history().currentTimeline();
    long fromLeader = cluster.leaderMember().flatMap(m -> m.status().timeline()).orElse(0L);
    return Math.max(fromHistory, fromLeader);
  }

  /** The configured {@code synchronous_mode}; an unreadable setting counts as the stricter {@code on}. */
  SynchronousMode syncMode() {
    return SwitchoverCheck.syncMode(dcs());
  }

  /** Synchronous replication restricts who may be promoted only while {@code sync} names a leader. */
  boolean syncRestrictsPromotion() {
    return SwitchoverCheck.syncRestrictsPromotion(cluster, dcs());
  }

  /** Whether {@code name} may be promoted as far as {@code sync} is concerned. */
  boolean syncAllows(String name) {
    return SwitchoverCheck.syncAllows(cluster, dcs(), name);
  }

  // ---- the leader lock ---------------------------------------------------------------------------

  /** The DCS view names this member as the lock holder. */
  boolean viewNamesMe() {
    return cluster.isLockedBy(me);
  }

  /** This member gave up or lost the lock within the last ttl, so a view that still names it is stale. */
  boolean lockLostRecently() {
    return memory.lockLostAt().map(t -> now.isBefore(t.plus(ttl()))).orElse(false);
  }

  /** Whether this member acts as the lock holder: the view names it and it has not given the lock up. */
  boolean holder() {
    return viewNamesMe() && !lockLostRecently();
  }

  /** How long the lock stays valid by this member's own reckoning, if it ever updated it. */
  Optional<Duration> lockRemaining() {
    return memory.lastLockUpdate().map(t -> Duration.between(now, t.plus(ttl())));
  }

  /** The last successful lock update is ttl or more ago. */
  boolean leaseExpired() {
    return lockRemaining().map(r -> r.isNegative() || r.isZero()).orElse(false);
  }

  /**
   * The last renewal failed (DCS unavailable) and the next cycle might come too late: a cycle can take
   * up to loop_wait plus a DCS retry, so with less than that left on the lease (or nothing known about
   * it) a primary must stop taking writes now, not after the lease has expired for the others.
   */
  boolean renewalFailingNearExpiry() {
    if (!memory.lastRenewFailed()) {
      return false;
    }
    Duration margin = loopWait().plus(retryTimeout());
    return lockRemaining().map(r -> r.compareTo(margin) < 0).orElse(true);
  }

  // ---- the local database ------------------------------------------------------------------------

  long myTimeline() {
    return local.timeline().orElse(0L);
  }

  /**
   * Bytes this member is behind the leader's last published position (0 if ahead or unknown), counting
   * its WAL only as far as it is the cluster's ({@link Divergence#sharedPosition}).
   */
  long lag() {
    return Math.max(0, cluster.status().optime() - Divergence.sharedPosition(this));
  }

  boolean lagTooHigh() {
    return lag() > dcs().maximumLagOnFailover();
  }

  boolean inProgress(Class<? extends Action> type) {
    return obs.inProgress().map(p -> type.isInstance(p.action())).orElse(false);
  }

  /** A stop of the database is already under way (a demote or a plain stop). */
  boolean stopUnderway() {
    return inProgress(Action.Demote.class) || inProgress(Action.StopDatabase.class);
  }

  boolean canFailover() {
    return config.tags().canFailover();
  }

  /** The data directory holds a different cluster than the one {@code initialize} names. */
  boolean sysidMismatch() {
    if (local.dataDirectory() != LocalState.DataDirectoryState.INITIALIZED || local.systemIdentifier().isEmpty()) {
      return false;
    }
    return initialize().filter(v -> !v.isEmpty()).map(v -> !v.equals(local.systemIdentifier().get())).orElse(false);
  }

  /**
   * Whom a replica streams from: the {@code replicatefrom} member when it exists, else the leader; no
   * one with {@code nostream}.
   */
  Optional<String> upstreamTarget() {
    if (config.tags().noStream()) {
      return Optional.empty();
    }
    Optional<String> cascade = config.tags().replicateFrom()
        .filter(name -> !name.equals(me))
        .filter(name -> member(name).isPresent());
    return cascade.isPresent() ? cascade : otherLeader();
  }

  /** This member's status as published in its member key this cycle. */
  MemberStatus myStatus() {
    if (status == null) {
      status = MemberStatusBuilder.build(this);
    }
    return status;
  }
}
