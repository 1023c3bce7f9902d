package dev.primus.runner.loop;

import dev.primus.dcs.layout.AcquireOutcome;
import dev.primus.dcs.layout.PatroniDcs;
import dev.primus.dcs.layout.ReleaseOutcome;
import dev.primus.dcs.layout.RenewOutcome;
import dev.primus.dcs.model.ClusterStatus;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.MemberStatus;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DeleteResult;
import dev.primus.dcs.spi.WriteResult;
import dev.primus.ha.Action;
import dev.primus.ha.ActionOutcome;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.Decision;
import dev.primus.ha.LocalState;
import dev.primus.ha.driver.DatabaseDriver;
import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.Upstream;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out a {@link Decision}: every {@link Action} mapped onto {@link PatroniDcs}, the
 * {@link DatabaseDriver} or the {@link Watchdog}, in order, stopping at the first that does not succeed,
 * each outcome folded into the {@link AgentState} with its time.
 *
 * <p>Long actions ({@link Action#isLong()}) run on one background thread, so the loop keeps cycling and
 * renewing the lock while a base backup or a promotion runs; the state reports them as in progress
 * until they end, and their end wakes the loop. When a decision holds more than one long action, they
 * run one after the other on that thread, each only if the previous one succeeded. A long action asked
 * for while another runs is refused (reported failed), and so is a short database action (reload,
 * checkpoint): the driver takes one mutating call at a time, and the loop thread must never wait for a
 * base backup.
 *
 * <p>Times: an outcome is recorded at the instant the action finished, except the lock actions
 * (acquire, renew), which are recorded at the instant the request was sent: the server's lease runs
 * from some instant after that, so the agent's own idea of its lock validity is never the longer one
 * ({@link dev.primus.ha.AgentMemory}).
 */
public final class ActionExecutor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ActionExecutor.class);

  private final Supplier<PatroniDcs> dcs;
  private final DatabaseDriver driver;
  private final Watchdog watchdog;
  private final AgentState state;
  private final Clock clock;
  private final Supplier<ClusterView> view;
  private final Duration dbTimeout;
  private final Runnable wake;
  private final Supplier<Optional<MemberStatus.ScheduledRestart>> scheduledRestart;
  private final DatabaseCallbacks callbacks;
  private final ExecutorService longRunner;

  /**
   * @param dcs              the member's DCS operations (a supplier: the loop replaces it when ttl changes)
   * @param driver           the database
   * @param watchdog         the watchdog
   * @param state            memory and the long action in progress
   * @param clock            the only clock
   * @param view             the loop's latest cluster view: upstreams are found there by member name
   * @param dbTimeout        the deadline of a start, stop, promote ({@code postgresql.pg_ctl_timeout})
   * @param wake             wakes the loop (called when a long action ends)
   * @param scheduledRestart a scheduled restart to publish in the member key, if any
   */
  public ActionExecutor(Supplier<PatroniDcs> dcs, DatabaseDriver driver, Watchdog watchdog, AgentState state,
      Clock clock, Supplier<ClusterView> view, Duration dbTimeout, Runnable wake,
      Supplier<Optional<MemberStatus.ScheduledRestart>> scheduledRestart) {
    this(dcs, driver, watchdog, state, clock, view, dbTimeout, wake, scheduledRestart, DatabaseCallbacks.none());
  }

  /** As above, with the operator's scripts run around what happens to the database ({@code postgresql.callbacks}). */
  ActionExecutor(Supplier<PatroniDcs> dcs, DatabaseDriver driver, Watchdog watchdog, AgentState state,
      Clock clock, Supplier<ClusterView> view, Duration dbTimeout, Runnable wake,
      Supplier<Optional<MemberStatus.ScheduledRestart>> scheduledRestart, DatabaseCallbacks callbacks) {
    this.dcs = Objects.requireNonNull(dcs, "dcs");
    this.driver = Objects.requireNonNull(driver, "driver");
    this.watchdog = Objects.requireNonNull(watchdog, "watchdog");
    this.state = Objects.requireNonNull(state, "state");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.view = Objects.requireNonNull(view, "view");
    this.dbTimeout = Objects.requireNonNull(dbTimeout, "dbTimeout");
    this.wake = Objects.requireNonNull(wake, "wake");
    this.scheduledRestart = Objects.requireNonNull(scheduledRestart, "scheduledRestart");
    this.callbacks = Objects.requireNonNull(callbacks, "callbacks");
    this.longRunner = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "primus-long-action");
      t.setDaemon(true);
      return t;
    });
  }

  /** One executed action and how it ended. */
  public record Executed(Action action, ActionOutcome outcome) {}

  /**
   * What running a decision did.
   *
   * @param executed       the short actions run, and the long ones refused, in order, with outcomes
   * @param started        the long actions handed to the background thread (their outcomes come later)
   * @param failed         it stopped at an action that did not succeed
   * @param dcsUnavailable some DCS request could not be made: the view is no longer current
   * @param clusterChanged a write that changes what the cluster looks like succeeded (lock, initialize,
   *                       config, failover, sync): worth looking again at once
   * @param askPeers       the members a {@link Action.QueryPeers} asked about, if one was in the decision
   * @param askFailsafe    the {@link Action.AskFailsafe} of the decision, if any: the loop sends the
   *                       requests before its next observation
   */
  public record Result(List<Executed> executed, List<Action> started, boolean failed, boolean dcsUnavailable,
      boolean clusterChanged, Optional<List<String>> askPeers, Optional<Action.AskFailsafe> askFailsafe) {
    public Result {
      executed = List.copyOf(executed);
      started = List.copyOf(started);
      Objects.requireNonNull(askPeers, "askPeers");
      Objects.requireNonNull(askFailsafe, "askFailsafe");
    }
  }

  /** Runs {@code decision.actions()} in order; returns once the short ones ran and the long ones started. */
  public Result execute(Decision decision) {
    List<Executed> executed = new ArrayList<>();
    List<Action> chain = new ArrayList<>();
    boolean failed = false;
    boolean dcsUnavailable = false;
    boolean changed = false;
    Optional<List<String>> askPeers = Optional.empty();
    Optional<Action.AskFailsafe> askFailsafe = Optional.empty();
    for (Action a : decision.actions()) {
      if (a instanceof Action.AskFailsafe f) {
        // Like QueryPeers: the requests go out when the loop next observes (PeerClient, in parallel).
        askFailsafe = Optional.of(f);
        state.record(a, ok(), clock.instant());
        executed.add(new Executed(a, ok()));
        continue;
      }
      if (a instanceof Action.QueryPeers q) {
        // The answers are gathered when the loop next observes (PeerClient, 2 s each, in parallel).
        askPeers = Optional.of(q.members());
        state.record(a, ok(), clock.instant());
        executed.add(new Executed(a, ok()));
        continue;
      }
      if (a.isLong()) {
        if (!chain.isEmpty()) {
          chain.add(a);
          continue;
        }
        if (!state.begin(a, clock.instant())) {
          ActionOutcome refused = new ActionOutcome.Failed(
              "another long action is running: " + state.inProgress().map(p -> p.action().toString()).orElse("?"));
          state.record(a, refused, clock.instant());
          executed.add(new Executed(a, refused));
          failed = true;
          break;
        }
        chain.add(a);
        continue;
      }
      Instant sent = clock.instant();
      ActionOutcome outcome = runShort(a);
      Instant at = a instanceof Action.AcquireLeaderLock || a instanceof Action.RenewLeaderLock ? sent : clock.instant();
      state.record(a, outcome, at);
      executed.add(new Executed(a, outcome));
      if (outcome instanceof ActionOutcome.DcsUnavailable) {
        dcsUnavailable = true;
      }
      if (!outcome.succeeded()) {
        logFailure(a, outcome);
        failed = true;
        break;
      }
      if (changesCluster(a)) {
        changed = true;
      }
    }
    if (!chain.isEmpty()) {
      // Started only now, after the short actions of the same decision: they are quick, and a decision's
      // long actions must all be known before the thread may run out of work.
      submitChain(List.copyOf(chain));
    }
    return new Result(executed, chain, failed, dcsUnavailable, changed, askPeers, askFailsafe);
  }

  /**
   * Runs one long action outside any decision (a restart or reinitialize the REST API asked for), unless
   * another is running: {@code body} does the work while the state reports {@code action} in progress,
   * so the engine keeps renewing the lock meanwhile. {@code done} gets the outcome on the background
   * thread.
   *
   * @return false if another long action runs (nothing was started)
   */
  public boolean startAlone(Action action, Supplier<ActionOutcome> body, Consumer<ActionOutcome> done) {
    if (!action.isLong()) {
      throw new IllegalArgumentException("not a long action: " + action);
    }
    if (!state.begin(action, clock.instant())) {
      return false;
    }
    Runnable task = () -> {
      LOG.info("{} started", describe(action));
      ActionOutcome o;
      try {
        o = body.get();
      } catch (RuntimeException e) {
        LOG.error("{} failed unexpectedly", describe(action), e);
        o = new ActionOutcome.Failed(e.toString());
      }
      state.finish(action, o, clock.instant(), false);
      if (!o.succeeded()) {
        logFailure(action, o);
      }
      try {
        done.accept(o);
      } finally {
        wake.run();
      }
    };
    try {
      longRunner.execute(task);
    } catch (RejectedExecutionException e) {
      ActionOutcome o = new ActionOutcome.Failed("the agent is shutting down");
      state.finish(action, o, clock.instant(), false);
      done.accept(o);
    }
    return true;
  }

  /** Whether a long action is running. */
  public boolean busy() {
    return state.inProgress().isPresent();
  }

  private void submitChain(List<Action> chain) {
    try {
      longRunner.execute(() -> runChain(chain));
    } catch (RejectedExecutionException e) {
      // Shutting down: the action never ran.
      state.finish(chain.get(0), new ActionOutcome.Failed("the agent is shutting down"), clock.instant(), false);
    }
  }

  private void runChain(List<Action> chain) {
    ActionOutcome last = ok();
    for (int i = 0; i < chain.size(); i++) {
      Action a = chain.get(i);
      if (i > 0) {
        state.continueWith(a, clock.instant());
      }
      LOG.info("{} started", describe(a));
      last = runLong(a);
      boolean goesOn = last.succeeded() && i + 1 < chain.size();
      state.finish(a, last, clock.instant(), goesOn);
      if (last.succeeded()) {
        LOG.info("{} done", describe(a));
      } else {
        logFailure(a, last);
      }
      if (!goesOn) {
        break;
      }
    }
    wake.run();
  }

  // ================================================================= short actions

  /**
   * A renewal's outcome for the engine. A vanished key is a refusal like a lock taken by another: the
   * engine stops this decision (no promotion, no status write) and records the lock as lost; its next
   * cycle sees no leader key and, if this member may still lead, races for it with create-if-absent.
   */
  private static ActionOutcome renewed(RenewOutcome r) {
    if (r instanceof RenewOutcome.Lost lost) {
      return conflict("the leader lock was taken by " + lost.holder().orElse("another member"));
    }
    if (r instanceof RenewOutcome.Gone) {
      return conflict("the leader key is gone (its lease expired or it was deleted); a renewal does not"
          + " re-create it");
    }
    return ok();
  }

  /** One short action, mapped onto its call. Package-private for the mapping tests. */
  ActionOutcome runShort(Action a) {
    PatroniDcs d = dcs.get();
    try {
      if (a instanceof Action.AcquireLeaderLock) {
        AcquireOutcome r = d.acquireLeaderLock();
        return r.acquired() ? ok() : conflict("the leader lock is held by "
            + ((AcquireOutcome.HeldBy) r).holder().orElse("another member"));
      }
      if (a instanceof Action.RenewLeaderLock) {
        return renewed(d.renewLeaderLock());
      }
      if (a instanceof Action.ReleaseLeaderLock) {
        return release(d);
      }
      if (a instanceof Action.RaceInitialize) {
        return written(d.raceInitialize(""), "initialize");
      }
      if (a instanceof Action.WriteInitialize w) {
        return written(w.expectedVersion().isPresent()
            ? d.writeInitialize(w.systemIdentifier(), w.expectedVersion().get())
            : d.raceInitialize(w.systemIdentifier()), "initialize");
      }
      if (a instanceof Action.CancelInitialize) {
        try {
          DeleteResult r = d.cancelInitialize();
          return r == DeleteResult.CONFLICT ? conflict("initialize was changed by another member") : ok();
        } catch (IllegalStateException e) {
          return new ActionOutcome.Failed(e.getMessage());
        }
      }
      if (a instanceof Action.TouchMember t) {
        d.touchMember(withRunnerFields(t.status()));
        return ok();
      }
      if (a instanceof Action.WriteConfig w) {
        return written(d.writeConfig(w.config(), w.expectedVersion()), "config");
      }
      if (a instanceof Action.WriteStatus w) {
        d.writeStatus(w.status());
        return ok();
      }
      if (a instanceof Action.WriteHistory w) {
        d.writeHistory(w.history());
        return ok();
      }
      if (a instanceof Action.ClearFailover c) {
        return written(d.clearFailover(c.version()), "failover");
      }
      if (a instanceof Action.WriteFailover w) {
        return written(d.writeFailover(w.request(), Optional.of(w.version())), "failover");
      }
      if (a instanceof Action.WriteSyncState w) {
        return written(d.writeSync(w.state(), w.expectedVersion()), "sync");
      }
      if (a instanceof Action.WriteFailsafe w) {
        d.writeFailsafe(w.members());
        return ok();
      }
      if (a instanceof Action.DeleteFailsafe) {
        return d.deleteFailsafe() == DeleteResult.CONFLICT ? conflict("failsafe kept changing meanwhile") : ok();
      }
      if (a instanceof Action.DeleteSyncState del) {
        // Gone already is as good as deleted; another version means somebody else wrote it meanwhile.
        return d.deleteSync(del.version()) == DeleteResult.CONFLICT ? conflict("sync changed meanwhile (CAS conflict)") : ok();
      }
    } catch (DcsException e) {
      return new ActionOutcome.DcsUnavailable(e.kind() + ": " + e.getMessage());
    }
    if (a instanceof Action.KeepLeadingInFailsafe) {
      // Nothing to run: the decision is the point, and the memory records it.
      return ok();
    }
    try {
      if (a instanceof Action.ActivateWatchdog) {
        watchdog.activate();
        return ok();
      }
      if (a instanceof Action.KeepaliveWatchdog) {
        watchdog.keepalive();
        return ok();
      }
      if (a instanceof Action.DisableWatchdog) {
        watchdog.disable();
        return ok();
      }
    } catch (IOException e) {
      return new ActionOutcome.Failed("watchdog: " + e.getMessage());
    }
    if (a instanceof Action.ReloadDatabase || a instanceof Action.Checkpoint || a instanceof Action.SetSynchronousStandbys
        || a instanceof Action.ClearSynchronousStandbys) {
      if (busy()) {
        return new ActionOutcome.Failed("the database is busy with "
            + state.inProgress().map(p -> describe(p.action())).orElse("a long action"));
      }
      ActionOutcome o = database(() -> {
        if (a instanceof Action.ReloadDatabase) {
          driver.reload();
        } else if (a instanceof Action.Checkpoint) {
          driver.checkpoint();
        } else if (a instanceof Action.SetSynchronousStandbys ssn) {
          driver.setSynchronousStandbys(ssn.members(), ssn.count(), false);
          LOG.info("synchronous_standby_names: commits wait for {}", ssn.members().isEmpty() ? "no standby"
              : ssn.count() + " of " + ssn.members());
        } else {
          driver.clearSynchronousStandbys();
          LOG.info("synchronous_standby_names: back to the configured value");
        }
      });
      if (a instanceof Action.ReloadDatabase && o.succeeded()) {
        callbacks.reloaded();
      }
      return o;
    }
    return new ActionOutcome.Failed("the runner cannot execute " + a);
  }

  private ActionOutcome release(PatroniDcs d) throws DcsException {
    ReleaseOutcome r = d.releaseLeaderLock();
    return r == ReleaseOutcome.HELD_BY_OTHER ? conflict("the leader lock is held by another member") : ok();
  }

  /** The member key with what only the runner knows: a scheduled restart. */
  private MemberStatus withRunnerFields(MemberStatus s) {
    Optional<MemberStatus.ScheduledRestart> restart = scheduledRestart.get();
    if (restart.isEmpty() || s.scheduledRestart().isPresent()) {
      return s;
    }
    return new MemberStatus(s.connUrl(), s.apiUrl(), s.state(), s.role(), s.version(), s.xlogLocation(), s.timeline(),
        s.replicationState(), s.receiveLsn(), s.replayLsn(), s.tags(), s.pendingRestart(), s.pendingRestartReason(),
        restart, s.proxyUrl(), s.pause(), s.extra());
  }

  // ================================================================= long actions

  /**
   * One long action, mapped onto the driver, and the callbacks it calls for. Runs on the background thread.
   * Package-private for tests.
   */
  ActionOutcome runLong(Action a) {
    Optional<LocalState> before = before();
    ActionOutcome o = perform(a, before);
    if (!(a instanceof Action.Demote)) {
      callbacks.afterLong(a, o, before);
    }
    return o;
  }

  /** The server just before a long action, for the callbacks (only probed when some script is configured). */
  private Optional<LocalState> before() {
    if (!callbacks.active()) {
      return Optional.empty();
    }
    try {
      return Optional.of(driver.probe());
    } catch (RuntimeException e) {
      LOG.warn("could not probe the database before the action (callbacks may miss it): {}", e.toString());
      return Optional.empty();
    }
  }

  private ActionOutcome perform(Action a, Optional<LocalState> before) {
    try {
      if (a instanceof Action.Bootstrap) {
        return database(driver::bootstrap);
      }
      if (a instanceof Action.CreateReplica c) {
        Optional<Upstream> source = upstream(c.source());
        return source.isEmpty() ? unknownMember(c.source()) : database(() -> driver.createReplica(source.get()));
      }
      if (a instanceof Action.StartDatabase s) {
        Optional<Upstream> up = s.upstream().flatMap(this::upstream);
        return database(() -> driver.start(s.role(), up, dbTimeout));
      }
      if (a instanceof Action.StopDatabase s) {
        return database(() -> driver.stop(s.mode(), dbTimeout));
      }
      if (a instanceof Action.RestartDatabase) {
        return database(() -> driver.restart(dbTimeout));
      }
      if (a instanceof Action.Promote) {
        return promote(before);
      }
      if (a instanceof Action.Demote d) {
        return demote(d, before);
      }
      if (a instanceof Action.Follow f) {
        Optional<Upstream> up = upstream(f.upstream());
        return up.isEmpty() ? unknownMember(f.upstream()) : database(() -> driver.follow(up.get(), dbTimeout));
      }
      if (a instanceof Action.Rewind r) {
        Optional<Upstream> up = upstream(r.source());
        return up.isEmpty() ? unknownMember(r.source()) : database(() -> driver.rewind(up.get()));
      }
      if (a instanceof Action.Reinitialize r) {
        Optional<Upstream> up = upstream(r.source());
        return up.isEmpty() ? unknownMember(r.source()) : database(() -> driver.reinitialize(up.get()));
      }
      return new ActionOutcome.Failed("the runner cannot execute " + a);
    } catch (RuntimeException e) {
      LOG.error("{} failed unexpectedly", describe(a), e);
      return new ActionOutcome.Failed(e.toString());
    }
  }

  /** A restart of the given deadline (REST {@code POST /restart} with a timeout), and its callback. */
  ActionOutcome restart(Duration timeout) {
    Optional<LocalState> before = before();
    ActionOutcome o = database(() -> driver.restart(timeout));
    callbacks.afterLong(new Action.RestartDatabase(), o, before);
    return o;
  }

  /**
   * The {@code pre_promote} script first, if configured (its failure fails the promotion); then, if it took
   * its time, a look whether this member still holds the lock, since a promotion without it would make a
   * second primary; then the promotion.
   */
  private ActionOutcome promote(Optional<LocalState> before) {
    if (callbacks.prePromoteRunsFor(before)) {
      Optional<String> refused = callbacks.prePromote();
      if (refused.isPresent()) {
        return new ActionOutcome.Failed(refused.get() + "; not promoting");
      }
      String me = dcs.get().memberName();
      ClusterView v = view.get();
      if (!v.isLockedBy(me)) {
        return new ActionOutcome.Failed("the leader lock is " + v.leader().map(l -> "held by " + l.holder())
            .orElse("free") + " after the pre_promote script ran; not promoting");
      }
    }
    return database(() -> driver.promote(dbTimeout));
  }

  /**
   * Demote as the contract describes it: a CHECKPOINT first when graceful (so the stop is quick), the
   * stop in the mode's stop mode, and only once the server is down the lock release (if the mode gives
   * it up, with {@code status} set to the shutdown checkpoint so candidates can tell they have it all),
   * then a start as a replica of the new upstream if one is known. The release is recorded as its own
   * action; a failed stop releases nothing.
   */
  private ActionOutcome demote(Action.Demote d, Optional<LocalState> before) {
    if (d.mode().checkpointFirst()) {
      ActionOutcome cp = database(driver::checkpoint);
      if (!cp.succeeded()) {
        LOG.warn("checkpoint before the demotion failed (stopping anyway): {}", cp);
      }
    }
    AtomicReference<Optional<Long>> checkpoint = new AtomicReference<>(Optional.empty());
    ActionOutcome stopped = database(() -> checkpoint.set(driver.stop(d.mode().stopMode(), dbTimeout)));
    if (!stopped.succeeded()) {
      return stopped;
    }
    callbacks.demoteStopped(d.mode(), before);
    if (d.mode().releasesLock()) {
      PatroniDcs dcsNow = dcs.get();
      ClusterView v = view.get();
      if (checkpoint.get().isPresent() && v.isLockedBy(dcsNow.memberName())) {
        try {
          dcsNow.writeStatus(new ClusterStatus(checkpoint.get().get(), v.status().slots(), v.status().retainSlots()));
        } catch (DcsException e) {
          LOG.warn("could not write the shutdown checkpoint to status: {}", e.getMessage());
        }
      }
      Action release = new Action.ReleaseLeaderLock();
      ActionOutcome released;
      try {
        released = release(dcsNow);
      } catch (DcsException e) {
        released = new ActionOutcome.DcsUnavailable(e.kind() + ": " + e.getMessage());
      }
      state.record(release, released, clock.instant());
      if (released.succeeded()) {
        LOG.info("released the leader lock after stopping the database");
      } else {
        logFailure(release, released);
      }
    }
    if (d.newUpstream().isPresent()) {
      Optional<Upstream> up = upstream(d.newUpstream().get());
      ActionOutcome started = database(() -> driver.start(DatabaseRole.REPLICA, up, dbTimeout));
      callbacks.afterLong(new Action.StartDatabase(DatabaseRole.REPLICA, d.newUpstream()), started, Optional.empty());
      return started;
    }
    return ok();
  }

  /** The member's name and published {@code conn_url}, from the latest view; empty if unknown. */
  Optional<Upstream> upstream(String member) {
    return view.get().member(member)
        .map(m -> m.status().connUrl())
        .filter(u -> !u.isBlank())
        .map(u -> new Upstream(member, u));
  }

  private static ActionOutcome unknownMember(String member) {
    return new ActionOutcome.Failed("member " + member + " publishes no conn_url");
  }

  @FunctionalInterface
  private interface DriverCall {
    void run() throws DriverException;
  }

  private static ActionOutcome database(DriverCall call) {
    try {
      call.run();
      return ok();
    } catch (DriverException e) {
      return new ActionOutcome.Failed(e.kind() + ": " + e.getMessage());
    }
  }

  // ================================================================= helpers

  /** Writes after which the cluster looks different, so the loop looks again at once. */
  static boolean changesCluster(Action a) {
    return a instanceof Action.AcquireLeaderLock || a instanceof Action.ReleaseLeaderLock
        || a instanceof Action.RaceInitialize || a instanceof Action.WriteInitialize
        || a instanceof Action.CancelInitialize || a instanceof Action.ClearFailover
        || a instanceof Action.WriteFailover || a instanceof Action.WriteConfig
        || a instanceof Action.WriteSyncState || a instanceof Action.DeleteSyncState;
  }

  private static ActionOutcome written(WriteResult r, String key) {
    return r.succeeded() ? ok() : conflict(key + " changed meanwhile (CAS conflict)");
  }

  private static ActionOutcome ok() {
    return new ActionOutcome.Succeeded();
  }

  private static ActionOutcome conflict(String why) {
    return new ActionOutcome.Conflict(why);
  }

  private static void logFailure(Action a, ActionOutcome o) {
    if (o instanceof ActionOutcome.Conflict) {
      LOG.info("{}: {}", describe(a), o);
    } else {
      LOG.warn("{} failed: {}", describe(a), o);
    }
  }

  /** A short name for the log: the record's name and its fields, without the member status dump. */
  static String describe(Action a) {
    if (a instanceof Action.TouchMember) {
      return "TouchMember";
    }
    return a.toString();
  }

  /** Stops taking long actions; waits up to {@code wait} for the running one. */
  public boolean shutdown(Duration wait) throws InterruptedException {
    longRunner.shutdown();
    return longRunner.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    longRunner.shutdownNow();
  }
}
