package dev.primus.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.layout.ClusterPath;
import dev.primus.dcs.layout.PatroniDcs;
import dev.primus.dcs.model.ClusterStatus;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.MemberStatus;
import dev.primus.dcs.model.SyncState;
import dev.primus.dcs.model.Tags;
import dev.primus.dcs.spi.InMemoryDcs;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.ManualClock;
import dev.primus.ha.Action;
import dev.primus.ha.ActionOutcome;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.Decision;
import dev.primus.ha.DemoteMode;
import dev.primus.ha.Reason;
import dev.primus.ha.StopMode;
import dev.primus.ha.Timings;
import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.Upstream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each action reaches the right call of PatroniDcs, the database (a driver test double behind the agent's
 * own {@link DriverOperations}) or the watchdog, with its outcome, on an agent whose loop is not running.
 */
class DecisionExecutorTest {
  static final Duration TTL = Duration.ofSeconds(30);
  static final Duration DB_TIMEOUT = Duration.ofSeconds(60);

  ManualClock clock;
  InMemoryDcs server;
  InMemoryDcs.Client store;
  ClusterPath path = ClusterPath.of("demo");
  PatroniDcs dcs;
  PatroniDcs other;
  DatabaseDriverTestDouble db;
  AgentState state;
  WatchdogTestDouble watchdog;
  ManualRuntime runtime;
  AgentCore agent;

  @BeforeEach
  void setUp() throws Exception {
    runtime = new ManualRuntime();
    clock = runtime.clock;
    server = new InMemoryDcs(clock);
    store = server.client("node1");
    dcs = new PatroniDcs(store, path, "node1", TTL);
    other = new PatroniDcs(server.client("node2"), path, "node2", TTL);
    other.touchMember(status("postgres://10.0.0.2:5432/postgres"));
    db = new DatabaseDriverTestDouble();
    watchdog = new WatchdogTestDouble();
    HaSettings settings = HaSettings.defaults().withDatabaseTimeout(DB_TIMEOUT);
    agent = new AgentCore("node1", path, PrimusAgent.Builder.haConfig("node1", "http://10.0.0.1:8008/patroni",
        "postgres://10.0.0.1:5432/postgres", settings), settings, runtime, dcs, new DriverOperations(db, runtime),
        new NoPeers(), watchdog, DecisionFunction.engine(), null);
    state = agent.state;
    view(dcs.read());
  }

  void view(ClusterView v) {
    agent.lastView(v);
  }

  DecisionExecutor.Result execute(Decision d) {
    try {
      return agent.executor().run(d).toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Peers are not asked in these tests. */
  static final class NoPeers implements PeerClient {
    @Override
    public java.util.concurrent.CompletionStage<Map<String, dev.primus.ha.PeerAnswer>> query(ClusterView view,
        List<String> members) {
      throw new AssertionError("no peer is asked here");
    }

    @Override
    public java.util.concurrent.CompletionStage<Map<String, dev.primus.ha.FailsafeAnswer>> askFailsafe(
        Map<String, String> members, FailsafeRequest request) {
      throw new AssertionError("no peer is asked here");
    }
  }

  static MemberStatus status(String connUrl) {
    return new MemberStatus(connUrl, "http://10.0.0.2:8008/patroni", MemberState.RUNNING, MemberRole.REPLICA,
        Optional.empty(), Optional.of(100L), Optional.of(1L), Optional.empty(), Optional.empty(), Optional.empty(),
        Tags.NONE, false, Map.of(), Optional.empty(), Optional.empty(), false, Map.of());
  }

  static Decision decision(Action... actions) {
    return new Decision(List.of(actions), Reason.LOCK_RENEWED, "node1", Optional.empty(), Duration.ofSeconds(10));
  }

  Optional<KeyValue> key(String relative) {
    return server.peek(path.base()).get(path.key(relative));
  }

  void awaitIdle() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (state.inProgress().isPresent()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("long action still running: " + state.inProgress());
      }
      Thread.sleep(5);
    }
  }

