package dev.primus.agent;

import dev.primus.dcs.layout.AcquireOutcome;
import dev.primus.dcs.layout.PatroniDcs;
import dev.primus.dcs.layout.ReleaseOutcome;
import dev.primus.dcs.layout.RenewOutcome;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DeleteResult;
import dev.primus.dcs.spi.WriteResult;
import dev.primus.ha.Action;
import dev.primus.ha.ActionOutcome;
import dev.primus.ha.Decision;
import dev.primus.ha.LocalState;
import dev.primus.ha.driver.Upstream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out a {@link Decision}: every {@link Action} mapped onto {@link PatroniDcs}, the
 * {@link DatabaseOperations}, the {@link Watchdog} or the peers, in order, stopping at the first that does
 * not succeed, each outcome folded into the {@link AgentState} with its time. It decides nothing: what to
 * do, in which order and with which values is the engine's.
 *
 * <p>Long actions ({@link Action#isLong()}) run in the background, so the loop keeps cycling and renewing
 * the lock while a base backup or a promotion runs; the state reports them as in progress until they end,
 * and their end wakes the loop. They start after the decision's short actions; more than one in a decision
 * run one after the other, each only if the previous one succeeded. A long action asked for while another
 * runs is refused (reported failed), and so is a short database action: the driver takes one mutating call
 * at a time.
 *
 * <p>Times: an outcome is recorded at the instant the action finished, except the lock actions (acquire,
 * renew), recorded at the instant the request was sent: the server's lease runs from some instant after
 * that, so the agent's own idea of its lock validity is never the longer one.
 */
final class DecisionExecutor {
  private static final Logger LOG = LoggerFactory.getLogger(DecisionExecutor.class);
  /** What a demotion's stop gets at least when the checkpoint before it used up its bound. */
  static final Duration MIN_STOP_LEFT = Duration.ofSeconds(1);

  private final AgentCore agent;

  DecisionExecutor(AgentCore agent) {
    this.agent = Objects.requireNonNull(agent, "agent");
  }

  /** One executed action and how it ended. */
  record Executed(Action action, ActionOutcome outcome) {}

  /**
   * What running a decision did.
   *
   * @param executed       the short actions run, and the long ones refused, in order, with outcomes
   * @param started        the long actions handed to the background (their outcomes come later)
   * @param failed         it stopped at an action that did not succeed
   * @param dcsUnavailable some DCS request could not be made: the view is no longer current
   * @param clusterChanged a write that changes what the cluster looks like succeeded: look again at once
   * @param askPeers       the members a {@link Action.QueryPeers} asked about, if any
   * @param askFailsafe    the {@link Action.AskFailsafe} of the decision, if any
   */
  record Result(List<Executed> executed, List<Action> started, boolean failed, boolean dcsUnavailable,
      boolean clusterChanged, Optional<List<String>> askPeers, Optional<Action.AskFailsafe> askFailsafe) {
    Result {
      executed = List.copyOf(executed);
      started = List.copyOf(started);
    }
  }

  /** Runs {@code decision.actions()} in order; completes once the short ones ran and the long ones started. */
  CompletionStage<Result> run(Decision decision) {
    Run r = new Run(decision.actions());
    r.step(0);
    return r.done;
  }

  /** One decision's execution, stepping through its actions on the lane. */
  private final class Run {
    final List<Action> actions;
    final List<Executed> executed = new ArrayList<>();
    final List<Action> chain = new ArrayList<>();
    final CompletableFuture<Result> done = new CompletableFuture<>();
    boolean failed;
    boolean dcsUnavailable;
    boolean changed;
    Optional<List<String>> askPeers = Optional.empty();
    Optional<Action.AskFailsafe> askFailsafe = Optional.empty();

    Run(List<Action> actions) {
      this.actions = actions;
    }

    void step(int from) {
      for (int i = from; i < actions.size(); i++) {
        Action a = actions.get(i);
        if (a instanceof Action.QueryPeers q) {
          // The answers are gathered when the loop next observes (in parallel, 2 s each).
          askPeers = Optional.of(q.members());
          recordOk(a);
          continue;
        }
        if (a instanceof Action.AskFailsafe f) {
          askFailsafe = Optional.of(f);
          recordOk(a);
          continue;
        }
        if (a instanceof Action.KeepLeadingInFailsafe) {
          // Nothing to run: the decision is the point, and the memory records it.
          recordOk(a);
          continue;
        }
        if (a instanceof Action.RefuseRequest refuse) {
          LOG.info("request {} refused: {}", refuse.request(), refuse.reason());
          agent.requests.refused(refuse.request(), refuse.reason());
          recordOk(a);
          continue;
        }
        if (a.isLong()) {
          if (!chain.isEmpty()) {
            chain.add(a);
            continue;
          }
          if (!agent.state.begin(a, agent.clock.instant())) {
            ActionOutcome refused = new ActionOutcome.Failed("another long action is running: "
                + agent.state.inProgress().map(p -> describe(p.action())).orElse("?"));
            record(a, refused, agent.clock.instant());
            requestOf(a).ifPresent(id -> agent.requests.finished(id, refused));
            failed = true;
            finish();
            return;
          }
          chain.add(a);
          continue;
        }
        Instant sent = agent.clock.instant();
        int next = i + 1;
        runShort(a).whenCompleteAsync((o, err) -> {
          ActionOutcome outcome = err == null ? o : new ActionOutcome.Failed(String.valueOf(AgentCore.unwrap(err)));
          boolean lock = a instanceof Action.AcquireLeaderLock || a instanceof Action.RenewLeaderLock;
          record(a, outcome, lock ? sent : agent.clock.instant());
          requestOf(a).ifPresent(id -> agent.requests.finished(id, outcome));
          if (outcome instanceof ActionOutcome.DcsUnavailable) {
            dcsUnavailable = true;
          }
          if (!outcome.succeeded()) {
            logFailure(a, outcome);
            agent.emit(new AgentEvent.ActionFinished(agent.name, agent.clock.instant(), a, outcome));
            failed = true;
            finish();
            return;
          }
          if (changesCluster(a)) {
            changed = true;
          }
          step(next);
        }, agent.lane);
        return;
      }
      finish();
    }

    private void recordOk(Action a) {
      record(a, new ActionOutcome.Succeeded(), agent.clock.instant());
    }

    private void record(Action a, ActionOutcome o, Instant at) {
      agent.state.record(a, o, at);
      executed.add(new Executed(a, o));
    }

    private void finish() {
      if (!chain.isEmpty()) {
        // Started only now, after the short actions of the same decision: a decision's long actions must all
        // be known before the chain may run out of work.
        runChain(List.copyOf(chain), 0);
      }
      done.complete(new Result(executed, chain, failed, dcsUnavailable, changed, askPeers, askFailsafe));
    }
  }

  // ================================================================= short actions

  private CompletionStage<ActionOutcome> runShort(Action a) {
    if (isDcs(a)) {
      PatroniDcs d = agent.dcs();
      return agent.runtime.callWithin(agent.timings().retryTimeout(), () -> dcsCall(a, d)).exceptionally(err -> {
        Throwable cause = AgentCore.unwrap(err);
        if (cause instanceof DcsException e) {
          return new ActionOutcome.DcsUnavailable(e.kind() + ": " + e.getMessage());
        }
        if (cause instanceof java.util.concurrent.TimeoutException t) {
          return new ActionOutcome.DcsUnavailable("no answer: " + t.getMessage());
        }
        return new ActionOutcome.Failed(String.valueOf(cause));
      });
    }
    if (a instanceof Action.ResizeLease resize) {
      return resizeLease(resize);
    }
    if (a instanceof Action.ActivateWatchdog || a instanceof Action.KeepaliveWatchdog
        || a instanceof Action.DisableWatchdog) {
      return CompletableFuture.completedFuture(watchdog(a));
    }
    if (a instanceof Action.FenceFormerPrimary fence) {
      // Works on another member's server, not on this one: not held back by a long action of this database.
      return fence(fence);
    }
    // What is left works on the database, which takes one mutating call at a time.
    if (agent.state.inProgress().isPresent()) {
      return CompletableFuture.completedFuture(new ActionOutcome.Failed("the database is busy with "
          + agent.state.inProgress().map(p -> describe(p.action())).orElse("a long action")));
    }
    DatabaseOperations db = agent.db;
    if (a instanceof Action.ReloadDatabase) {
      return db.reload().thenApply(o -> {
        if (o.succeeded()) {
          agent.callbacks.reloaded();
        }
        return o;
      });
    }
    if (a instanceof Action.Checkpoint) {
      return db.checkpoint();
    }
    if (a instanceof Action.SetSynchronousStandbys ssn) {
      return db.setSynchronousStandbys(ssn.members(), ssn.count(), false).thenApply(o -> {
        if (o.succeeded()) {
          LOG.info("synchronous_standby_names: commits wait for {}", ssn.members().isEmpty() ? "no standby"
              : ssn.count() + " of " + ssn.members());
        }
        return o;
      });
    }
    if (a instanceof Action.ClearSynchronousStandbys) {
      return db.clearSynchronousStandbys().thenApply(o -> {
        if (o.succeeded()) {
          LOG.info("synchronous_standby_names: back to the configured value");
        }
        return o;
      });
    }
    if (a instanceof Action.EnsureSlots slots) {
      return db.ensureSlots(slots.members(), slots.permanent(), slots.advance()).thenApply(o -> {
        if (o.succeeded() && slots.advance().isEmpty()) {
          LOG.info("replication slots for {}{}", slots.members().isEmpty() ? "no member"
              : String.join(", ", new java.util.TreeSet<>(slots.members())),
              slots.permanent().isEmpty() ? "" : " and permanent slots " + new java.util.TreeSet<>(slots.permanent().keySet()));
        } else if (o.succeeded()) {
          LOG.debug("advanced logical replication slots to {}", new java.util.TreeMap<>(slots.advance()));
        }
        return o;
      });
    }
    if (a instanceof Action.ApplyParameters apply) {
      return db.applyParameters(apply.parameters().dynamic(), apply.parameters().local()).thenApply(o -> {
        if (o.succeeded()) {
          LOG.info("applied the postgresql parameters of the configuration");
          if (apply.announce()) {
            agent.callbacks.reloaded();
          }
        }
        return o;
      });
    }
    return CompletableFuture.completedFuture(new ActionOutcome.Failed("the agent cannot execute " + a));
  }

  /** The DCS actions: those mapped by {@link #dcsCall}. */
  static boolean isDcs(Action a) {
    return a instanceof Action.AcquireLeaderLock || a instanceof Action.RenewLeaderLock
        || a instanceof Action.ReleaseLeaderLock || a instanceof Action.RaceInitialize
        || a instanceof Action.WriteInitialize || a instanceof Action.CancelInitialize
        || a instanceof Action.TouchMember || a instanceof Action.WriteConfig || a instanceof Action.WriteStatus
        || a instanceof Action.WriteHistory || a instanceof Action.ClearFailover || a instanceof Action.WriteFailover
        || a instanceof Action.WriteSyncState || a instanceof Action.WriteFailsafe || a instanceof Action.DeleteFailsafe
        || a instanceof Action.DeleteSyncState;
  }

  /** One DCS action, mapped onto its call. A lost race or a moved version is a conflict, not a failure. */
  static ActionOutcome dcsCall(Action a, PatroniDcs d) throws DcsException {
    if (a instanceof Action.AcquireLeaderLock) {
      AcquireOutcome r = d.acquireLeaderLock();
      return r.acquired() ? ok() : conflict("the leader lock is held by "
          + ((AcquireOutcome.HeldBy) r).holder().orElse("another member"));
    }
    if (a instanceof Action.RenewLeaderLock) {
      return renewed(d.renewLeaderLock());
    }
    if (a instanceof Action.ReleaseLeaderLock) {
      ReleaseOutcome r = d.releaseLeaderLock();
      return r == ReleaseOutcome.HELD_BY_OTHER ? conflict("the leader lock is held by another member") : ok();
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
        return d.cancelInitialize() == DeleteResult.CONFLICT ? conflict("initialize was changed by another member") : ok();
      } catch (IllegalStateException e) {
        return new ActionOutcome.Failed(e.getMessage());
      }
    }
    if (a instanceof Action.TouchMember t) {
      d.touchMember(t.status());
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
    throw new IllegalArgumentException("not a DCS action: " + a);
  }

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

  /**
   * A new DCS handle with a lease of the new ttl; the next lock or member write moves the keys to it. It is
   * seeded with one read, because it compares the leader key's lease with its own.
   */
  private CompletionStage<ActionOutcome> resizeLease(Action.ResizeLease resize) {
    PatroniDcs current = agent.dcs();
    if (current.ttl().equals(resize.ttl())) {
      return CompletableFuture.completedFuture(ok());
    }
    LOG.info("ttl is now {} s (was {} s): the next lock update moves to a lease of the new ttl",
        resize.ttl().toSeconds(), current.ttl().toSeconds());
    PatroniDcs next = new PatroniDcs(current.store(), current.path(), current.memberName(), resize.ttl());
    agent.useDcs(next);
    return agent.runtime.call(next::read).handle((v, err) -> {
      if (err != null) {
        LOG.warn("could not read the DCS after changing the ttl: {}", AgentCore.unwrap(err).getMessage());
      }
      return ok();
    });
  }

  /** The watchdog's timeout follows the timings the decision was taken with (a ttl change re-arms it). */
  private ActionOutcome watchdog(Action a) {
    try {
      if (a instanceof Action.ActivateWatchdog) {
        agent.watchdog.activate(agent.timings());
      } else if (a instanceof Action.KeepaliveWatchdog) {
        agent.watchdog.keepalive(agent.timings());
      } else {
        agent.watchdog.disable();
      }
      return ok();
    } catch (WatchdogException e) {
      return new ActionOutcome.Failed("watchdog: " + e.getMessage());
    }
  }

  // ================================================================= long actions

  /** Runs the long actions of one decision one after the other, in the background; the last one wakes the loop. */
  private void runChain(List<Action> chain, int i) {
    Action a = chain.get(i);
    if (i > 0) {
      agent.state.continueWith(a, agent.clock.instant());
    }
    LOG.info("{} started", describe(a));
    requestOf(a).ifPresent(agent.requests::started);
    before().thenComposeAsync(before -> perform(a, before).thenApply(o -> new Ended(before, o)), agent.lane)
        .whenCompleteAsync((ended, err) -> {
          Optional<LocalState> before = ended == null ? Optional.empty() : ended.before();
          ActionOutcome o = err == null ? ended.outcome()
              : new ActionOutcome.Failed("failed unexpectedly: " + AgentCore.unwrap(err));
          if (a instanceof Action.Demote d) {
            if (o.succeeded()) {
              agent.callbacks.demoteStopped(d.mode(), before);
            }
          } else {
            agent.callbacks.afterLong(a, o, before);
          }
          boolean goesOn = o.succeeded() && i + 1 < chain.size();
          agent.state.finish(a, o, agent.clock.instant(), goesOn);
          requestOf(a).ifPresent(id -> agent.requests.finished(id, o));
          agent.emit(new AgentEvent.ActionFinished(agent.name, agent.clock.instant(), a, o));
          if (o.succeeded()) {
            LOG.info("{} done", describe(a));
          } else {
            logFailure(a, o);
          }
          if (goesOn) {
            runChain(chain, i + 1);
          } else {
            agent.wake(o.succeeded() ? Duration.ZERO : AgentCore.BACKOFF);
          }
        }, agent.lane);
  }

  private record Ended(Optional<LocalState> before, ActionOutcome outcome) {}

  /** The server just before a long action, for the callbacks (only probed when some script is configured). */
  private CompletionStage<Optional<LocalState>> before() {
    if (!agent.callbacks.active()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return agent.db.probe().handle((l, err) -> {
      if (err != null) {
        LOG.warn("could not probe the database before the action (callbacks may miss it): {}", err.toString());
        return Optional.empty();
      }
      return Optional.of(l);
    });
  }

  private CompletionStage<ActionOutcome> perform(Action a, Optional<LocalState> before) {
    DatabaseOperations db = agent.db;
    Duration timeout = agent.databaseTimeout();
    if (a instanceof Action.Bootstrap) {
      return db.bootstrap();
    }
    if (a instanceof Action.CreateReplica c) {
      return c.source().isPresent() ? withUpstream(c.source().get(), db::createReplica) : db.createReplicaWithoutLeader();
    }
    if (a instanceof Action.StartDatabase s) {
      Optional<Upstream> up = s.upstream().flatMap(this::upstream);
      return db.start(s.role(), up, timeout);
    }
    if (a instanceof Action.StopDatabase s) {
      return db.stop(s.mode(), timeout);
    }
    if (a instanceof Action.RestartDatabase r) {
      return db.restart(r.timeout().orElse(timeout));
    }
    if (a instanceof Action.Promote) {
      return promote(before, timeout);
    }
    if (a instanceof Action.Demote d) {
      return demote(d);
    }
    if (a instanceof Action.Follow f) {
      return withUpstream(f.upstream(), up -> db.follow(up, timeout));
    }
    if (a instanceof Action.Rewind r) {
      return withUpstream(r.source(), db::rewind);
    }
    if (a instanceof Action.Reinitialize r) {
      return withUpstream(r.source(), db::reinitialize);
    }
    if (a instanceof Action.CopyLogicalSlots copy) {
      return withUpstream(copy.source(), up -> db.copyLogicalSlots(up, copy.slots(), timeout)).thenApply(o -> {
        if (o.succeeded()) {
          LOG.info("copied logical replication slots {} from {}", new java.util.TreeSet<>(copy.slots().keySet()),
              copy.source());
        }
        return o;
      });
    }
    return CompletableFuture.completedFuture(new ActionOutcome.Failed("the agent cannot execute " + a));
  }

  /**
   * The {@code pre_promote} script first, if configured (its failure fails the promotion); then, since it
   * took its time, a look whether this member still holds the lock by the loop's latest view (a promotion
   * without it would make a second primary); then the promotion.
   */
  private CompletionStage<ActionOutcome> promote(Optional<LocalState> before, Duration timeout) {
    if (!agent.callbacks.prePromoteRunsFor(before)) {
      return agent.db.promote(timeout);
    }
    return agent.runtime.background(agent.callbacks::prePromote).thenComposeAsync(refused -> {
      if (refused.isPresent()) {
        return CompletableFuture.completedFuture(new ActionOutcome.Failed(refused.get() + "; not promoting"));
      }
      ClusterView v = agent.lastView();
      if (!v.isLockedBy(agent.name)) {
        return CompletableFuture.completedFuture(new ActionOutcome.Failed("the leader lock is "
            + v.leader().map(l -> "held by " + l.holder()).orElse("free") + " after the pre_promote script ran;"
            + " not promoting"));
      }
      return agent.db.promote(timeout);
    }, agent.lane);
  }

  /**
   * The stop of a demotion: a CHECKPOINT first when the mode asks for one (a failed one does not hold the
   * stop back), then the stop in the mode's way. What follows once the server is down (the shutdown
   * checkpoint into status, the lock, the start as a replica) are the engine's next decisions. The stop
   * ends within the engine's bound ({@link Action.Demote#stopWithin()}), counted from the start of the
   * demotion: the checkpoint's time comes off it.
   */
  private CompletionStage<ActionOutcome> demote(Action.Demote d) {
    Instant started = agent.clock.instant();
    CompletionStage<ActionOutcome> first = d.mode().checkpointFirst()
        ? agent.db.checkpoint().thenApply(cp -> {
          if (!cp.succeeded()) {
            LOG.warn("checkpoint before the demotion failed (stopping anyway): {}", cp);
          }
          return cp;
        })
        : CompletableFuture.completedFuture(ok());
    return first.thenComposeAsync(x -> {
      Duration left = d.stopWithin().minus(Duration.between(started, agent.clock.instant()));
      Duration bound = left.compareTo(MIN_STOP_LEFT) < 0 ? MIN_STOP_LEFT : left;
      return agent.db.stopWithin(d.mode().stopMode(), bound);
    }, agent.lane);
  }

  /** How long fencing a former primary may wait for its server, per connection and statement. */
  static final Duration FENCE_TIMEOUT = Duration.ofSeconds(2);

  /**
   * Fences the former primary through its database, best effort: whatever the driver could do is logged and
   * reported in an {@link AgentEvent.FormerPrimaryFenced}, and the action succeeds, so the promotion that follows
   * goes ahead (the lock is the authority). The address: the action's, else the latest view's, else the last
   * {@code conn_url} the member published (its member key expires with its lock).
   */
  private CompletionStage<ActionOutcome> fence(Action.FenceFormerPrimary f) {
    Optional<String> url = f.connUrl().or(() -> upstream(f.member()).map(Upstream::connUrl))
        .or(() -> agent.lastConnUrl(f.member()));
    CompletionStage<dev.primus.ha.driver.FenceResult> result = url.isEmpty()
        ? CompletableFuture.completedFuture(dev.primus.ha.driver.FenceResult.of(
            dev.primus.ha.driver.FenceResult.Outcome.NOT_REACHABLE, "no conn_url known for " + f.member()))
        : agent.db.fenceFormerPrimary(new Upstream(f.member(), url.get()), agent.name, FENCE_TIMEOUT);
    return result.handle((r, err) -> {
      dev.primus.ha.driver.FenceResult res = err == null ? r : dev.primus.ha.driver.FenceResult.of(
          dev.primus.ha.driver.FenceResult.Outcome.FAILED, String.valueOf(AgentCore.unwrap(err)));
      if (res.outcome() == dev.primus.ha.driver.FenceResult.Outcome.FENCED) {
        LOG.warn("fenced the former primary {} before promoting: {}", f.member(), res.detail());
      } else {
        LOG.info("fencing the former primary {}: {} ({}); promoting anyway", f.member(),
            res.outcome().name().toLowerCase(java.util.Locale.ROOT), res.detail());
      }
      agent.emit(new AgentEvent.FormerPrimaryFenced(agent.name, agent.clock.instant(), f.member(), res));
      return ok();
    });
  }

  private CompletionStage<ActionOutcome> withUpstream(String member,
      java.util.function.Function<Upstream, CompletionStage<ActionOutcome>> op) {
    Optional<Upstream> up = upstream(member);
    return up.isEmpty()
        ? CompletableFuture.completedFuture(new ActionOutcome.Failed("member " + member + " publishes no conn_url"))
        : op.apply(up.get());
  }

  /** The member's name and published {@code conn_url}, from the latest view; empty if unknown. */
  Optional<Upstream> upstream(String member) {
    return agent.lastView().member(member)
        .map(m -> m.status().connUrl())
        .filter(u -> !u.isBlank())
        .map(u -> new Upstream(member, u));
  }

  // ================================================================= helpers

  /** The operator's request an action carries out, if any. */
  static Optional<Long> requestOf(Action a) {
    if (a instanceof Action.RestartDatabase r) {
      return r.request();
    }
    if (a instanceof Action.Reinitialize r) {
      return r.request();
    }
    if (a instanceof Action.ApplyParameters p) {
      return p.request();
    }
    return Optional.empty();
  }

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
    if (a instanceof Action.ApplyParameters p) {
      return "ApplyParameters[" + p.parameters().merged().size() + " parameters]";
    }
    return a.toString();
  }
}
