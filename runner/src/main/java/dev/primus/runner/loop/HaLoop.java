package dev.primus.runner.loop;

import dev.primus.dcs.layout.PatroniDcs;
import dev.primus.dcs.model.ClusterStatus;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.MemberStatus;
import dev.primus.dcs.model.Versioned;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.PollingWatch;
import dev.primus.ha.Action;
import dev.primus.ha.ActionOutcome;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.FailsafeAnswer;
import dev.primus.ha.FailsafeAnswers;
import dev.primus.ha.FailsafeNotice;
import dev.primus.ha.Decision;
import dev.primus.ha.HaEngine;
import dev.primus.ha.InProgress;
import dev.primus.ha.LocalState;
import dev.primus.ha.Observation;
import dev.primus.ha.PeerAnswer;
import dev.primus.ha.Reason;
import dev.primus.ha.StopMode;
import dev.primus.ha.Timings;
import dev.primus.ha.driver.DatabaseDriver;
import dev.primus.ha.driver.DriverException;
import dev.primus.runner.rest.ClusterCommands;
import dev.primus.runner.rest.NodeStatus;
import dev.primus.runner.rest.NodeStatusSource;
import dev.primus.runner.rest.ReplicationRow;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent's HA loop: observe, decide, act, wait (DESIGN section 2).
 *
 * <ul>
 *   <li><b>Observe</b>: the answers of the peers the last decision asked about ({@link PeerClient}, in
 *       parallel, 2 s each); one prefix read of the DCS ({@link PatroniDcs#read()}), or, when it fails,
 *       the last view with its connection state set to SUSPENDED or LOST; the driver's
 *       {@link DatabaseDriver#probe()}, with a replica's timeline kept from going backwards
 *       ({@link ReplicaTimeline}); the long action in progress.
 *   <li><b>Decide</b>: {@link HaEngine#decide}, with the memory in {@link AgentState}. One log line per
 *       cycle, {@link Decision#message()}, as Patroni prints it.
 *   <li><b>Act</b>: {@link ActionExecutor}. When a DCS request failed while acting, the loop decides once
 *       more at once on the last view marked not connected, without another read (which could only
 *       block for another retry_timeout): that is how a primary whose renewal failed demotes well within
 *       {@code loop_wait + 2 * retry_timeout <= ttl}.
 *   <li><b>Wait</b>: not at all after a write that changed the cluster (lock, initialize, config,
 *       failover, sync); otherwise until {@link Decision#recheckAfter()}, or earlier when woken: by the
 *       DCS watch (a change of leader, config, failover, initialize or sync), the end of a long action,
 *       or a REST command.
 * </ul>
 *
 * <p>Between cycles the loop also does what the engine has no input for yet: it runs restarts,
 * reinitializations and reloads that the REST API requested ({@link LoopCommands}), hands changed
 * dynamic {@code postgresql.parameters} to the driver, and, on the leader, keeps the replication slots
 * of the members that stream from it ({@link #maintainSlots}). The lease TTL follows
 * {@link HaEngine#effectiveTimings}: when it changes, the member's {@link PatroniDcs} is replaced by one
 * with the new TTL, which moves the member and leader keys to a new lease on the next write.
 *
 * <p>The operator's scripts ({@code postgresql.callbacks}, {@code pre_promote}) follow what the executor did
 * to the database ({@link DatabaseCallbacks}); the loop adds the {@code on_start} of a server it finds already
 * running, the {@code on_reload} of its own reloads and the {@code on_stop} at shutdown. They run on their own
 * threads ({@link CallbackRunner}), never on this one.
 *
 * <p>Threads: the loop thread ({@link #start()}), the DCS watch thread, and the executor's long-action
 * thread. {@link #runCycle()} can also be called directly (tests, embedders that own their thread).
 */
public final class HaLoop implements NodeStatusSource {
  private static final Logger LOG = LoggerFactory.getLogger(HaLoop.class);
  /** Back-to-back cycles allowed before the loop waits anyway (a guard against ping-pong). */
  static final int IMMEDIATE_CYCLES_MAX = 8;
  /** The pause after {@link #IMMEDIATE_CYCLES_MAX} immediate cycles, or after a cycle that threw. */
  static final Duration BACKOFF = Duration.ofMillis(500);
  /** How long the shutdown waits for callback scripts still running (the on_stop it just fired). */
  static final Duration SCRIPTS_AT_SHUTDOWN = Duration.ofSeconds(5);
  /** How often the leader re-asserts its replication slots even when nothing changed. */
  static final Duration SLOT_REFRESH = Duration.ofSeconds(60);

  private final AtomicReference<PatroniDcs> dcs;
  private final DatabaseDriver driver;
  private final Watchdog watchdog;
  private final PeerClient peers;
  private final Clock clock;
  private final Supplier<Optional<LoopConfig>> reloader;
  private final AgentState state = new AgentState();
  private final ActionExecutor executor;
  private final ConcurrentLinkedQueue<LoopRequest> requests = new ConcurrentLinkedQueue<>();
  private final Object wakeLock = new Object();
  private final LoopCommands commands;
  private final CallbackRunner scripts;
  private final DatabaseCallbacks callbacks;

  private volatile LoopConfig config;
  private volatile ClusterView lastView;
  private volatile NodeStatus status;
  private volatile Optional<Instant> dcsLastSeen = Optional.empty();
  private volatile Optional<ScheduledRestart> scheduledRestart = Optional.empty();
  private volatile boolean running;
  private boolean wakeRequested;
  private Thread loopThread;
  private DcsWatcher watcher;
  private Thread watchThread;

  // Loop-thread state.
  private List<String> pendingPeers = List.of();
  private Optional<Action.AskFailsafe> pendingFailsafe = Optional.empty();
  /** The last POST /failsafe this member accepted (written by the REST thread). */
  private final java.util.concurrent.atomic.AtomicReference<FailsafeNotice> failsafeReceived =
      new java.util.concurrent.atomic.AtomicReference<>();
  private volatile boolean failsafeActive;
  private int immediateStreak;
  private Map<String, Object> appliedDynamicParameters;
  private Map<String, Object> failedParameters;
  private boolean reloadPending;
  private final Map<String, Instant> slotMembersSeen = new LinkedHashMap<>();
  private final ReplicaTimeline replicaTimeline = new ReplicaTimeline();
  private java.util.Set<String> slotsApplied = java.util.Set.of();
  private Map<String, Object> permanentSlotsApplied = Map.of();
  private Optional<Instant> slotsAppliedAt = Optional.empty();

  /**
   * @param dcs                      this member's DCS operations, with the lease TTL the effective
   *                                 timings give at start
   * @param driver                   the database
   * @param watchdog                 the watchdog ({@link Watchdog#forConfig})
   * @param peers                    how peers are asked in a leader race
   * @param clock                    the only clock
   * @param config                   the local settings
   * @param appliedDynamicParameters the dynamic {@code postgresql.parameters} the driver was created with
   * @param reloader                 re-reads the local configuration (SIGHUP, {@code POST /reload}); empty
   *                                 if it is unchanged or invalid (the reloader logs why)
   */
  public HaLoop(PatroniDcs dcs, DatabaseDriver driver, Watchdog watchdog, PeerClient peers, Clock clock,
      LoopConfig config, Map<String, Object> appliedDynamicParameters, Supplier<Optional<LoopConfig>> reloader) {
    this.dcs = new AtomicReference<>(Objects.requireNonNull(dcs, "dcs"));
    this.driver = Objects.requireNonNull(driver, "driver");
    this.watchdog = Objects.requireNonNull(watchdog, "watchdog");
    this.peers = Objects.requireNonNull(peers, "peers");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.config = Objects.requireNonNull(config, "config");
    this.appliedDynamicParameters = Map.copyOf(appliedDynamicParameters);
    this.reloader = Objects.requireNonNull(reloader, "reloader");
    this.lastView = ClusterView.empty(ConnectionState.SUSPENDED);
    this.scripts = new CallbackRunner();
    this.callbacks = new DatabaseCallbacks(() -> this.config.callbacks(), () -> this.config.scope(), scripts);
    this.executor = new ActionExecutor(this.dcs::get, driver, watchdog, state, clock, () -> lastView,
        config.dbTimeout(), this::wake, () -> scheduledRestart.map(ScheduledRestart::published), callbacks);
    this.commands = new LoopCommands(this, peers);
    this.status = initialStatus();
  }

  // ================================================================= what others use

  /** The REST API's view of this member: the snapshot of the last cycle. Never blocks. */
  @Override
  public NodeStatus current() {
    return status;
  }

  /** The REST API's commands, carried out with this loop. */
  public ClusterCommands commands() {
    return commands;
  }

  /** This member's DCS operations as used now. */
  public PatroniDcs dcs() {
    return dcs.get();
  }

  public DatabaseDriver driver() {
    return driver;
  }

  /** The last cluster view the loop read (or the stale one it decided on). */
  public ClusterView lastView() {
    return lastView;
  }

  public AgentState state() {
    return state;
  }

  public ActionExecutor executor() {
    return executor;
  }

  public LoopConfig config() {
    return config;
  }

  public Clock clock() {
    return clock;
  }

  /** The timings in force for the last view. */
  public Timings timings() {
    return HaEngine.effectiveTimings(lastView, config.ha());
  }

  /** Makes the loop run its next cycle now (or right after the current one). */
  public void wake() {
    synchronized (wakeLock) {
      wakeRequested = true;
      wakeLock.notifyAll();
    }
  }

  /** Queues a request for the loop to carry out between cycles, and wakes it. */
  void submit(LoopRequest request) {
    requests.add(request);
    wake();
  }

  Optional<ScheduledRestart> scheduledRestart() {
    return scheduledRestart;
  }

  /** Sets the scheduled restart; false if one is scheduled already. */
  synchronized boolean schedule(ScheduledRestart restart) {
    if (scheduledRestart.isPresent()) {
      return false;
    }
    scheduledRestart = Optional.of(restart);
    return true;
  }

  synchronized boolean cancelScheduledRestart() {
    boolean had = scheduledRestart.isPresent();
    scheduledRestart = Optional.empty();
    return had;
  }

  // ================================================================= threads

  /** Starts the loop thread and the DCS watch thread. */
  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    PatroniDcs d = dcs.get();
    watcher = new DcsWatcher(() -> PollingWatch.of(dcs.get().store(), pollInterval()), () -> dcs.get().store(),
        d.path().base(), () -> timings().loopWait(), this::wake);
    watchThread = new Thread(watcher, "primus-dcs-watch");
    watchThread.setDaemon(true);
    watchThread.start();
    loopThread = new Thread(this::loop, "primus-ha-loop");
    loopThread.setDaemon(false);
    loopThread.start();
  }

  /** A store without a native watch is polled at half loop_wait, at least every 500 ms. */
  private Duration pollInterval() {
    Duration half = timings().loopWait().dividedBy(2);
    return half.compareTo(BACKOFF) < 0 ? BACKOFF : half;
  }

  private void loop() {
    while (running) {
      Duration wait;
      try {
        wait = runCycle();
      } catch (RuntimeException e) {
        LOG.error("the HA cycle failed; trying again in {} ms", BACKOFF.toMillis(), e);
        wait = BACKOFF;
      }
      awaitWake(wait);
    }
  }

  private void awaitWake(Duration wait) {
    long deadline = System.nanoTime() + Math.max(0, wait.toNanos());
    synchronized (wakeLock) {
      try {
        while (!wakeRequested && running) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            break;
          }
          TimeUnit.NANOSECONDS.timedWait(wakeLock, left);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        running = false;
      }
      wakeRequested = false;
    }
  }

  /**
   * Stops the loop and watch threads, letting the current cycle finish (up to {@code wait}). The
   * database and the DCS keys are left as they are; see {@link #shutdown}.
   */
  public void stopThreads(Duration wait) throws InterruptedException {
    Thread loopT;
    Thread watchT;
    synchronized (this) {
      running = false;
      loopT = loopThread;
      watchT = watchThread;
    }
    wake();
    if (watcher != null) {
      watcher.stop();
    }
    if (watchT != null) {
      watchT.interrupt();
    }
    if (loopT != null && loopT != Thread.currentThread()) {
      loopT.join(wait.toMillis());
      if (loopT.isAlive()) {
        LOG.warn("the HA loop did not finish its cycle within {} s; shutting down anyway", wait.toSeconds());
      }
    }
  }

  // ================================================================= one cycle

  /**
   * Runs one cycle: the requests queued by the REST API, then observe, decide, act. Returns how long
   * the loop should wait before the next one.
   */
  public Duration runCycle() {
    handleRequests();

    Map<String, PeerAnswer> answers = Map.of();
    if (!pendingPeers.isEmpty()) {
      answers = peers.query(lastView, pendingPeers);
      pendingPeers = List.of();
    }
    Optional<FailsafeAnswers> failsafeAnswers = Optional.empty();
    if (pendingFailsafe.isPresent()) {
      Action.AskFailsafe ask = pendingFailsafe.get();
      pendingFailsafe = Optional.empty();
      Instant askedAt = clock.instant();
      Map<String, FailsafeAnswer> got = peers.askFailsafe(ask.members(), new PeerClient.FailsafeRequest(
          config.ha().name(), config.ha().connUrl(), config.ha().apiUrl(), ask.walPosition()));
      got.forEach((m, a) -> LOG.info("failsafe answer from {}: {}", m, a));
      failsafeAnswers = Optional.of(new FailsafeAnswers(askedAt, got));
    }
    ClusterView view = observeDcs();
    maybeResizeLease(view);
    // Sampled before the probe: only this thread starts long actions, so none can begin or end unseen in between.
    boolean busyBefore = executor.busy();
    LocalState local = replicaTimeline.apply(driver.probe());
    callbacks.observed(local, busyBefore);
    Decision decision = decideAndLog(view, local, answers, failsafeAnswers);
    ActionExecutor.Result result = executor.execute(decision);
    result.askPeers().ifPresent(p -> pendingPeers = p);
    pendingFailsafe = result.askFailsafe();

    if (result.dcsUnavailable() && view.connection().isConnected()) {
      // The DCS stopped answering in the middle of the cycle: decide again at once on what is known,
      // marked not current, rather than block on another read.
      view = stale(view);
      lastView = view;
      local = replicaTimeline.apply(driver.probe());
      decision = decideAndLog(view, local, Map.of(), Optional.empty());
      result = executor.execute(decision);
      pendingFailsafe = result.askFailsafe();
    }

    if (view.connection().isConnected()) {
      applyDynamicParameters(view, local);
      noteSlotMembers(view);
      maintainSlots(view, local);
    }
    // Active from the first kept cycle until the role is given up or the DCS answers again (Patroni's
    // set_is_active): the cycles that ask the members again in between do not switch it off.
    failsafeActive = decision.reason() == Reason.FAILSAFE_LEADING
        || (failsafeActive && decision.reason() == Reason.FAILSAFE_ASKING);
    Duration wait = nextWait(decision, result);
    publish(view, local, decision, clock.instant().plus(wait));
    return wait;
  }

  private Decision decideAndLog(ClusterView view, LocalState local, Map<String, PeerAnswer> answers,
      Optional<FailsafeAnswers> failsafeAnswers) {
    AgentState.Snapshot s = state.snapshot();
    Observation obs = new Observation(view, local, s.inProgress(), answers, failsafeAnswers,
        Optional.ofNullable(failsafeReceived.get()));
    Decision d = HaEngine.decide(obs, s.memory(), config.ha(), clock.instant());
    LOG.info("{}", d.message());
    if (LOG.isDebugEnabled()) {
      LOG.debug("actions: {}", d.actions().stream().map(ActionExecutor::describe).toList());
    }
    return d;
  }

  private ClusterView observeDcs() {
    try {
      ClusterView v = dcs.get().read();
      lastView = v;
      if (v.connection().isConnected()) {
        dcsLastSeen = Optional.of(clock.instant());
      }
      return v;
    } catch (DcsException e) {
      LOG.warn("could not read the DCS: {}", e.getMessage());
      ClusterView v = stale(lastView);
      lastView = v;
      return v;
    }
  }

  /** The last view, marked as not current: SUSPENDED, or LOST when the store says the lease is gone. */
  private ClusterView stale(ClusterView v) {
    ConnectionState cs = dcs.get().store().connectionState();
    if (cs.isConnected()) {
      cs = ConnectionState.SUSPENDED;
    }
    return new ClusterView(v.initialize(), v.config(), v.leader(), v.members(), v.failover(), v.sync(), v.history(),
        v.status(), v.failsafe(), v.invalid(), cs);
  }

  /** A new lease TTL when the effective ttl changed (edit-config): the next renewal moves the keys to it. */
  private void maybeResizeLease(ClusterView view) {
    if (!view.connection().isConnected()) {
      return;
    }
    Duration ttl = HaEngine.effectiveTimings(view, config.ha()).ttl();
    PatroniDcs current = dcs.get();
    if (!ttl.equals(current.ttl())) {
      LOG.info("ttl is now {} s (was {} s): the next lock update moves to a lease of the new ttl", ttl.toSeconds(),
          current.ttl().toSeconds());
      PatroniDcs next = new PatroniDcs(current.store(), current.path(), current.memberName(), ttl);
      dcs.set(next);
      // Seed the new instance's memory of the keys (it compares the leader key's lease with its own).
      try {
        lastView = next.read();
      } catch (DcsException e) {
        LOG.warn("could not read the DCS after changing the ttl: {}", e.getMessage());
      }
    }
  }

  private Duration nextWait(Decision decision, ActionExecutor.Result result) {
    Duration wait = result.clusterChanged() ? Duration.ZERO : decision.recheckAfter();
    if (wait.isZero()) {
      immediateStreak++;
      if (immediateStreak > IMMEDIATE_CYCLES_MAX) {
        immediateStreak = 0;
        Duration loopWait = timings().loopWait();
        wait = loopWait.compareTo(BACKOFF) < 0 ? loopWait : BACKOFF;
        LOG.debug("{} cycles back to back; pausing {} ms", IMMEDIATE_CYCLES_MAX, wait.toMillis());
      }
    } else {
      immediateStreak = 0;
    }
    return wait;
  }

  // ================================================================= between cycles

  private void handleRequests() {
    LoopRequest r;
    while ((r = requests.poll()) != null) {
      if (r instanceof LoopRequest.Reload) {
        reloadPending = true;
      } else if (r instanceof LoopRequest.Restart restart) {
        runRestart(restart);
      } else if (r instanceof LoopRequest.Reinitialize reinit) {
        runReinitialize(reinit);
      }
    }
    if (reloadPending && !executor.busy()) {
      reloadPending = false;
      reload();
    }
    Optional<ScheduledRestart> due = scheduledRestart.filter(s -> !clock.instant().isBefore(s.at()));
    if (due.isPresent() && !executor.busy()) {
      cancelScheduledRestart();
      LOG.info("running the restart scheduled for {}", due.get().at());
      runRestart(new LoopRequest.Restart(due.get().request(), new java.util.concurrent.CompletableFuture<>()));
    }
  }

  private void runRestart(LoopRequest.Restart r) {
    Optional<String> refusal = RestartConditions.check(r.request(), status);
    if (refusal.isPresent()) {
      r.result().complete(new dev.primus.runner.rest.RestartResult.Failed(refusal.get()));
      return;
    }
    Duration timeout = r.request().timeout().orElse(config.dbTimeout());
    boolean started = executor.startAlone(new Action.RestartDatabase(), () -> executor.restart(timeout), o -> {
      LOG.info("restart {}", o.succeeded() ? "done" : "failed: " + o);
      r.result().complete(o.succeeded() ? new dev.primus.runner.rest.RestartResult.Restarted()
          : new dev.primus.runner.rest.RestartResult.Failed("restart failed: " + detail(o)));
    });
    if (!started) {
      r.result().complete(new dev.primus.runner.rest.RestartResult.Failed("a long action is running: "
          + state.inProgress().map(p -> ActionExecutor.describe(p.action())).orElse("?")));
    }
  }

  private void runReinitialize(LoopRequest.Reinitialize r) {
    Action a = new Action.Reinitialize(r.source());
    boolean started = executor.startAlone(a, () -> executor.runLong(a),
        o -> LOG.info("reinitialize from {} {}", r.source(), o.succeeded() ? "done" : "failed: " + o));
    r.started().complete(started ? Optional.empty() : Optional.of("a long action is running: "
        + state.inProgress().map(p -> ActionExecutor.describe(p.action())).orElse("?")));
  }

  private static String detail(ActionOutcome o) {
    if (o instanceof ActionOutcome.Failed f) {
      return f.detail();
    }
    return o.toString();
  }

  /** SIGHUP / POST /reload: the local file again, then the database's configuration. */
  private void reload() {
    Optional<LoopConfig> next = reloader.get();
    if (next.isPresent()) {
      config = next.get();
      LOG.info("configuration reloaded");
      failedParameters = null;
    }
    Map<String, Object> merged = mergedParameters(lastView);
    try {
      driver.applyParameters(merged);
      appliedDynamicParameters = dynamicParameters(lastView);
      LOG.info("PostgreSQL configuration reloaded");
      callbacks.reloaded();
    } catch (DriverException e) {
      LOG.warn("could not reload the PostgreSQL configuration: {}", e.getMessage());
    }
  }

  /**
   * Hands a changed {@code postgresql.parameters} of the DCS config to the driver (local ones under the
   * DCS's), as Patroni does when the config key changes. Not while a long action runs (the driver takes
   * one mutating call at a time), and not twice for a set of parameters it refused.
   */
  private void applyDynamicParameters(ClusterView view, LocalState local) {
    if (view.config().isEmpty() || executor.busy()
        || local.dataDirectory() != LocalState.DataDirectoryState.INITIALIZED) {
      return;
    }
    Map<String, Object> dynamic = dynamicParameters(view);
    if (dynamic.equals(appliedDynamicParameters) || dynamic.equals(failedParameters)) {
      return;
    }
    try {
      driver.applyParameters(mergedParameters(view));
      appliedDynamicParameters = dynamic;
      failedParameters = null;
      LOG.info("applied the changed postgresql.parameters of the DCS config");
      callbacks.reloaded();
    } catch (DriverException e) {
      failedParameters = dynamic;
      LOG.warn("could not apply the postgresql.parameters of the DCS config: {}", e.getMessage());
    }
  }

  /**
   * The leader keeps a physical replication slot for every member that streams from it (Patroni's
   * {@code use_slots}), and the permanent slots of the DCS config. The engine has no action for this
   * yet, so the loop does it between cycles: when the wanted set changes, and at least every
   * {@link #SLOT_REFRESH} to repair what someone dropped. A member that left keeps its slot for
   * {@code member_slots_ttl} after it was last seen, so a short absence does not cost it a base backup.
   */
  private void maintainSlots(ClusterView view, LocalState local) {
    String me = config.ha().name();
    DynamicConfig dyn = effectiveConfig(view);
    if (!view.isLockedBy(me) || state.memory().lastLockUpdate().isEmpty() || !local.isRunningPrimary()
        || executor.busy() || !dyn.useSlots()) {
      return;
    }
    Instant now = clock.instant();
    Instant keepSince = now.minus(dyn.memberSlotsTtl());
    slotMembersSeen.values().removeIf(seen -> seen.isBefore(keepSince));
    java.util.Set<String> wanted = java.util.Set.copyOf(slotMembersSeen.keySet());
    Map<String, Object> permanent = dyn.permanentSlots();
    boolean changed = !wanted.equals(slotsApplied) || !permanent.equals(permanentSlotsApplied);
    boolean stale = slotsAppliedAt.map(t -> !now.isBefore(t.plus(SLOT_REFRESH))).orElse(true);
    if (!changed && !stale) {
      return;
    }
    try {
      driver.ensureSlots(wanted, permanent);
      slotsApplied = wanted;
      permanentSlotsApplied = Map.copyOf(permanent);
      slotsAppliedAt = Optional.of(now);
      if (changed) {
        LOG.info("replication slots for {}{}", wanted.isEmpty() ? "no member" : String.join(", ", new java.util.TreeSet<>(wanted)),
            permanent.isEmpty() ? "" : " and permanent slots " + new java.util.TreeSet<>(permanent.keySet()));
      }
    } catch (DriverException e) {
      slotsAppliedAt = Optional.of(now); // retried after SLOT_REFRESH, not every cycle
      LOG.warn("could not maintain the replication slots: {}", e.getMessage());
    }
  }

  /**
   * Remembers, on every member and whatever its role, when each other member that would stream from this
   * one was last seen. A new leader so keeps a slot for the member that just died, the old primary,
   * which it never saw while leading (its key was gone by the time this member took the lock): when that
   * member comes back its slot is there, instead of its WAL receiver failing on a missing slot and
   * retrying only after {@code wal_retrieve_retry_interval}.
   */
  private void noteSlotMembers(ClusterView view) {
    String me = config.ha().name();
    Instant now = clock.instant();
    for (dev.primus.dcs.model.Member m : view.members()) {
      if (m.name().equals(me) || m.version() == -1 || m.status().tags().noStream()) {
        continue;
      }
      Optional<String> from = m.status().tags().replicateFrom().filter(r -> view.member(r).isPresent());
      if (from.isEmpty() || from.get().equals(me)) {
        slotMembersSeen.put(m.name(), now);
      }
    }
  }

  private Map<String, Object> dynamicParameters(ClusterView view) {
    return Map.copyOf(effectiveConfig(view).postgresqlParameters());
  }

  private Map<String, Object> mergedParameters(ClusterView view) {
    Map<String, Object> merged = new LinkedHashMap<>(config.localParameters());
    merged.putAll(effectiveConfig(view).postgresqlParameters());
    return merged;
  }

  private DynamicConfig effectiveConfig(ClusterView view) {
    return view.config().map(Versioned::value).orElse(config.ha().bootstrapDcs());
  }

  /**
   * Remembers a {@code POST /failsafe} this member accepted (the REST thread calls it); the engine keeps
   * this member out of the leader race for a ttl from {@code notice.receivedAt()}.
   */
  void failsafeReceived(FailsafeNotice notice) {
    failsafeReceived.set(Objects.requireNonNull(notice, "notice"));
  }

  // ================================================================= the status snapshot

  private NodeStatus initialStatus() {
    Instant now = clock.instant();
    return new NodeStatus(lastView, LocalState.empty(), MemberState.STOPPED, MemberRole.UNINITIALIZED,
        Optional.empty(), config.ha().bootstrapDcs(), config.ha().tags(), Optional.empty(), now, 0, Optional.empty(),
        false, Optional.empty(), List.of(), Optional.empty(), false, false);
  }

  private void publish(ClusterView view, LocalState local, Decision decision, Instant nextCycleDue) {
    AgentState.Snapshot s = state.snapshot();
    Timings timings = HaEngine.effectiveTimings(view, config.ha());
    Optional<Instant> leaderUntil = s.memory().lastLockUpdate().map(t -> t.plus(timings.ttl()));
    MemberStatus published = decision.first(Action.TouchMember.class).map(Action.TouchMember::status)
        .orElse(null);
    MemberState st = published != null ? published.state() : reportedState(local, s.inProgress());
    MemberRole role = published != null ? published.role() : reportedRole(local);
    String replicationUser = config.replicationUser();
    List<ReplicationRow> rows = local.replicas().stream()
        .map(r -> new ReplicationRow(replicationUser, r.applicationName(), Optional.empty(), r.state(), r.syncState(), 0))
        .toList();
    status = new NodeStatus(view, local, st, role, leaderUntil, effectiveConfig(view), config.ha().tags(), dcsLastSeen,
        nextCycleDue, local.serverVersion().orElse(0), Optional.empty(), false, Optional.empty(), rows,
        scheduledRestart.map(ScheduledRestart::published), s.memory().watchdogFailed(), failsafeActive);
  }

  /** The state to report when the decision wrote no member key (the DCS is unreachable). */
  static MemberState reportedState(LocalState local, Optional<InProgress> running) {
    if (running.isPresent()) {
      Action a = running.get().action();
      if (a instanceof Action.Bootstrap) {
        return MemberState.INITIALIZING;
      }
      if (a instanceof Action.CreateReplica || a instanceof Action.Reinitialize) {
        return MemberState.CREATING_REPLICA;
      }
      if (a instanceof Action.Rewind) {
        return MemberState.REWINDING;
      }
      if (a instanceof Action.RestartDatabase) {
        return MemberState.RESTARTING;
      }
    }
    switch (local.process()) {
      case RUNNING:
        return MemberState.RUNNING;
      case STARTING:
        return MemberState.STARTING;
      case STOPPING:
        return MemberState.STOPPING;
      case CRASHED:
        return MemberState.CRASHED;
      default:
        return MemberState.STOPPED;
    }
  }

  static MemberRole reportedRole(LocalState local) {
    if (local.dataDirectory() != LocalState.DataDirectoryState.INITIALIZED) {
      return MemberRole.UNINITIALIZED;
    }
    return local.role().orElse(DatabaseRole.REPLICA) == DatabaseRole.PRIMARY ? MemberRole.PRIMARY : MemberRole.REPLICA;
  }

  // ================================================================= shutdown

  /** What the shutdown did, for the log and the tests. */
  public record ShutdownReport(boolean databaseStopped, boolean lockReleased, boolean leaseRevoked, String note) {}

  /**
   * The SIGTERM path: stop the threads, stop PostgreSQL (fast), and only once it is down give the leader
   * key up and revoke the lease, so the others need not wait for the TTL. If the database did not stop,
   * the key stays (nobody may be promoted while this one may still take writes). Paused: PostgreSQL keeps
   * running and the keys stay, as in Patroni.
   */
  public ShutdownReport shutdown(Duration cycleWait) {
    try {
      stopThreads(cycleWait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ClusterView view = lastView;
    PatroniDcs d = dcs.get();
    try {
      if (view.paused()) {
        LOG.info("paused: leaving PostgreSQL running and the DCS keys in place");
        return new ShutdownReport(false, false, false, "paused");
      }
      boolean stopped = stopDatabase();
      if (!stopped) {
        LOG.error("PostgreSQL did not stop: keeping the leader key, so that no other member is promoted while"
            + " this one may still take writes");
        return new ShutdownReport(false, false, false, "database did not stop");
      }
      boolean released = false;
      boolean revoked = false;
      try {
        if (view.isLockedBy(d.memberName()) || state.memory().lastLockUpdate().isPresent()) {
          released = d.releaseLeaderLock() == dev.primus.dcs.layout.ReleaseOutcome.RELEASED;
          if (released) {
            LOG.info("leader key released");
          }
        }
        d.revokeLease();
        revoked = true;
      } catch (DcsException e) {
        LOG.warn("could not release the leader key or revoke the lease (it expires after ttl): {}", e.getMessage());
      }
      return new ShutdownReport(true, released, revoked, "");
    } finally {
      watchdog.close();
      executor.close();
      // An on_stop just handed over should get to run before the process exits.
      scripts.close(SCRIPTS_AT_SHUTDOWN);
    }
  }

  /** Stops PostgreSQL fast, bounded in time: a long action may hold the driver, so this waits only so long. */
  private boolean stopDatabase() {
    Duration bound = config.dbTimeout().multipliedBy(2).plusSeconds(5);
    try {
      if (!executor.shutdown(config.dbTimeout())) {
        LOG.warn("a long action is still running; stopping PostgreSQL anyway");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    java.util.concurrent.ExecutorService one = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "primus-shutdown-stop");
      t.setDaemon(true);
      return t;
    });
    LocalState before = driver.probe();
    try {
      Future<Optional<Long>> stop = one.submit(() -> driver.stop(StopMode.FAST, config.dbTimeout()));
      Optional<Long> checkpoint = stop.get(bound.toMillis(), TimeUnit.MILLISECONDS);
      LOG.info("PostgreSQL stopped{}", checkpoint.map(l -> " (shutdown checkpoint at " + l + ")").orElse(""));
      callbacks.stoppedAtShutdown(before);
      writeShutdownCheckpoint(checkpoint);
      return true;
    } catch (ExecutionException e) {
      LOG.warn("stopping PostgreSQL failed: {}", e.getCause() == null ? e : e.getCause().getMessage());
    } catch (TimeoutException e) {
      LOG.warn("stopping PostgreSQL did not finish within {} s", bound.toSeconds());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      one.shutdownNow();
    }
    return !driver.probe().isRunning();
  }

  /** The leader writes its shutdown checkpoint to {@code status}, so candidates know they have all of it. */
  private void writeShutdownCheckpoint(Optional<Long> checkpoint) {
    PatroniDcs d = dcs.get();
    if (checkpoint.isEmpty() || !lastView.isLockedBy(d.memberName())) {
      return;
    }
    ClusterStatus s = lastView.status();
    try {
      d.writeStatus(new ClusterStatus(checkpoint.get(), s.slots(), s.retainSlots()));
    } catch (DcsException e) {
      LOG.warn("could not write the shutdown checkpoint to status: {}", e.getMessage());
    }
  }

  /** A restart planned for later ({@code POST /restart} with a schedule). */
  record ScheduledRestart(Instant at, dev.primus.runner.rest.RestartRequest request) {
    MemberStatus.ScheduledRestart published() {
      Map<String, Object> extra = new LinkedHashMap<>();
      request.postgresVersion().ifPresent(v -> extra.put("postgres_version", RestartConditions.versionText(v)));
      return new MemberStatus.ScheduledRestart(request.schedule().map(Object::toString).orElse(at.toString()),
          Optional.empty(), extra);
    }
  }
}
