package dev.primus.ha.sim;

import dev.primus.dcs.layout.PatroniDcs;
import dev.primus.dcs.model.ClusterStatus;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.InMemoryDcs;
import dev.primus.ha.Action;
import dev.primus.ha.ActionOutcome;
import dev.primus.ha.AgentMemory;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.Decision;
import dev.primus.ha.FailsafeAnswer;
import dev.primus.ha.FailsafeAnswers;
import dev.primus.ha.FailsafeNotice;
import dev.primus.ha.HaConfig;
import dev.primus.ha.InProgress;
import dev.primus.ha.LocalState;
import dev.primus.ha.Observation;
import dev.primus.ha.PeerAnswer;
import dev.primus.ha.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One member's agent: the runner's loop and executor, simulated. Each cycle observes (one read of the
 * DCS through the real {@link PatroniDcs}, a probe of the {@link SimDatabase}), calls the real engine,
 * and executes the decision's actions in order, stopping at the first failure.
 *
 * <p>How the simulated runner spends time, which the safety margins depend on:
 * <ul>
 *   <li>A DCS call that reaches the store takes no time. One that cannot reach it fails after
 *       {@code retry_timeout}, the request deadline (Patroni's etcd client does the same).</li>
 *   <li>After a failed DCS call the loop decides again at once on the last view, marked not connected,
 *       without another read (which could only block for another {@code retry_timeout}): that is how a
 *       leader whose renewal failed gets to demote within {@code loop_wait + 2 * retry_timeout}.</li>
 *   <li>Long actions run in the background on the database; the actions after one run at once, and
 *       the loop keeps cycling and sees it in {@link Observation#inProgress()}. A second long action
 *       in the same decision runs when the first has succeeded. A completion wakes the loop.</li>
 *   <li>{@link Action.QueryPeers} is answered at the start of the next cycle, before the DCS read, from
 *       the other simulated nodes' real state: after 2 s if some peer did not answer (Patroni's
 *       timeout), else at once.</li>
 *   <li>The next cycle comes after {@link Decision#recheckAfter()}, at once after a write that changed
 *       the cluster (lock, initialize, config, failover, sync), or earlier when a DCS watch fires
 *       ({@link #wake}) or a long action ends; after 8 cycles back to back it pauses 500 ms (the
 *       runner's guard, {@code dev.primus.runner.loop.HaLoop}, which this loop follows).</li>
 * </ul>
 *
 * <p>A frozen agent (a stopped JVM) runs nothing: every callback addressed to it waits until it thaws,
 * while its database, and its watchdog, carry on. A killed agent loses everything in memory; its
 * callbacks are dropped by generation.
 */
final class SimAgent {
  /** Patroni's GET /patroni timeout in a leader race. */
  static final Duration PEER_TIMEOUT = Duration.ofSeconds(2);
  /** Round trip of a peer query that every peer answers. */
  static final Duration PEER_ROUND_TRIP = Duration.ofMillis(5);
  /** Back-to-back cycles allowed before the loop pauses anyway (the runner's ping-pong guard). */
  static final int IMMEDIATE_CYCLES_MAX = 8;
  /** That pause, or loop_wait if shorter. */
  static final Duration IMMEDIATE_BACKOFF = Duration.ofMillis(500);
  /** How long a node takes to boot after a watchdog reset: 20 s, plus up to 40 s. */
  static final Duration BOOT_MIN = Duration.ofSeconds(20);
  static final Duration BOOT_SPREAD = Duration.ofSeconds(40);

  private final String name;
  private final SimCluster world;
  private final HaConfig config;
  private final SimDatabase db;
  private final SimWatchdog watchdog;
  private final Engine engine;

  private boolean alive;
  private int generation;
  private Instant frozenUntil;
  private Duration freezeAfterNextDecision;
  private final List<Runnable> thawed = new ArrayList<>();

  private AuditedStore store;
  private PatroniDcs dcs;
  private AgentMemory memory = AgentMemory.initial();
  private ClusterView lastView;
  private Optional<InProgress> inProgress = Optional.empty();
  private Scheduler.Event nextCycle;
  private boolean inCycle;
  private int immediateStreak;
  private long cycles;
  private List<String> pendingPeers = List.of();
  private Optional<Action.AskFailsafe> pendingFailsafe = Optional.empty();
  /** The last POST /failsafe this agent accepted; in memory only, so a restart forgets it (as Patroni's). */
  private Optional<FailsafeNotice> failsafeNotice = Optional.empty();
  /** The reason of the last decision: whether it leads in failsafe mode, for invariant 3. */
  private Reason lastReason;
  /** Long actions of the current decision queued behind the one it started, if it started one. */
  private List<Action> startedThisDecision;

  SimAgent(String name, SimCluster world, HaConfig config, SimDatabase db, Engine engine) {
    this.name = name;
    this.world = world;
    this.config = config;
    this.db = db;
    this.engine = engine;
    this.watchdog = new SimWatchdog(world.scheduler(), name, SimWatchdog.timeoutFor(world.timings().ttl()),
        this::watchdogReset);
  }

  // ---- what others look at ------------------------------------------------------------------

  String name() {
    return name;
  }

  SimDatabase database() {
    return db;
  }

  SimWatchdog watchdog() {
    return watchdog;
  }

  boolean alive() {
    return alive;
  }

  boolean frozen() {
    return frozenUntil != null;
  }

  InMemoryDcs.Client client() {
    return store.client();
  }

  Optional<InProgress> inProgress() {
    return inProgress;
  }

  long cycles() {
    return cycles;
  }

  HaConfig config() {
    return config;
  }

  // ---- life and faults ----------------------------------------------------------------------

  /** Starts the agent process: a new DCS connection, empty memory, a first cycle soon. */
  void start(Duration firstCycleIn) {
    alive = true;
    generation++;
    frozenUntil = null;
    thawed.clear();
    InMemoryDcs.Client client = world.dcs().client(name);
    store = new AuditedStore(client, name, world.path(), world.violations(), world.leases(),
        world.checker()::statusWritten);
    dcs = new PatroniDcs(store, world.path(), name, world.timings().ttl());
    world.connected(this);
    memory = AgentMemory.initial();
    lastView = null;
    inProgress = Optional.empty();
    inCycle = false;
    immediateStreak = 0;
    pendingPeers = List.of();
    pendingFailsafe = Optional.empty();
    failsafeNotice = Optional.empty();
    lastReason = null;
    world.trace(name, "agent started");
    scheduleCycle(firstCycleIn);
  }

  /** The node dies: agent and database at once. Leases run on until they expire. */
  void kill() {
    if (!alive) {
      return;
    }
    alive = false;
    generation++;
    if (nextCycle != null) {
      nextCycle.cancel();
      nextCycle = null;
    }
    watchdog.disable();
    store.close();
    frozenUntil = null;
    thawed.clear();
    inProgress = Optional.empty();
    db.crash("node killed");
    world.trace(name, "node killed");
  }

  /** The agent's process stops being scheduled for {@code d}; its database keeps running. */
  void freeze(Duration d) {
    if (!alive) {
      return;
    }
    Instant until = world.now().plus(d);
    if (frozenUntil == null || until.isAfter(frozenUntil)) {
      frozenUntil = until;
      int gen = generation;
      world.scheduler().at(until, name + " thaw", () -> thaw(gen, until));
    }
    world.trace(name, "agent frozen for " + d.toMillis() + " ms");
  }

  /** Freezes the agent right after its next decision, before it executes any action. */
  void freezeAfterNextDecision(Duration d) {
    freezeAfterNextDecision = d;
  }

  private void thaw(int gen, Instant until) {
    if (gen != generation || !alive || frozenUntil == null || !frozenUntil.equals(until)) {
      return;
    }
    frozenUntil = null;
    world.trace(name, "agent thawed");
    List<Runnable> pending = new ArrayList<>(thawed);
    thawed.clear();
    for (Runnable r : pending) {
      if (frozen() || gen != generation) {
        thawed.add(r);
      } else {
        r.run();
      }
    }
    if (!inCycle && nextCycle == null) {
      scheduleCycle(Duration.ZERO);
    }
  }

  /**
   * The watchdog fired: the machine resets. The database stops at once; so does the agent, whatever
   * it was doing (a frozen agent never resumes with its stale memory and half-run decision: it boots
   * again fresh, like any restarted node).
   */
  private void watchdogReset() {
    world.trace(name, "WATCHDOG RESET: node reboots");
    kill();
    Duration boot = BOOT_MIN.plusMillis(world.random().nextInt((int) BOOT_SPREAD.toMillis()));
    world.scheduler().after(boot, name + " boots after watchdog reset", () -> {
      if (!alive) {
        start(Duration.ZERO);
      }
    });
  }

  /** A DCS watch fired: cycle soon if idle (the watch is a read, so only if the DCS is reachable). */
  void wake(Duration in) {
    if (!alive || frozen() || inCycle || !world.reachable(this)) {
      return;
    }
    if (nextCycle != null && !nextCycle.at.isAfter(world.now().plus(in))) {
      return;
    }
    scheduleCycle(in);
  }

  // ---- the loop -----------------------------------------------------------------------------

  /** Wraps a callback so that it is dropped for a dead or restarted agent and waits out a freeze. */
  private Runnable guarded(Runnable r) {
    int gen = generation;
    return () -> {
      if (gen != generation || !alive) {
        return;
      }
      if (frozen()) {
        thawed.add(r);
      } else {
        r.run();
      }
    };
  }

  private Consumer<ActionOutcome> guarded(Consumer<ActionOutcome> c) {
    int gen = generation;
    return o -> {
      if (gen != generation || !alive) {
        return;
      }
      if (frozen()) {
        thawed.add(() -> c.accept(o));
      } else {
        c.accept(o);
      }
    };
  }

  private void later(Duration d, String label, Runnable r) {
    world.scheduler().after(d, name + " " + label, guarded(r));
  }

  private void scheduleCycle(Duration in) {
    if (nextCycle != null) {
      nextCycle.cancel();
    }
    nextCycle = world.scheduler().after(in, name + " cycle", guarded(this::cycle));
  }

  private void cycle() {
    nextCycle = null;
    inCycle = true;
    cycles++;
    if (pendingFailsafe.isPresent()) {
      // The last decision asked for failsafe: POST /failsafe to the members first (in parallel, 2 s
      // timeout, as the runner), then read the DCS and decide with the answers.
      Instant askedAt = world.now();
      Map<String, FailsafeAnswer> got = world.askFailsafe(this, pendingFailsafe.get().members());
      pendingFailsafe = Optional.empty();
      boolean silent = got.values().stream()
          .anyMatch(x -> x instanceof FailsafeAnswer.Refused r && r.reason().equals("timed out"));
      world.trace(name, "failsafe answers " + got);
      Optional<FailsafeAnswers> fa = Optional.of(new FailsafeAnswers(askedAt, got));
      later(silent ? PEER_TIMEOUT : PEER_ROUND_TRIP, "failsafe answers", () -> observeAndDecide(Map.of(), fa));
      return;
    }
    if (pendingPeers.isEmpty()) {
      observeAndDecide(Map.of(), Optional.empty());
      return;
    }
    // The last decision asked about peers: ask them first (in parallel, Patroni's 2 s timeout), as the
    // runner does, then read the DCS and decide with their answers.
    Map<String, PeerAnswer> answers = world.queryPeers(this, pendingPeers);
    pendingPeers = List.of();
    boolean silent = answers.values().stream().anyMatch(x -> x instanceof PeerAnswer.NoAnswer);
    world.trace(name, "peers answered " + answers);
    later(silent ? PEER_TIMEOUT : PEER_ROUND_TRIP, "peer answers", () -> observeAndDecide(answers, Optional.empty()));
  }

  private void observeAndDecide(Map<String, PeerAnswer> answers, Optional<FailsafeAnswers> failsafe) {
    ClusterView view;
    try {
      view = dcs.read();
    } catch (DcsException e) {
      world.trace(name, "DCS read failed: " + e.getMessage());
      later(world.timings().retryTimeout(), "read timed out", () -> decide(staleView(), answers, failsafe, false));
      return;
    }
    lastView = view;
    decide(view, answers, failsafe, false);
  }

  /** A POST /failsafe this agent accepted (the world answers it on the agent's behalf). */
  void failsafeReceived(FailsafeNotice notice) {
    failsafeNotice = Optional.of(notice);
  }

  /** The last decision kept this member primary without the DCS on failsafe. */
  boolean leadingInFailsafe() {
    return alive && lastReason == Reason.FAILSAFE_LEADING;
  }


  /** The last view read, marked as not current (at least SUSPENDED: the read just failed). */
  private ClusterView staleView() {
    ConnectionState cs = store.connectionState();
    if (cs.isConnected()) {
      cs = ConnectionState.SUSPENDED;
    }
    ClusterView v = lastView != null ? lastView : ClusterView.empty(cs);
    return new ClusterView(v.initialize(), v.config(), v.leader(), v.members(), v.failover(), v.sync(), v.history(),
        v.status(), v.failsafe(), v.invalid(), cs);
  }

  /**
   * Decides on {@code view} and acts. {@code afterDcsFailure}: this is the second decision of a cycle
   * whose DCS call timed out; if that fails too, the cycle ends rather than deciding again and again.
   */
  private void decide(ClusterView view, Map<String, PeerAnswer> peers, Optional<FailsafeAnswers> failsafe,
      boolean afterDcsFailure) {
    LocalState local = db.probe();
    Observation o = new Observation(view, local, inProgress, peers, failsafe, failsafeNotice);
    Decision d = engine.decide(o, memory, config, world.now());
    lastReason = d.reason();
    world.trace(name, new Object() {
      @Override
      public String toString() {
        return Describe.decision(d);
      }
    });
    if (freezeAfterNextDecision != null) {
      Duration f = freezeAfterNextDecision;
      freezeAfterNextDecision = null;
      freeze(f);
      thawed.add(() -> execute(d, afterDcsFailure));
      return;
    }
    execute(d, afterDcsFailure);
  }

  private void execute(Decision d, boolean afterDcsFailure) {
    startedThisDecision = null;
    for (Action a : d.actions()) {
      if (a instanceof Action.QueryPeers q) {
        // Asked at the start of the next cycle.
        pendingPeers = List.copyOf(q.members());
        record(a, ok());
        continue;
      }
      if (a instanceof Action.AskFailsafe f) {
        pendingFailsafe = Optional.of(f);
        record(a, ok());
        continue;
      }
      if (a instanceof Action.KeepLeadingInFailsafe) {
        record(a, ok());
        continue;
      }
      if (a.isLong()) {
        if (startedThisDecision != null) {
          // A second long action in one decision runs after the first, if that one succeeds.
          startedThisDecision.add(a);
          continue;
        }
        if (inProgress.isPresent()) {
          record(a, new ActionOutcome.Failed("another long action is running: " + inProgress.get().action()));
          endCycle(d, false);
          return;
        }
        startedThisDecision = new ArrayList<>();
        List<Action> chain = startedThisDecision;
        startLong(a, chain);
        if (inProgress.isEmpty()) {
          // Refused at once (the database said no): stop here, as after any failure.
          startedThisDecision = null;
          endCycle(d, false);
          return;
        }
        continue;
      }
      ActionOutcome outcome = runShort(a);
      if (outcome instanceof ActionOutcome.DcsUnavailable) {
        // The request blocked until its deadline. Then the loop decides again, once, on what it knows,
        // rather than block on another read; a second failure ends the cycle.
        later(world.timings().retryTimeout(), "DCS call timed out", () -> {
          record(a, outcome);
          if (afterDcsFailure) {
            endCycle(d, false);
          } else {
            decide(staleView(), Map.of(), Optional.empty(), true);
          }
        });
        return;
      }
      record(a, outcome);
      if (!outcome.succeeded()) {
        endCycle(d, false);
        return;
      }
    }
    endCycle(d, changesLeadership(d));
  }

  /** As the runner's loop: at once after a cluster-changing write, else after recheckAfter; see the guard. */
  private void endCycle(Decision d, boolean changed) {
    inCycle = false;
    Duration next = changed ? Duration.ZERO : d.recheckAfter();
    if (next.isZero()) {
      if (++immediateStreak > IMMEDIATE_CYCLES_MAX) {
        // The runner's guard against ping-pong: after so many back-to-back cycles it pauses anyway.
        immediateStreak = 0;
        Duration loopWait = world.timings().loopWait();
        next = loopWait.compareTo(IMMEDIATE_BACKOFF) < 0 ? loopWait : IMMEDIATE_BACKOFF;
        world.trace(name, IMMEDIATE_CYCLES_MAX + " cycles back to back; pausing " + next.toMillis() + " ms");
      }
    } else {
      immediateStreak = 0;
    }
    scheduleCycle(next);
  }

  /** Leadership or cluster-state writes after which the runner looks again at once. */
  private static boolean changesLeadership(Decision d) {
    for (Action a : d.actions()) {
      if (a instanceof Action.AcquireLeaderLock || a instanceof Action.ReleaseLeaderLock
          || a instanceof Action.RaceInitialize || a instanceof Action.WriteInitialize
          || a instanceof Action.CancelInitialize || a instanceof Action.ClearFailover
          || a instanceof Action.WriteFailover || a instanceof Action.WriteConfig
          || a instanceof Action.WriteSyncState || a instanceof Action.DeleteSyncState) {
        return true;
      }
    }
    return false;
  }

  private void record(Action a, ActionOutcome o) {
    memory = memory.record(a, o, world.now());
    if (!o.succeeded() || !(a instanceof Action.TouchMember || a instanceof Action.RenewLeaderLock
        || a instanceof Action.WriteStatus)) {
      world.trace(name, "  " + Describe.action(a) + " -> " + o);
    }
  }

  // ---- short actions ------------------------------------------------------------------------

  private ActionOutcome runShort(Action a) {
    Optional<ActionOutcome> dcsCall = DcsCalls.run(a, dcs);
    if (dcsCall.isPresent()) {
      return dcsCall.get();
    }
    if ((a instanceof Action.ReloadDatabase || a instanceof Action.Checkpoint || a instanceof Action.SetSynchronousStandbys
        || a instanceof Action.ClearSynchronousStandbys) && inProgress.isPresent()) {
      // The driver takes one mutating call at a time (the runner refuses these during a long action).
      return new ActionOutcome.Failed("the database is busy with " + inProgress.get().action());
    }
    if (a instanceof Action.ReloadDatabase) {
      return db.reload();
    }
    if (a instanceof Action.Checkpoint) {
      return db.checkpoint();
    }
    if (a instanceof Action.SetSynchronousStandbys ssn) {
      return db.setSynchronousStandbys(ssn.members(), ssn.count());
    }
    if (a instanceof Action.ClearSynchronousStandbys) {
      return db.clearSynchronousStandbys();
    }
    boolean watchdogOn = world.schedule().watchdog();
    if (a instanceof Action.ActivateWatchdog) {
      if (watchdogOn) {
        watchdog.activate();
      }
      return ok();
    }
    if (a instanceof Action.KeepaliveWatchdog && !watchdogOn) {
      return ok();
    }
    if (a instanceof Action.KeepaliveWatchdog) {
      if (!watchdog.active()) {
        // A reset happened (or it was never armed): petting a device that fired fails.
        return new ActionOutcome.Failed("watchdog is not armed");
      }
      watchdog.keepalive();
      return ok();
    }
    if (a instanceof Action.DisableWatchdog) {
      watchdog.disable();
      return ok();
    }
    return new ActionOutcome.Failed("the simulator does not know " + a);
  }

  private static ActionOutcome ok() {
    return new ActionOutcome.Succeeded();
  }

  // ---- long actions -------------------------------------------------------------------------

  private void startLong(Action a, List<Action> after) {
    inProgress = Optional.of(new InProgress(a, world.now()));
    world.longActionIssued(this, a);
    List<Action> then = after; // live: later long actions of the same decision are appended
    Consumer<ActionOutcome> done = guarded(o -> longDone(a, o, then));
    if (a instanceof Action.Bootstrap) {
      db.bootstrap(done);
    } else if (a instanceof Action.CreateReplica c) {
      db.createReplica(c.source(), done);
    } else if (a instanceof Action.StartDatabase s) {
      db.start(s.role(), s.upstream(), done);
    } else if (a instanceof Action.StopDatabase s) {
      db.stop(s.mode(), done);
    } else if (a instanceof Action.RestartDatabase) {
      db.restart(done);
    } else if (a instanceof Action.Promote) {
      db.promote(done);
    } else if (a instanceof Action.Demote dm) {
      demote(dm, done);
    } else if (a instanceof Action.Follow f) {
      db.follow(f.upstream(), done);
    } else if (a instanceof Action.Rewind r) {
      db.rewind(r.source(), done);
    } else if (a instanceof Action.Reinitialize r) {
      db.reinitialize(r.source(), done);
    } else {
      done.accept(new ActionOutcome.Failed("the simulator does not know " + a));
    }
  }

  /**
   * Demote as the executor runs it: stop in the mode's way; then, if the mode says so, release the lock
   * (only now, so nobody can take it while this server still takes writes); then start as a replica
   * of the new upstream if one is known.
   */
  private void demote(Action.Demote d, Consumer<ActionOutcome> done) {
    db.stop(d.mode().stopMode(), guarded(stopped -> {
      if (!stopped.succeeded()) {
        done.accept(stopped);
        return;
      }
      Runnable rest = () -> {
        if (d.newUpstream().isPresent()) {
          db.start(DatabaseRole.REPLICA, d.newUpstream(), done);
        } else {
          done.accept(ok());
        }
      };
      if (!d.mode().releasesLock()) {
        rest.run();
        return;
      }
      // As the runner: the shutdown checkpoint goes into status first, so candidates can tell they
      // have it all, then the lock is released.
      if (db.probe().cleanShutdown() && lastView != null && lastView.isLockedBy(name)) {
        ClusterStatus st = lastView.status();
        runShort(new Action.WriteStatus(new ClusterStatus(db.position(), st.slots(), st.retainSlots())));
      }
      Action release = new Action.ReleaseLeaderLock();
      ActionOutcome r = runShort(release);
      if (r instanceof ActionOutcome.DcsUnavailable) {
        later(world.timings().retryTimeout(), "release timed out", () -> {
          record(release, r);
          rest.run();
        });
        return;
      }
      record(release, r);
      rest.run();
    }));
  }

  private void longDone(Action a, ActionOutcome o, List<Action> then) {
    inProgress = Optional.empty();
    record(a, o);
    if (o.succeeded() && !then.isEmpty()) {
      startLong(then.get(0), new ArrayList<>(then.subList(1, then.size())));
    }
    // A finished long action wakes the loop.
    if (!inCycle && inProgress.isEmpty()) {
      scheduleCycle(Duration.ZERO);
    }
  }

  @Override
  public String toString() {
    return name + (alive ? "" : " DEAD") + (frozen() ? " FROZEN" : "") + " " + db;
  }
}
