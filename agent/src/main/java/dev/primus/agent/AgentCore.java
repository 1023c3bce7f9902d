package dev.primus.agent;

import dev.primus.dcs.layout.ClusterPath;
import dev.primus.dcs.layout.PatroniDcs;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.PatroniDialect;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.MemberStatus;
import dev.primus.dcs.model.Versioned;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.DcsException;
import dev.primus.ha.Action;
import dev.primus.ha.AgentMemory;
import dev.primus.ha.Decision;
import dev.primus.ha.FailsafeAnswers;
import dev.primus.ha.FailsafeNotice;
import dev.primus.ha.HaConfig;
import dev.primus.ha.HaEngine;
import dev.primus.ha.LocalState;
import dev.primus.ha.MemberStates;
import dev.primus.ha.Observation;
import dev.primus.ha.OperatorRequest;
import dev.primus.ha.PeerAnswer;
import dev.primus.ha.Reason;
import dev.primus.ha.Timings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member's loop: observe, decide, act, wait (DESIGN section 2), all on the agent's lane.
 *
 * <ul>
 *   <li><b>Observe</b>: the answers of the peers the last decision asked about (in parallel, 2 s each);
 *       one prefix read of the DCS, or, when it fails, the last view marked SUSPENDED or LOST; the
 *       database's probe, with a replica's timeline kept from going backwards ({@link ReplicaTimeline});
 *       the long action in progress; the operators' requests not yet answered.
 *   <li><b>Decide</b>: the engine ({@link HaEngine#decide}, or the simulator's wrapper of it) with the
 *       memory in {@link AgentState}. One log line per cycle, {@link Decision#message()}, as Patroni
 *       prints it, and a {@link AgentEvent.DecisionTaken}.
 *   <li><b>Act</b>: {@link DecisionExecutor}. When a DCS request failed while acting, the loop decides once
 *       more at once on the last view marked not connected, without another read (which could only block
 *       for another retry_timeout): that is how a primary whose renewal failed demotes well within
 *       {@code loop_wait + 2 * retry_timeout <= ttl}.
 *   <li><b>Wait</b>: not at all after a write that changed the cluster; otherwise until
 *       {@link Decision#recheckAfter()}, or earlier when woken: by the DCS watch (a change of leader,
 *       config, failover, initialize or sync), the end of a long action, or an operator's command. After
 *       {@link #IMMEDIATE_CYCLES_MAX} cycles back to back it pauses anyway.
 * </ul>
 *
 * <p>Everything that changes the loop's state runs on the lane; other threads (a REST API, peers) read the
 * published {@link AgentStatus} and hand requests over through the lane.
 */
final class AgentCore {
  private static final Logger LOG = LoggerFactory.getLogger(AgentCore.class);
  /**
   * One DEBUG line per cycle with its duration and delay ({@link LoopTimes}); a logger of its own, so that
   * {@code log.loggers: {dev.primus.agent.cycle: DEBUG}} shows them and nothing else.
   */
  static final Logger CYCLE_LOG = LoggerFactory.getLogger("dev.primus.agent.cycle");
  /** Back-to-back cycles allowed before the loop waits anyway (a guard against ping-pong). */
  static final int IMMEDIATE_CYCLES_MAX = 8;
  /** The pause after {@link #IMMEDIATE_CYCLES_MAX} immediate cycles, or after a cycle that failed. */
  static final Duration BACKOFF = Duration.ofMillis(500);
  /** How much earlier than asked a cycle may come, in percent of the wait (see {@link #spread}). */
  static final long SPREAD_PERCENT = 5;
  /** The keys whose change calls for a decision (member keys and status change all the time). */
  private static final Set<String> INTERESTING = Set.of("leader", "config", "failover", "initialize", "sync");

  final String name;
  final ClusterPath path;
  final AgentRuntime runtime;
  final AgentRuntime.Lane lane;
  final Clock clock;
  final DatabaseOperations db;
  final PeerClient peers;
  final Watchdog watchdog;
  final DecisionFunction engine;
  final AgentState state = new AgentState();
  final DatabaseCallbacks callbacks;
  final CallbackRunner scripts;
  final Requests requests = new Requests();
  private final List<AgentListener> listeners = new CopyOnWriteArrayList<>();
  private final ReplicaTimeline replicaTimeline = new ReplicaTimeline();
  private final DecisionExecutor executor;
  private final AtomicReference<FailsafeNotice> failsafeReceived = new AtomicReference<>();
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  final LoopTimes loopTimes = new LoopTimes();

  private volatile PatroniDcs dcs;
  private volatile HaConfig ha;
  private volatile HaSettings settings;
  private volatile ClusterView lastView = ClusterView.empty(ConnectionState.SUSPENDED);
  private final java.util.Map<String, String> connUrls = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile AgentStatus status;
  private volatile Optional<Instant> dcsLastSeen = Optional.empty();

  // Lane-confined.
  private boolean started;
  private boolean closed;
  private boolean cycleRunning;
  /** A wake-up arrived during the cycle: the next one comes no later than this after it ends. */
  private Optional<Duration> wakeWithin = Optional.empty();
  private AgentRuntime.Cancellable nextCycle;
  private Instant nextCycleAt;
  /** When the running cycle began (for {@link #loopTimes}). */
  private Instant cycleBegan;
  private Duration cycleLate = Duration.ZERO;
  private AgentRuntime.Subscription watch;
  private int immediateStreak;
  private List<String> pendingPeers = List.of();
  private Optional<Action.AskFailsafe> pendingFailsafe = Optional.empty();
  private boolean wasLeader;
  private Optional<String> blocked = Optional.empty();
  private Optional<String> timingsWarned = Optional.empty();
  /** Seeded by the member's name and cluster: a simulation replays the same waits. */
  private final SplittableRandom jitter;

  AgentCore(String name, ClusterPath path, HaConfig ha, HaSettings settings, AgentRuntime runtime, PatroniDcs dcs,
      DatabaseOperations db, PeerClient peers, Watchdog watchdog, DecisionFunction engine, CallbackRunner scripts) {
    this.name = Objects.requireNonNull(name, "name");
    this.path = Objects.requireNonNull(path, "path");
    this.jitter = new SplittableRandom(((long) path.base().hashCode() << 32) ^ name.hashCode());
    this.ha = Objects.requireNonNull(ha, "ha");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    this.lane = runtime.newLane(name);
    this.clock = runtime.clock();
    this.dcs = Objects.requireNonNull(dcs, "dcs");
    this.db = Objects.requireNonNull(db, "db");
    this.peers = Objects.requireNonNull(peers, "peers");
    this.watchdog = Objects.requireNonNull(watchdog, "watchdog");
    this.engine = Objects.requireNonNull(engine, "engine");
    this.scripts = scripts;
    this.callbacks = scripts == null
        ? DatabaseCallbacks.none()
        : new DatabaseCallbacks(() -> this.settings.callbacks(), path::scope, scripts,
            () -> PatroniDialect.ofVersion(Optional.of(this.settings.agentVersion())));
    this.executor = new DecisionExecutor(this);
    this.status = initialStatus();
  }

  // ================================================================= what others use

  AgentStatus status() {
    return status;
  }

  PatroniDcs dcs() {
    return dcs;
  }

  void useDcs(PatroniDcs next) {
    this.dcs = next;
  }

  HaConfig ha() {
    return ha;
  }

  HaSettings settings() {
    return settings;
  }

  ClusterView lastView() {
    return lastView;
  }

  /** The executor (package-private for its tests). */
  DecisionExecutor executor() {
    return executor;
  }

  /** Sets the view the loop last read (its tests, which act without reading). */
  void lastView(ClusterView v) {
    lastView = Objects.requireNonNull(v, "v");
    remember(v);
  }

  /**
   * Notes the {@code conn_url} each member of {@code v} publishes: a former primary whose agent froze loses its
   * member key with its lock, and the member that fences it ({@link Action.FenceFormerPrimary}) still needs its
   * address. An address book, nothing decided from it.
   */
  void remember(ClusterView v) {
    for (dev.primus.dcs.model.Member m : v.members()) {
      String url = m.status().connUrl();
      if (!url.isBlank()) {
        connUrls.put(m.name(), url);
      }
    }
  }

  /** The {@code conn_url} {@code member} last published in a view this agent read, if any. */
  Optional<String> lastConnUrl(String member) {
    return Optional.ofNullable(connUrls.get(member));
  }

  /** The timings in force for the last view. */
  Timings timings() {
    return HaEngine.effectiveTimings(lastView, ha);
  }

  Duration databaseTimeout() {
    return settings.databaseTimeout();
  }

  void addListener(AgentListener l) {
    listeners.add(Objects.requireNonNull(l, "listener"));
  }

  void removeListener(AgentListener l) {
    listeners.remove(l);
  }

  /** Takes new settings into use from the next cycle (tags, parameters, scripts, timeouts). */
  void reconfigure(HaConfig newHa, HaSettings newSettings) {
    this.ha = Objects.requireNonNull(newHa, "newHa");
    this.settings = Objects.requireNonNull(newSettings, "newSettings");
  }

  void failsafeReceived(FailsafeNotice notice) {
    failsafeReceived.set(Objects.requireNonNull(notice, "notice"));
  }

  /** Completes when the loop has stopped for good (after {@link #stop}). */
  CompletableFuture<Void> stopped() {
    return stopped;
  }

  // ================================================================= life

  void start() {
    lane.execute(() -> {
      if (started || closed) {
        return;
      }
      started = true;
      Duration poll = pollInterval();
      watch = runtime.watch(dcs.store(), path.base(), poll, this::watchFired);
      scheduleCycle(Duration.ZERO);
    });
  }

  /** A store without a native watch is polled at half loop_wait, at least every 500 ms. */
  private Duration pollInterval() {
    Duration half = timings().loopWait().dividedBy(2);
    return half.compareTo(BACKOFF) < 0 ? BACKOFF : half;
  }

  private void watchFired(Set<String> changed) {
    if (changed.isEmpty() || changed.stream().anyMatch(INTERESTING::contains)) {
      wake();
    }
  }

  /** Makes the loop run its next cycle now, or right after the current one. */
  void wake() {
    wake(Duration.ZERO);
  }

  /**
   * Makes the next cycle come no later than {@code within} from now (or from the end of the current one).
   * A long action that failed wakes the loop after {@link #BACKOFF}, not at once: the engine may well ask
   * for the same action again, and an action that fails at once would otherwise spin.
   */
  void wake(Duration within) {
    lane.execute(() -> {
      if (closed || !started) {
        return;
      }
      if (cycleRunning) {
        wakeWithin = Optional.of(wakeWithin.filter(w -> w.compareTo(within) <= 0).orElse(within));
        return;
      }
      if (nextCycleAt == null || nextCycleAt.isAfter(clock.instant().plus(within))) {
        scheduleCycle(within);
      }
    });
  }

  /**
   * Stops the loop: no new cycle starts, and the returned stage completes once the current one (with the
   * actions it started on the lane) is over. Long actions running in the background carry on.
   */
  CompletableFuture<Void> stop() {
    lane.execute(() -> {
      if (closed) {
        return;
      }
      closed = true;
      if (nextCycle != null) {
        nextCycle.cancel();
        nextCycle = null;
      }
      if (watch != null) {
        watch.close();
        watch = null;
      }
      requests.refuseAll("the agent is shutting down");
      if (!cycleRunning) {
        stopped.complete(null);
      }
    });
    return stopped;
  }

  private void scheduleCycle(Duration in) {
    if (nextCycle != null) {
      nextCycle.cancel();
    }
    nextCycleAt = clock.instant().plus(in);
    nextCycle = lane.schedule(in, this::cycle);
  }

  // ================================================================= one cycle

  private void cycle() {
    if (closed || cycleRunning) {
      return;
    }
    Instant began = clock.instant();
    Duration late = nextCycleAt == null ? Duration.ZERO : Duration.between(nextCycleAt, began);
    nextCycle = null;
    nextCycleAt = null;
    cycleRunning = true;
    cycleBegan = began;
    cycleLate = late;
    wakeWithin = Optional.empty();
    try {
      askPeers().thenComposeAsync(asked -> readCluster().thenApply(view -> new Observed(view, asked)), lane)
          .thenComposeAsync(o -> probe().thenApply(local -> o.with(local)), lane)
          .whenCompleteAsync((o, err) -> {
            if (err != null) {
              failed(err);
            } else {
              decideAndAct(o.view, o.local, o.asked.peers, o.asked.failsafe, true);
            }
          }, lane);
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  private record Asked(Map<String, PeerAnswer> peers, Optional<FailsafeAnswers> failsafe) {
    static final Asked NONE = new Asked(Map.of(), Optional.empty());
  }

  private record Observed(ClusterView view, Asked asked, LocalState local) {
    Observed(ClusterView view, Asked asked) {
      this(view, asked, null);
    }

    Observed with(LocalState l) {
      return new Observed(view, asked, l);
    }
  }

  /** The requests the last decision asked for: POST /failsafe, or the peers' status. */
  private CompletionStage<Asked> askPeers() {
    if (pendingFailsafe.isPresent()) {
      Action.AskFailsafe ask = pendingFailsafe.get();
      pendingFailsafe = Optional.empty();
      Instant askedAt = clock.instant();
      HaConfig h = ha;
      return peers.askFailsafe(ask.members(), new PeerClient.FailsafeRequest(h.name(), h.connUrl(), h.apiUrl(),
          ask.walPosition())).thenApply(got -> {
            got.forEach((m, a) -> LOG.info("failsafe answer from {}: {}", m, a));
            return new Asked(Map.of(), Optional.of(new FailsafeAnswers(askedAt, got)));
          });
    }
    if (!pendingPeers.isEmpty()) {
      List<String> ask = pendingPeers;
      pendingPeers = List.of();
      return peers.query(lastView, ask).thenApply(got -> new Asked(got, Optional.empty()));
    }
    return CompletableFuture.completedFuture(Asked.NONE);
  }

  /** One read of the cluster; the last view marked not current when the DCS does not answer. */
  private CompletionStage<ClusterView> readCluster() {
    PatroniDcs d = dcs;
    return runtime.callWithin(timings().retryTimeout(), d::read).handleAsync((v, err) -> {
      if (err == null) {
        lastView = v;
        remember(v);
        if (v.connection().isConnected()) {
          dcsLastSeen = Optional.of(clock.instant());
        }
        return v;
      }
      Throwable cause = unwrap(err);
      if (cause instanceof DcsException e) {
        LOG.warn("could not read the DCS: {}", e.getMessage());
      } else {
        LOG.warn("could not read the DCS", cause);
      }
      ClusterView v2 = stale(lastView);
      lastView = v2;
      return v2;
    }, lane);
  }

  private CompletionStage<LocalState> probe() {
    boolean busyBefore = state.inProgress().isPresent();
    return db.probe().thenApplyAsync(probed -> {
      LocalState local = replicaTimeline.apply(probed);
      callbacks.observed(local, busyBefore);
      return local;
    }, lane);
  }

  /** The last view, marked not current: SUSPENDED, or LOST when the store says the lease is gone. */
  ClusterView stale(ClusterView v) {
    ConnectionState cs = dcs.store().connectionState();
    if (cs.isConnected()) {
      cs = ConnectionState.SUSPENDED;
    }
    return new ClusterView(v.initialize(), v.config(), v.leader(), v.members(), v.failover(), v.sync(), v.history(),
        v.status(), v.failsafe(), v.invalid(), cs);
  }

  private void decideAndAct(ClusterView view, LocalState local, Map<String, PeerAnswer> answers,
      Optional<FailsafeAnswers> failsafe, boolean firstAttempt) {
    AgentState.Snapshot s = state.snapshot();
    Observation obs = new Observation(view, local, s.inProgress(), answers, failsafe,
        Optional.ofNullable(failsafeReceived.get()), requests.observed());
    Decision d = engine.decide(obs, s.memory(), ha, clock.instant());
    LOG.info("{}", d.message());
    if (LOG.isDebugEnabled()) {
      LOG.debug("actions: {}", d.actions().stream().map(DecisionExecutor::describe).toList());
    }
    emit(new AgentEvent.DecisionTaken(name, clock.instant(), d));
    // Acting is a task of its own: whatever a listener did (a simulator freezing the agent right after its
    // decision) applies before the first action runs.
    lane.execute(() -> {
      if (closed) {
        endCycle(Duration.ZERO);
        return;
      }
      executor.run(d).whenCompleteAsync((result, err) -> {
        if (err != null) {
          failed(err);
          return;
        }
        afterActing(view, local, d, result, firstAttempt);
      }, lane);
    });
  }

  private void afterActing(ClusterView view, LocalState local, Decision d, DecisionExecutor.Result result,
      boolean firstAttempt) {
    result.askPeers().ifPresent(p -> pendingPeers = p);
    pendingFailsafe = result.askFailsafe();
    if (result.dcsUnavailable() && view.connection().isConnected() && firstAttempt) {
      // The DCS stopped answering in the middle of the cycle: decide again at once on what is known,
      // marked not current, rather than block on another read.
      ClusterView staleView = stale(view);
      lastView = staleView;
      probe().whenCompleteAsync((l, err) -> {
        if (err != null) {
          failed(err);
        } else {
          decideAndAct(staleView, l, Map.of(), Optional.empty(), false);
        }
      }, lane);
      return;
    }
    Duration wait = nextWait(d, result);
    publish(view, local, d, clock.instant().plus(wait));
    endCycle(wait);
  }

  private void failed(Throwable err) {
    LOG.error("the HA cycle failed; trying again in {} ms", BACKOFF.toMillis(), unwrap(err));
    emit(new AgentEvent.CycleFailed(name, clock.instant(), unwrap(err)));
    endCycle(BACKOFF);
  }

  private void endCycle(Duration wait) {
    cycleRunning = false;
    if (cycleBegan != null) {
      Duration took = Duration.between(cycleBegan, clock.instant());
      loopTimes.record(took, cycleLate);
      if (CYCLE_LOG.isDebugEnabled()) {
        CYCLE_LOG.debug("loop cycle took {} ms, began {} ms after it was due", millis(took), millis(cycleLate));
      }
      cycleBegan = null;
    }
    if (closed) {
      stopped.complete(null);
      return;
    }
    if (wakeWithin.isPresent()) {
      if (wakeWithin.get().compareTo(wait) < 0) {
        wait = wakeWithin.get();
      }
      wakeWithin = Optional.empty();
    }
    scheduleCycle(wait);
  }

  private static String millis(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1f", Math.max(0, d.toNanos()) / 1e6);
  }

  private Duration nextWait(Decision decision, DecisionExecutor.Result result) {
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
      wait = spread(wait);
    }
    return wait;
  }

  /**
   * {@code wait} shortened by up to {@link #SPREAD_PERCENT} percent, at random. Members started together
   * (a host's instances, a control plane's fleet) would otherwise cycle in lockstep for ever, and every
   * pool of the JVM (the runtime's workers, the DCS client's threads) would grow to the size of that burst;
   * with their phases drifting apart a hundred members need a few threads. Waking early is always safe:
   * the engine decides on the time it is given.
   */
  private Duration spread(Duration wait) {
    long millis = wait.toMillis();
    if (millis < 100) {
      return wait;
    }
    return wait.minusMillis(jitter.nextLong(millis * SPREAD_PERCENT / 100 + 1));
  }

  // ================================================================= status and events

  /** Timings that break the rule are logged when they start (or change), not every cycle. */
  private void warnOnceAboutTimings(ClusterView view) {
    Optional<String> w = HaEngine.timingsWarning(view, ha);
    if (!w.equals(timingsWarned)) {
      w.ifPresent(text -> LOG.warn("{}", text));
      if (w.isEmpty()) {
        LOG.info("ttl, loop_wait and retry_timeout follow loop_wait + 2*retry_timeout <= ttl again: {}", timings());
      }
      timingsWarned = w;
    }
  }

  private AgentStatus initialStatus() {
    return new AgentStatus(name, lastView, LocalState.empty(), MemberState.STOPPED, MemberRole.UNINITIALIZED,
        Optional.empty(), ha.bootstrapDcs(), ha.tags(), Optional.empty(), clock.instant(), Optional.empty(), false,
        false, Optional.empty(), Optional.empty());
  }

  private void publish(ClusterView view, LocalState local, Decision decision, Instant nextCycleDue) {
    warnOnceAboutTimings(view);
    AgentState.Snapshot s = state.snapshot();
    AgentMemory m = s.memory();
    Timings timings = HaEngine.effectiveTimings(view, ha);
    Optional<Instant> leaderUntil = m.lastLockUpdate().map(t -> t.plus(timings.ttl()));
    Optional<MemberStatus> published = decision.first(Action.TouchMember.class).map(Action.TouchMember::status);
    MemberState st = published.map(MemberStatus::state).orElseGet(() -> MemberStates.state(local, s.inProgress()));
    MemberRole role = published.map(MemberStatus::role).orElseGet(
        () -> MemberStates.role(local, local.dataDirectory() == LocalState.DataDirectoryState.INITIALIZED));
    // Without a member key this cycle (the DCS is gone) the last one published still describes it.
    Optional<MemberStatus.ScheduledRestart> scheduled = published.map(MemberStatus::scheduledRestart)
        .orElse(status.scheduledRestart());
    Optional<String> writesBlocked = decision.reason() == Reason.SYNC_STANDBY_MISSING
        ? Optional.of("synchronous_mode_strict is on and no synchronous standby streams") : Optional.empty();
    AgentStatus previous = status;
    DynamicConfig effective = view.config().map(Versioned::value).orElse(ha.bootstrapDcs());
    status = new AgentStatus(name, view, local, st, role, leaderUntil, effective, ha.tags(), dcsLastSeen, nextCycleDue,
        scheduled, m.watchdogFailed(), m.failsafeActive(), Optional.of(decision), writesBlocked);

    Instant now = clock.instant();
    if (previous.role() != role && role != MemberRole.UNKNOWN) {
      emit(new AgentEvent.RoleChanged(name, now, previous.role(), role));
    }
    boolean leader = m.lastLockUpdate().isPresent();
    if (leader && !wasLeader) {
      emit(new AgentEvent.LockAcquired(name, now));
    } else if (!leader && wasLeader) {
      emit(new AgentEvent.LockLost(name, now, decision.message()));
    }
    wasLeader = leader;
    if (writesBlocked.isPresent() && blocked.isEmpty()) {
      emit(new AgentEvent.WritesBlocked(name, now, writesBlocked.get()));
    } else if (writesBlocked.isEmpty() && blocked.isPresent()) {
      emit(new AgentEvent.WritesUnblocked(name, now));
    }
    blocked = writesBlocked;
  }

  void emit(AgentEvent e) {
    for (AgentListener l : listeners) {
      try {
        l.onEvent(e);
      } catch (RuntimeException x) {
        LOG.warn("an agent listener failed on {}", e.getClass().getSimpleName(), x);
      }
    }
  }

  static Throwable unwrap(Throwable t) {
    while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Creates the requests' list the engine sees, and completes them when their actions end. */
  final class Requests {
    private final java.util.LinkedHashMap<Long, PendingRequest> pending = new java.util.LinkedHashMap<>();
    private final java.util.HashMap<Long, PendingRequest> running = new java.util.HashMap<>();
    private final AtomicReference<PendingRequest> scheduledRestart = new AtomicReference<>();
    private final java.util.concurrent.atomic.AtomicLong ids = new java.util.concurrent.atomic.AtomicLong();

    long nextId() {
      return ids.incrementAndGet();
    }

    /** Hands {@code r} to the engine from the next cycle on (call on any thread). */
    void submit(PendingRequest r) {
      lane.execute(() -> {
        if (closed) {
          r.refused("the agent is shutting down");
          return;
        }
        if (r.request() instanceof OperatorRequest.Reload
            && pending.values().stream().anyMatch(p -> p.request() instanceof OperatorRequest.Reload)) {
          return;
        }
        pending.put(r.request().id(), r);
      });
      wake();
    }

    /** Sets the one scheduled restart; false if there is one already. */
    boolean schedule(PendingRequest r) {
      return scheduledRestart.compareAndSet(null, r);
    }

    Optional<PendingRequest> scheduledRestart() {
      return Optional.ofNullable(scheduledRestart.get());
    }

    boolean cancelScheduled() {
      PendingRequest r = scheduledRestart.getAndSet(null);
      if (r != null) {
        r.refused("the scheduled restart was cancelled");
      }
      return r != null;
    }

    /** What the engine sees this cycle: the scheduled restart, then the others in order. */
    List<OperatorRequest> observed() {
      List<OperatorRequest> out = new ArrayList<>();
      scheduledRestart().ifPresent(r -> out.add(r.request()));
      pending.values().forEach(r -> out.add(r.request()));
      return out;
    }

    private Optional<PendingRequest> take(long id) {
      PendingRequest r = pending.remove(id);
      if (r == null) {
        PendingRequest s = scheduledRestart.get();
        if (s != null && s.request().id() == id && scheduledRestart.compareAndSet(s, null)) {
          r = s;
        }
      }
      return Optional.ofNullable(r);
    }

    /** An action for request {@code id} started: it is no longer the engine's to decide on. */
    void started(long id) {
      take(id).ifPresent(r -> {
        running.put(id, r);
        r.started();
      });
    }

    void finished(long id, dev.primus.ha.ActionOutcome outcome) {
      PendingRequest r = running.remove(id);
      if (r == null) {
        r = take(id).orElse(null);
      }
      if (r != null) {
        r.finished(outcome);
      }
    }

    void refused(long id, String reason) {
      take(id).or(() -> Optional.ofNullable(running.remove(id))).ifPresent(r -> r.refused(reason));
    }

    /** The agent stops: every request still waiting is refused. */
    void refuseAll(String reason) {
      pending.values().forEach(r -> r.refused(reason));
      pending.clear();
      running.values().forEach(r -> r.refused(reason));
      running.clear();
    }
  }
}