  @Test
  void acquireWritesTheLeaderKeyOnTheLeaseAndRecordsTheSendTime() {
    Instant sent = clock.instant();
    DecisionExecutor.Result r = execute(decision(new Action.AcquireLeaderLock()));

    assertFalse(r.failed());
    assertTrue(r.clusterChanged(), "a new leader is worth looking at again at once");
    KeyValue leader = key("leader").orElseThrow();
    assertEquals("node1", leader.value());
    assertEquals(dcs.currentLease().map(l -> l.id()), leader.leaseId());
    assertEquals(Optional.of(sent), state.memory().lastLockUpdate());
  }

  @Test
  void fencingUsesTheLastPublishedAddressReportsAnEventAndNeverHoldsThePromotionBack() throws Exception {
    List<AgentEvent.FormerPrimaryFenced> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    agent.addListener(e -> {
      if (e instanceof AgentEvent.FormerPrimaryFenced f) {
        events.add(f);
      }
    });
    // node2 published its conn_url in the view of setUp; its member key has expired since (with its lock).
    view(ClusterView.empty(dev.primus.dcs.spi.ConnectionState.CONNECTED));
    DecisionExecutor.Result r = execute(decision(new Action.FenceFormerPrimary("node2", Optional.empty()),
        new Action.Checkpoint()));

    assertFalse(r.failed(), "fencing is best effort: " + r.executed());
    assertEquals(2, r.executed().size());
    assertInstanceOf(ActionOutcome.Succeeded.class, r.executed().get(0).outcome());
    assertEquals(new DatabaseDriverTestDouble.Call("fenceFormerPrimary",
        List.of(new dev.primus.ha.driver.Upstream("node2", "postgres://10.0.0.2:5432/postgres"), "node1")),
        db.calls().get(0));
    assertEquals(1, events.size());
    assertEquals("node2", events.get(0).former());
    assertEquals(dev.primus.ha.driver.FenceResult.Outcome.NOT_REACHABLE, events.get(0).result().outcome());
  }

  @Test
  void aFencedFormerPrimaryIsReportedAsSuch() throws Exception {
    db.fenceResult = dev.primus.ha.driver.FenceResult.of(dev.primus.ha.driver.FenceResult.Outcome.FENCED, "read-only");
    List<AgentEvent.FormerPrimaryFenced> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    agent.addListener(e -> {
      if (e instanceof AgentEvent.FormerPrimaryFenced f) {
        events.add(f);
      }
    });
    DecisionExecutor.Result r = execute(decision(new Action.FenceFormerPrimary("node2",
        Optional.of("postgres://10.0.0.9:5432/postgres"))));
    assertFalse(r.failed());
    assertEquals(new dev.primus.ha.driver.Upstream("node2", "postgres://10.0.0.9:5432/postgres"),
        db.calls().get(0).args().get(0), "the action's address first");
    assertEquals(dev.primus.ha.driver.FenceResult.Outcome.FENCED, events.get(0).result().outcome());
  }

  @Test
  void aLockHeldByAnotherIsAConflictAndStopsTheDecision() throws Exception {
    other.acquireLeaderLock();
    DecisionExecutor.Result r = execute(decision(new Action.AcquireLeaderLock(), new Action.Promote(),
        new Action.TouchMember(status("postgres://10.0.0.1:5432/postgres"))));

    assertTrue(r.failed());
    assertEquals(1, r.executed().size(), "nothing after the lost race runs");
    assertInstanceOf(ActionOutcome.Conflict.class, r.executed().get(0).outcome());
    assertTrue(r.started().isEmpty(), "no promotion without the lock");
    assertTrue(state.memory().lostLastRace());
    assertTrue(db.calls().isEmpty());
    assertEquals("node2", key("leader").orElseThrow().value());
  }

  @Test
  void aRenewalThatFindsAnotherHolderRecordsTheLockAsLost() throws Exception {
    execute(decision(new Action.AcquireLeaderLock()));
    dcs.store().deleteIfValue(path.leader(), "node1");
    other.acquireLeaderLock();
    clock.advance(Duration.ofSeconds(1));
    view(dcs.read()); // the loop reads before it decides; the read tells PatroniDcs who holds the key

    DecisionExecutor.Result r = execute(decision(new Action.RenewLeaderLock(), new Action.KeepaliveWatchdog()));

    assertTrue(r.failed());
    assertInstanceOf(ActionOutcome.Conflict.class, r.executed().get(0).outcome());
    assertEquals(Optional.empty(), state.memory().lastLockUpdate());
    assertTrue(state.memory().lockLostAt().isPresent());
    assertEquals(0, watchdog.keepalives, "no keepalive after a failed renewal");
  }

