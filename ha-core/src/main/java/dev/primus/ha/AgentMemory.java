package dev.primus.ha;

import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.MemberStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What the engine remembers between cycles, as a value: the runner keeps the current one, hands it to
 * {@code decide}, and folds each action's outcome into it with {@link #record}. Nothing here is read
 * from a clock; every instant came in as an input.
 *
 * <p>The memory learns only from the actions the engine asked for and how they ended. Facts about a
 * cycle (was the cluster paused, did the database run, where was the replica) come back through the
 * {@link Action.TouchMember} of that cycle, whose {@link MemberStatus} is the engine's own summary of
 * what it observed.
 *
 * <p>For lock actions, {@code at} should be the instant the request was <em>sent</em>: the server's
 * lease runs from some instant after that, so validity measured from it is never longer than the
 * lease's.
 *
 * @param lastLockUpdate       when this member last acquired or renewed the leader lock successfully; it
 *                             counts itself leader only while {@code now < lastLockUpdate + ttl}
 * @param lockLostAt           when this member learned it no longer holds the lock (a renewal was
 *                             refused, or it released the lock); a DCS view that still names it within
 *                             ttl of this is stale and is not believed
 * @param lastRenewFailed      the last renewal failed without a refusal (DCS unavailable): whether it
 *                             still holds the lock is unknown, so a primary steps down while there is
 *                             still time before the lease can expire
 * @param lostLastRace         the last {@link Action.AcquireLeaderLock} found the lock taken
 * @param watchdogActive       the watchdog is armed
 * @param watchdogFailed       arming or petting the watchdog failed: the lock must be given up
 * @param promoteFailed        the last promotion failed: the lock must be given up
 * @param leadershipDeclinedAt when this member gave the lock up because of {@link #watchdogFailed} or
 *                             {@link #promoteFailed}; it does not race again within ttl of it
 * @param bootstrap            where this member is in bootstrapping a new cluster
 * @param crashedPrimarySince  when this member was first seen as a stopped or crashed primary (from
 *                             its member status); {@code primary_start_timeout} counts from here
 * @param rewind               pg_rewind bookkeeping
 * @param pausedLastCycle      the cluster was paused in the last cycle that touched the member key
 * @param lastReplicaPosition  the last timeline and WAL position published while running as a replica;
 *                             after a promotion it is where the old timeline ended
 * @param lastPrimaryTimeline  the last timeline this data directory was seen to run on as a primary (until
 *                             it is resynchronised): once it runs as a replica the probe no longer says so,
 *                             and a timeline it created is not the same as another branch's namesake
 * @param demotion             a {@link Action.Demote} stopped the server and what is left to do once it is
 *                             down: release the lock (if the mode gives it up), start as a replica
 * @param slots                the replication slots last handed to the driver ({@link Action.EnsureSlots})
 * @param parametersApplied    the parameters last applied ({@link Action.ApplyParameters}); empty until the
 *                             first apply after the agent started
 * @param parametersRefused    parameters the driver refused: not tried again until they change
 * @param leaseTtl             the ttl of the lease the executor uses, once it has been set to the effective
 *                             one ({@link Action.ResizeLease})
 * @param failsafeActive       failsafe mode keeps this member primary without the DCS: from the first kept
 *                             cycle until the DCS answers again (a member key is written) or the role is
 *                             given up; the cycles that ask the members again in between keep it
 */
public record AgentMemory(
    Optional<Instant> lastLockUpdate,
    Optional<Instant> lockLostAt,
    boolean lastRenewFailed,
    boolean lostLastRace,
    boolean watchdogActive,
    boolean watchdogFailed,
    boolean promoteFailed,
    Optional<Instant> leadershipDeclinedAt,
    BootstrapState bootstrap,
    Optional<Instant> crashedPrimarySince,
    RewindState rewind,
    boolean pausedLastCycle,
    Optional<WalPoint> lastReplicaPosition,
    Optional<Long> lastPrimaryTimeline,
    Optional<Demotion> demotion,
    SlotBook slots,
    Optional<ParameterSet> parametersApplied,
    Optional<ParameterSet> parametersRefused,
    Optional<Duration> leaseTtl,
    boolean failsafeActive) {

  public AgentMemory {
    Objects.requireNonNull(lastLockUpdate, "lastLockUpdate");
    Objects.requireNonNull(lockLostAt, "lockLostAt");
    Objects.requireNonNull(leadershipDeclinedAt, "leadershipDeclinedAt");
    Objects.requireNonNull(bootstrap, "bootstrap");
    Objects.requireNonNull(crashedPrimarySince, "crashedPrimarySince");
    Objects.requireNonNull(rewind, "rewind");
    Objects.requireNonNull(lastReplicaPosition, "lastReplicaPosition");
    Objects.requireNonNull(lastPrimaryTimeline, "lastPrimaryTimeline");
    Objects.requireNonNull(demotion, "demotion");
    Objects.requireNonNull(slots, "slots");
    Objects.requireNonNull(parametersApplied, "parametersApplied");
    Objects.requireNonNull(parametersRefused, "parametersRefused");
    Objects.requireNonNull(leaseTtl, "leaseTtl");
  }

  /** A memory that knows only when the lock was last updated (the rest as after a start). */
  public AgentMemory(Optional<Instant> lastLockUpdate) {
    this(lastLockUpdate, Optional.empty(), false, false, false, false, false, Optional.empty(),
        BootstrapState.NONE, Optional.empty(), RewindState.NONE, false, Optional.empty(), Optional.empty(),
        Optional.empty(), SlotBook.NONE, Optional.empty(), Optional.empty(), Optional.empty(), false);
  }

  /** The memory of an agent that has just started. */
  public static AgentMemory initial() {
    return new AgentMemory(Optional.empty());
  }

  /** Where this member is in bootstrapping a new cluster. */
  public enum BootstrapState {
    /** Not bootstrapping. */
    NONE,
    /** Won the {@code initialize} race; initdb is to run or running. */
    RACE_WON,
    /** initdb finished; {@code initialize}, {@code config} and the lock are still to be written. */
    BOOTSTRAPPED,
    /** The bootstrap failed; {@code initialize} is to be removed so another member can try. */
    FAILED,
    /** The bootstrap failed and {@code initialize} was removed; this agent does not try again. */
    CANCELLED
  }

  /** pg_rewind bookkeeping of a rejoining former primary. */
  public enum RewindState {
    NONE,
    /**
     * A rewind succeeded; the divergence check is skipped until the replica streams (or is pointed at
     * another upstream). Until its recovery has gone through the switch, a rewound replica reports the
     * timeline of its last checkpoint and a position past that timeline's end, exactly as a replica that
     * diverged does; only streaming from the leader tells them apart.
     */
    DONE,
    /** A rewind failed: reinitialize if allowed, else stay down (until resumed from a pause). */
    FAILED
  }

  /** A WAL position on a timeline. */
  public record WalPoint(long timeline, long lsn) {}

  /**
   * A demotion whose stop succeeded, and what the next decisions still owe it.
   *
   * @param mode        how it was demoted: whether the lock is to be released
   * @param newUpstream whom to start streaming from once down, if known
   */
  public record Demotion(DemoteMode mode, Optional<String> newUpstream) {
    public Demotion {
      Objects.requireNonNull(mode, "mode");
      Objects.requireNonNull(newUpstream, "newUpstream");
    }
  }

  /**
   * The replication slots as last handed to the driver.
   *
   * @param applied          the member slots the driver last made exist; empty before the first time
   * @param permanentApplied the permanent slots it last made exist
   * @param appliedAt        when that was last tried (successfully or not): slots are re-asserted
   *                         periodically, and a failure is not retried every cycle
   * @param retainedSince    member slots kept while their member is away, with when that was first seen
   * @param advanceTried     the logical slots last asked to move forward, and to where: the same targets are
   *                         not asked for again before the periodic re-assertion
   * @param copyFailedAt     when copying logical slots from the primary last failed: not tried again for
   *                         {@link Slots#REFRESH}
   */
  public record SlotBook(Optional<Set<String>> applied, Map<String, Object> permanentApplied,
      Optional<Instant> appliedAt, Map<String, Instant> retainedSince, Map<String, Long> advanceTried,
      Optional<Instant> copyFailedAt) {
    public static final SlotBook NONE = new SlotBook(Optional.empty(), Map.of(), Optional.empty(), Map.of(), Map.of(),
        Optional.empty());

    public SlotBook {
      applied = applied.map(Set::copyOf);
      permanentApplied = Map.copyOf(permanentApplied);
      Objects.requireNonNull(appliedAt, "appliedAt");
      retainedSince = Map.copyOf(retainedSince);
      advanceTried = Map.copyOf(advanceTried);
      Objects.requireNonNull(copyFailedAt, "copyFailedAt");
    }
  }

  /** This memory after {@code action} ended with {@code outcome} at {@code at}. */
  public AgentMemory record(Action action, ActionOutcome outcome, Instant at) {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(at, "at");
    Change m = new Change(this);
    boolean ok = outcome.succeeded();
    boolean refused = outcome instanceof ActionOutcome.Conflict;

    if (action instanceof Action.AcquireLeaderLock) {
      if (ok) {
        m.lockUpdated(at);
        m.lostLastRace = false;
        m.promoteFailed = false;
        if (m.bootstrap == BootstrapState.RACE_WON || m.bootstrap == BootstrapState.BOOTSTRAPPED) {
          m.bootstrap = BootstrapState.NONE;
        }
      } else if (refused) {
        m.lostLastRace = true;
      }
    } else if (action instanceof Action.RenewLeaderLock) {
      if (ok) {
        m.lockUpdated(at);
      } else if (refused) {
        m.lockLost(at);
      } else {
        m.lastRenewFailed = true;
      }
    } else if (action instanceof Action.KeepLeadingInFailsafe keep) {
      // Every member agreed not to race for a ttl from when it was asked: as good as a renewal for the
      // time this member counts itself leader (Patroni's set_is_leader), but a known loss is not undone.
      if (ok && m.lastLockUpdate.map(t -> t.isBefore(keep.since())).orElse(true)) {
        m.lastLockUpdate = java.util.Optional.of(keep.since());
        m.lastRenewFailed = false;
      }
      if (ok) {
        m.failsafeActive = true;
      }
    } else if (action instanceof Action.ReleaseLeaderLock) {
      if (ok) {
        m.released(at);
      }
      if (ok || refused) {
        // The lock is gone either way; what is left of a demotion is the start as a replica, if any.
        m.demotion = m.demotion.filter(d -> d.newUpstream().isPresent())
            .map(d -> new Demotion(DemoteMode.IMMEDIATE_NOLOCK, d.newUpstream()));
      }
    } else if (action instanceof Action.Demote demote) {
      if (ok) {
        m.demotion = Optional.of(new Demotion(demote.mode(), demote.newUpstream()));
        m.crashedPrimarySince = Optional.empty();
        m.failsafeActive = false;
      }
    } else if (action instanceof Action.Promote) {
      m.promoteFailed = !ok;
      m.demotion = Optional.empty();
    } else if (action instanceof Action.ActivateWatchdog) {
      m.watchdogActive = ok;
      m.watchdogFailed = !ok;
    } else if (action instanceof Action.KeepaliveWatchdog) {
      // A failed keepalive means the device is gone: arm it again next cycle, and give up the lock
      // only if that fails too.
      m.watchdogActive = ok;
    } else if (action instanceof Action.DisableWatchdog) {
      if (ok) {
        m.watchdogActive = false;
      }
    } else if (action instanceof Action.RaceInitialize) {
      if (ok) {
        m.bootstrap = BootstrapState.RACE_WON;
      } else if (refused) {
        m.bootstrap = BootstrapState.NONE;
      }
    } else if (action instanceof Action.Bootstrap) {
      m.bootstrap = ok ? BootstrapState.BOOTSTRAPPED : BootstrapState.FAILED;
    } else if (action instanceof Action.CancelInitialize) {
      if (ok) {
        m.bootstrap = BootstrapState.CANCELLED;
      }
    } else if (action instanceof Action.WriteInitialize) {
      if (ok && (m.bootstrap == BootstrapState.RACE_WON || m.bootstrap == BootstrapState.BOOTSTRAPPED)) {
        m.bootstrap = BootstrapState.NONE;
      }
    } else if (action instanceof Action.StartDatabase start) {
      m.demotion = Optional.empty();
      if (ok) {
        if (start.role() == DatabaseRole.PRIMARY) {
          m.crashedPrimarySince = Optional.empty();
          m.rewind = RewindState.NONE;
        }
      }
    } else if (action instanceof Action.Rewind) {
      m.demotion = Optional.empty();
      m.rewind = ok ? RewindState.DONE : RewindState.FAILED;
      if (ok) {
        m.lastPrimaryTimeline = Optional.empty();
      }
    } else if (action instanceof Action.Reinitialize || action instanceof Action.CreateReplica) {
      m.demotion = Optional.empty();
      if (ok) {
        m.rewind = RewindState.NONE;
        m.lastPrimaryTimeline = Optional.empty();
      }
    } else if (action instanceof Action.Follow) {
      if (ok && m.rewind == RewindState.DONE) {
        // Another upstream: what the rewind was for is no longer what it follows.
        m.rewind = RewindState.NONE;
      }
    } else if (action instanceof Action.TouchMember touch) {
      // The status is what the engine observed this cycle, whether or not the write went through.
      m.observed(touch.status(), at);
      // A member key is only written with the DCS reachable: failsafe mode no longer keeps anything up.
      m.failsafeActive = false;
    } else if (action instanceof Action.EnsureSlots slots) {
      m.slots = new SlotBook(ok ? Optional.of(slots.members()) : m.slots.applied(),
          ok ? slots.permanent() : m.slots.permanentApplied(), Optional.of(at), slots.retainedSince(), slots.advance(),
          m.slots.copyFailedAt());
    } else if (action instanceof Action.CopyLogicalSlots) {
      m.slots = new SlotBook(m.slots.applied(), m.slots.permanentApplied(), m.slots.appliedAt(), m.slots.retainedSince(),
          m.slots.advanceTried(), ok ? Optional.empty() : Optional.of(at));
    } else if (action instanceof Action.ApplyParameters apply) {
      if (ok) {
        m.parametersApplied = Optional.of(apply.parameters());
        m.parametersRefused = Optional.empty();
      } else {
        m.parametersRefused = Optional.of(apply.parameters());
      }
    } else if (action instanceof Action.ResizeLease resize) {
      if (ok) {
        m.leaseTtl = Optional.of(resize.ttl());
      }
    }
    return m.build();
  }

  /** A mutable copy, so each branch of {@link #record} changes only what it means to. */
  private static final class Change {
    Optional<Instant> lastLockUpdate;
    Optional<Instant> lockLostAt;
    boolean lastRenewFailed;
    boolean lostLastRace;
    boolean watchdogActive;
    boolean watchdogFailed;
    boolean promoteFailed;
    Optional<Instant> leadershipDeclinedAt;
    BootstrapState bootstrap;
    Optional<Instant> crashedPrimarySince;
    RewindState rewind;
    boolean pausedLastCycle;
    Optional<WalPoint> lastReplicaPosition;
    Optional<Long> lastPrimaryTimeline;
    Optional<Demotion> demotion;
    SlotBook slots;
    Optional<ParameterSet> parametersApplied;
    Optional<ParameterSet> parametersRefused;
    Optional<Duration> leaseTtl;
    boolean failsafeActive;

    Change(AgentMemory m) {
      lastLockUpdate = m.lastLockUpdate;
      lockLostAt = m.lockLostAt;
      lastRenewFailed = m.lastRenewFailed;
      lostLastRace = m.lostLastRace;
      watchdogActive = m.watchdogActive;
      watchdogFailed = m.watchdogFailed;
      promoteFailed = m.promoteFailed;
      leadershipDeclinedAt = m.leadershipDeclinedAt;
      bootstrap = m.bootstrap;
      crashedPrimarySince = m.crashedPrimarySince;
      rewind = m.rewind;
      pausedLastCycle = m.pausedLastCycle;
      lastReplicaPosition = m.lastReplicaPosition;
      lastPrimaryTimeline = m.lastPrimaryTimeline;
      demotion = m.demotion;
      slots = m.slots;
      parametersApplied = m.parametersApplied;
      parametersRefused = m.parametersRefused;
      leaseTtl = m.leaseTtl;
      failsafeActive = m.failsafeActive;
    }

    void lockUpdated(Instant at) {
      lastLockUpdate = Optional.of(at);
      lockLostAt = Optional.empty();
      lastRenewFailed = false;
    }

    void lockLost(Instant at) {
      lastLockUpdate = Optional.empty();
      lockLostAt = Optional.of(at);
      lastRenewFailed = false;
    }

    void released(Instant at) {
      lockLost(at);
      failsafeActive = false;
      crashedPrimarySince = Optional.empty();
      if (watchdogFailed || promoteFailed) {
        // Gave the lock up because it could not be used safely: stay out of the next race for a ttl.
        leadershipDeclinedAt = Optional.of(at);
      }
      watchdogFailed = false;
      promoteFailed = false;
    }

    void observed(MemberStatus status, Instant at) {
      lostLastRace = false;
      if (pausedLastCycle && !status.pause()) {
        // First cycle after a resume: forget a failed rewind, so the operator's fix gets a new try.
        rewind = RewindState.NONE;
      }
      pausedLastCycle = status.pause();
      boolean down = status.state() == MemberState.STOPPED || status.state() == MemberState.CRASHED;
      if (status.role() == MemberRole.PRIMARY && down) {
        if (crashedPrimarySince.isEmpty()) {
          crashedPrimarySince = Optional.of(at);
        }
      } else if (status.state() == MemberState.RUNNING) {
        crashedPrimarySince = Optional.empty();
      }
      if (status.state() == MemberState.RUNNING) {
        // Whatever a demotion left to do, the server runs again: nothing is owed any more.
        demotion = Optional.empty();
      }
      if (rewind == RewindState.DONE && status.role() == MemberRole.REPLICA && status.state() == MemberState.RUNNING
          && status.replicationState().filter("streaming"::equals).isPresent()) {
        // The rewound replica streams: it is on its upstream's line, and the divergence check applies again.
        rewind = RewindState.NONE;
      }
      if (status.role() == MemberRole.REPLICA && status.state() == MemberState.RUNNING
          && status.timeline().isPresent()) {
        lastReplicaPosition = Optional.of(new WalPoint(status.timeline().get(), status.walPosition()));
      }
      if (status.role() == MemberRole.PRIMARY && status.timeline().isPresent()) {
        lastPrimaryTimeline = status.timeline();
      }
    }

    AgentMemory build() {
      return new AgentMemory(lastLockUpdate, lockLostAt, lastRenewFailed, lostLastRace, watchdogActive,
          watchdogFailed, promoteFailed, leadershipDeclinedAt, bootstrap, crashedPrimarySince, rewind,
          pausedLastCycle, lastReplicaPosition, lastPrimaryTimeline, demotion, slots, parametersApplied,
          parametersRefused, leaseTtl, failsafeActive);
    }
  }
}