  @Test
  void aRenewalThatFindsTheLeaderKeyGoneIsRefusedAndDoesNotRecreateIt() throws Exception {
    execute(decision(new Action.AcquireLeaderLock()));
    clock.advance(TTL); // no keep-alive for a whole ttl: the lease expires and takes the key with it
    assertEquals(Optional.empty(), key("leader"));

    DecisionExecutor.Result r = execute(decision(new Action.RenewLeaderLock(), new Action.Promote()));

    assertTrue(r.failed());
    assertEquals(1, r.executed().size(), "nothing after the renewal runs");
    ActionOutcome.Conflict refused = assertInstanceOf(ActionOutcome.Conflict.class, r.executed().get(0).outcome());
    assertTrue(refused.detail().contains("gone"), refused.detail());
    assertTrue(r.started().isEmpty(), "no promotion without the lock");
    assertTrue(state.memory().lockLostAt().isPresent());
    assertEquals(Optional.empty(), key("leader"), "the renewal did not re-create the key");
  }

  @Test
  void touchMemberWritesTheStatusOnTheLease() throws Exception {
    DecisionExecutor.Result r = execute(decision(new Action.TouchMember(status("postgres://10.0.0.1:5432/postgres"))));
    assertFalse(r.failed());
    assertFalse(r.clusterChanged(), "the own member key is no reason to look again at once");
    KeyValue member = key("members/node1").orElseThrow();
    assertTrue(member.value().contains("\"conn_url\":\"postgres://10.0.0.1:5432/postgres\""), member.value());
    assertTrue(member.leaseId().isPresent());
  }

  @Test
  void raceInitializeThenBootstrapRunsInTheBackground() throws Exception {
    db.hold("bootstrap");
    DecisionExecutor.Result r = execute(decision(new Action.RaceInitialize(), new Action.Bootstrap(),
        new Action.TouchMember(status("postgres://10.0.0.1:5432/postgres"))));

    assertEquals("", key("initialize").orElseThrow().value(), "the race claims the bootstrap with an empty value");
    assertEquals(List.of(new Action.Bootstrap()), r.started());
    assertEquals(2, r.executed().size(), "initialize and the member key ran; the bootstrap is in the background");
    assertTrue(state.inProgress().map(p -> p.action() instanceof Action.Bootstrap).orElse(false));

    db.release("bootstrap");
    awaitIdle();
    assertEquals(dev.primus.ha.AgentMemory.BootstrapState.BOOTSTRAPPED, state.memory().bootstrap());
  }

  @Test
  void aLongActionWhileAnotherRunsIsRefused() throws Exception {
    db.hold("promote");
    execute(decision(new Action.Promote()));
    DecisionExecutor.Result r = execute(decision(new Action.StartDatabase(DatabaseRole.REPLICA, Optional.empty())));
    db.release("promote");
    awaitIdle();

    assertTrue(r.failed());
    assertInstanceOf(ActionOutcome.Failed.class, r.executed().get(0).outcome());
    assertEquals(List.of("promote"), db.methods(), "the second action never reached the driver");
  }

  @Test
  void startAsReplicaStreamsFromTheMembersPublishedConnUrl() throws Exception {
    execute(decision(new Action.StartDatabase(DatabaseRole.REPLICA, Optional.of("node2"))));
    awaitIdle();

    assertEquals(List.of(DatabaseRole.REPLICA, Optional.of(new Upstream("node2", "postgres://10.0.0.2:5432/postgres")),
        DB_TIMEOUT), db.last("start").orElseThrow().args());
  }

  @Test
  void followRewindAndReinitializeNeedAKnownConnUrl() throws Exception {
    execute(decision(new Action.Follow("node2")));
    awaitIdle();
    execute(decision(new Action.Rewind("nobody")));
    awaitIdle();

    assertEquals(new Upstream("node2", "postgres://10.0.0.2:5432/postgres"), db.last("follow").orElseThrow().args().get(0));
    assertTrue(db.last("rewind").isEmpty(), "no rewind from a member without conn_url");
    assertFalse(state.memory().rewind() == dev.primus.ha.AgentMemory.RewindState.DONE);
  }

  @Test
  void gracefulDemoteCheckpointsAndStopsAndLeavesTheRestToTheEngine() throws Exception {
    db.runningPrimary(5000);
    execute(decision(new Action.AcquireLeaderLock()));
    view(dcs.read());

    execute(decision(new Action.Demote(DemoteMode.GRACEFUL, Optional.of("node2"))));
    awaitIdle();

    assertEquals(List.of("checkpoint", "stop"), db.methods());
    assertEquals(StopMode.FAST, db.last("stop").orElseThrow().args().get(0));
    assertEquals("node1", key("leader").orElseThrow().value(), "the lock is the engine's next decision");
    assertEquals(Optional.of(new dev.primus.ha.AgentMemory.Demotion(DemoteMode.GRACEFUL, Optional.of("node2"))),
        state.memory().demotion(), "the memory carries what is left to do");
  }

  @Test
  void aDemotionStopsWithinTheEnginesBound() throws Exception {
    db.runningPrimary(5000);
    execute(decision(new Action.Demote(DemoteMode.OFFLINE, Optional.empty(), java.time.Duration.ofSeconds(12))));
    awaitIdle();

    assertEquals(List.of("stop"), db.methods());
    assertEquals(StopMode.FAST, db.last("stop").orElseThrow().args().get(0));
    // A driver without a bounded stop of its own (DatabaseDriver#stopWithin's default) escalates to
    // immediate after half the bound; the agent's pg_ctl_timeout plays no part.
    assertEquals(java.time.Duration.ofSeconds(6), db.last("stop").orElseThrow().args().get(1));
  }

  @Test
  void aFailedCheckpointDoesNotHoldTheStopBack() throws Exception {
    db.runningPrimary(5000);
    db.failNext("checkpoint", new DriverException(DriverException.Kind.COMMAND_FAILED, "checkpoint failed"));
    execute(decision(new Action.Demote(DemoteMode.GRACEFUL, Optional.empty())));
    awaitIdle();

    assertEquals(List.of("checkpoint", "stop"), db.methods());
    assertTrue(state.memory().demotion().isPresent());
  }

  @Test
  void immediateNolockDemoteKeepsTheLeaderKey() throws Exception {
    db.runningPrimary(5000);
    execute(decision(new Action.AcquireLeaderLock()));
    execute(decision(new Action.Demote(DemoteMode.IMMEDIATE_NOLOCK, Optional.empty())));
    awaitIdle();

    assertEquals(List.of("stop"), db.methods());
    assertEquals(StopMode.IMMEDIATE, db.last("stop").orElseThrow().args().get(0));
    assertEquals("node1", key("leader").orElseThrow().value());
  }

  @Test
  void aDemoteWhoseStopFailsReleasesNothing() throws Exception {
    db.runningPrimary(5000);
    execute(decision(new Action.AcquireLeaderLock()));
    db.failNext("stop", new DriverException(DriverException.Kind.TIMEOUT, "pg_ctl stop timed out"));
    execute(decision(new Action.Demote(DemoteMode.IMMEDIATE, Optional.empty())));
    awaitIdle();

    assertEquals("node1", key("leader").orElseThrow().value(), "never release while the server may still run");
  }

  @Test
  void anUnreachableDcsIsReportedAsSuch() {
    store.setReachable(false);
    DecisionExecutor.Result r = execute(decision(new Action.RenewLeaderLock(), new Action.Promote()));

    assertTrue(r.failed());
    assertTrue(r.dcsUnavailable());
    assertInstanceOf(ActionOutcome.DcsUnavailable.class, r.executed().get(0).outcome());
    assertTrue(state.memory().lastRenewFailed());
    assertTrue(r.started().isEmpty());
  }

  @Test
  void clearFailoverIsACasOnTheVersion() throws Exception {
    dcs.writeFailover(new FailoverRequest(Optional.of("node1"), Optional.of("node2"), Optional.empty()), Optional.empty());
    long version = dcs.read().failover().orElseThrow().version();

    DecisionExecutor.Result stale = execute(decision(new Action.ClearFailover(version + 1000)));
    DecisionExecutor.Result ok = execute(decision(new Action.ClearFailover(version)));

    assertInstanceOf(ActionOutcome.Conflict.class, stale.executed().get(0).outcome());
    assertFalse(ok.failed());
    assertEquals("{}", key("failover").orElseThrow().value());
  }

  @Test
  void statusHistoryConfigAndSyncAreWritten() throws Exception {
    DecisionExecutor.Result r = execute(decision(
        new Action.WriteStatus(new ClusterStatus(4242, Map.of(), List.of())),
        new Action.WriteHistory(new dev.primus.dcs.model.TimelineHistory(List.of(new dev.primus.dcs.model.TimelineHistory
            .Entry(1, 99, "no recovery target specified", Optional.empty(), Optional.of("node1"))))),
        new Action.WriteConfig(new dev.primus.dcs.model.DynamicConfig(Map.of("ttl", 30)), Optional.empty()),
        new Action.WriteSyncState(new dev.primus.dcs.model.SyncState(Optional.of("node1"), 0, List.of("node2")),
            Optional.empty())));

    assertFalse(r.failed(), r.toString());
    assertEquals("{\"optime\":4242}", key("status").orElseThrow().value());
    assertTrue(key("history").orElseThrow().value().startsWith("[[1,99,"));
    assertEquals("{\"ttl\":30}", key("config").orElseThrow().value());
    assertTrue(key("sync").orElseThrow().value().contains("node2"));
  }

  @Test
  void watchdogActionsReachTheWatchdogAndItsFailureIsReported() {
    execute(decision(new Action.ActivateWatchdog(), new Action.KeepaliveWatchdog()));
    watchdog.failing = true;
    DecisionExecutor.Result r = execute(decision(new Action.KeepaliveWatchdog()));
    watchdog.failing = false;
    execute(decision(new Action.DisableWatchdog()));

    assertEquals(1, watchdog.activations);
    assertEquals(1, watchdog.keepalives);
    assertInstanceOf(ActionOutcome.Failed.class, r.executed().get(0).outcome());
    assertFalse(watchdog.active());
  }

  @Test
  void theWatchdogGetsTheTimingsOfTheViewTheDecisionWasTakenOn() throws Exception {
    execute(decision(new Action.ActivateWatchdog()));
    other.writeConfig(new dev.primus.dcs.model.DynamicConfig(Map.of("ttl", 20, "loop_wait", 5, "retry_timeout", 5)),
        Optional.empty());
    view(dcs.read());
    execute(decision(new Action.KeepaliveWatchdog()));

    assertEquals(2, watchdog.timings.size());
    assertEquals(Duration.ofSeconds(30), watchdog.timings.get(0).ttl(), "Patroni's default ttl before any config");
    assertEquals(new Timings(Duration.ofSeconds(20), Duration.ofSeconds(5), Duration.ofSeconds(5)),
        watchdog.timings.get(1), "the DCS config's timings once the view has them");
  }

  @Test
  void queryPeersIsPassedOnToTheNextObservation() {
    DecisionExecutor.Result r = execute(decision(new Action.QueryPeers(List.of("node2", "node3"))));
    assertEquals(Optional.of(List.of("node2", "node3")), r.askPeers());
    assertFalse(r.failed());
  }

  @Test
  void shortDatabaseActionsAreRefusedWhileALongOneRuns() throws Exception {
    db.runningPrimary(100);
    db.hold("restart");
    execute(decision(new Action.RestartDatabase()));
    DecisionExecutor.Result r = execute(decision(new Action.Checkpoint()));
    db.release("restart");
    awaitIdle();
    DecisionExecutor.Result after = execute(decision(new Action.ReloadDatabase()));

    assertInstanceOf(ActionOutcome.Failed.class, r.executed().get(0).outcome());
    assertFalse(after.failed());
    assertEquals(List.of("restart", "reload"), db.methods());
  }

  @Test
  void synchronousStandbysReachTheDriverAndWaitForALongAction() throws Exception {
    db.runningPrimary(100);
    DecisionExecutor.Result r = execute(decision(new Action.SetSynchronousStandbys(List.of("node2", "node3"), 2),
        new Action.ClearSynchronousStandbys()));
    assertFalse(r.failed());
    assertFalse(r.clusterChanged(), "a local setting, not the cluster's state");
    assertEquals(new DatabaseDriverTestDouble.Call("setSynchronousStandbys", List.of(List.of("node2", "node3"), 2, false)),
        db.last("setSynchronousStandbys").orElseThrow());
    assertEquals(List.of("setSynchronousStandbys", "clearSynchronousStandbys"), db.methods());

    db.hold("restart");
    execute(decision(new Action.RestartDatabase()));
    DecisionExecutor.Result refused = execute(decision(new Action.SetSynchronousStandbys(List.of(), 0)));
    db.release("restart");
    awaitIdle();
    assertInstanceOf(ActionOutcome.Failed.class, refused.executed().get(0).outcome(), "the driver takes one call at a time");
  }

  @Test
  void theSyncKeyIsWrittenAndDeletedByCas() throws Exception {
    SyncState mine = new SyncState(Optional.of("node1"), 0, List.of("node2"));
    DecisionExecutor.Result created = execute(decision(new Action.WriteSyncState(mine, Optional.empty())));
    assertTrue(created.clusterChanged());
    long version = key("sync").orElseThrow().version();
    assertEquals("{\"leader\":\"node1\",\"quorum\":0,\"sync_standby\":\"node2\"}", key("sync").get().value());

    DecisionExecutor.Result stale = execute(decision(new Action.DeleteSyncState(version + 100)));
    assertInstanceOf(ActionOutcome.Conflict.class, stale.executed().get(0).outcome());
    assertTrue(key("sync").isPresent(), "a stale version deletes nothing");

    DecisionExecutor.Result deleted = execute(decision(new Action.DeleteSyncState(version)));
    assertFalse(deleted.failed());
    assertTrue(deleted.clusterChanged());
    assertTrue(key("sync").isEmpty());
  }

  @Test
  void failsafeIsWrittenAsAPlainPutAndDeletedWhateverItsVersion() throws Exception {
    DecisionExecutor.Result written = execute(decision(new Action.WriteFailsafe(
        Map.of("node2", "http://10.0.0.2:8008/patroni", "node1", "http://10.0.0.1:8008/patroni"))));
    assertFalse(written.failed(), written.toString());
    assertEquals("{\"node1\":\"http://10.0.0.1:8008/patroni\",\"node2\":\"http://10.0.0.2:8008/patroni\"}",
        key("failsafe").orElseThrow().value());
    other.writeFailsafe(Map.of("node2", "http://10.0.0.2:8008/patroni"));

    DecisionExecutor.Result deleted = execute(decision(new Action.DeleteFailsafe()));
    assertFalse(deleted.failed(), deleted.toString());
    assertTrue(key("failsafe").isEmpty());
    DecisionExecutor.Result again = execute(decision(new Action.DeleteFailsafe()));
    assertFalse(again.failed(), "an absent key is as good as deleted");
  }

  @Test
  void askFailsafeIsPassedOnToTheNextObservationAndKeepingTheRoleCountsAsALockUpdate() {
    java.time.Instant asked = clock.instant();
    Action.AskFailsafe ask = new Action.AskFailsafe(Map.of("node2", "http://10.0.0.2:8008/patroni"), 4242);
    DecisionExecutor.Result r = execute(decision(ask));
    assertEquals(Optional.of(ask), r.askFailsafe());
    assertFalse(r.failed());
    assertEquals(Optional.empty(), r.askPeers());

    DecisionExecutor.Result kept = execute(decision(new Action.KeepLeadingInFailsafe(asked),
        new Action.KeepaliveWatchdog()));
    assertFalse(kept.failed(), kept.toString());
    assertEquals(1, watchdog.keepalives);
    assertEquals(Optional.of(asked), state.snapshot().memory().lastLockUpdate());
  }

  /** A watchdog that counts calls, keeps the timings it was given, and can be told to fail. */
  static final class WatchdogTestDouble implements Watchdog {
    int activations;
    int keepalives;
    boolean failing;
    final List<Timings> timings = new ArrayList<>();
    private boolean active;

    @Override
    public void activate(Timings t) throws WatchdogException {
      if (failing) {
        throw new WatchdogException.DeviceFailure("no device");
      }
      timings.add(t);
      activations++;
      active = true;
    }

    @Override
    public void keepalive(Timings t) throws WatchdogException {
      if (failing) {
        throw new WatchdogException.DeviceFailure("device gone");
      }
      timings.add(t);
      keepalives++;
    }

    @Override
    public void disable() {
      active = false;
    }

    @Override
    public boolean active() {
      return active;
    }

    @Override
    public String describe() {
      return "watchdog test double";
    }
  }
}
