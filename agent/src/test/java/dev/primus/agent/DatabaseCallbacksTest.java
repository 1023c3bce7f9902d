package dev.primus.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.layout.ClusterPath;
import dev.primus.dcs.layout.PatroniDcs;
import dev.primus.dcs.spi.InMemoryDcs;
import dev.primus.ha.Action;
import dev.primus.ha.ActionOutcome;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.DemoteMode;
import dev.primus.ha.StopMode;
import dev.primus.ha.driver.DriverException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which callback runs when, with which arguments and in which order: the executor carries out actions on
 * the database test double, and every {@code postgresql.callbacks} entry and {@code pre_promote} is a real
 * script that appends its arguments to a file. Each step waits for its line before the next, so the file
 * is the order the agent ran them in.
 */
class DatabaseCallbacksTest {
  static final Duration DB_TIMEOUT = Duration.ofSeconds(60);

  @TempDir
  Path dir;
  Path calls;
  Path recorder;
  ManualRuntime runtime;
  InMemoryDcs server;
  ClusterPath path = ClusterPath.of("demo");
  PatroniDcs dcs;
  DatabaseDriverTestDouble db;
  AgentState state;
  CallbackRunner runner;
  DatabaseCallbacks callbacks;
  AgentCore agent;
  final List<AgentEvent.ActionFinished> finished = new java.util.concurrent.CopyOnWriteArrayList<>();
  final List<String> expected = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    calls = dir.resolve("calls.txt");
    recorder = script("record.sh", "echo \"$*\" >> '" + calls + "'");
    runtime = new ManualRuntime();
    server = new InMemoryDcs(runtime.clock);
    dcs = new PatroniDcs(server.client("node1"), path, "node1", Duration.ofSeconds(30));
    new PatroniDcs(server.client("node2"), path, "node2", Duration.ofSeconds(30))
        .touchMember(DecisionExecutorTest.status("postgres://10.0.0.2:5432/postgres"));
    db = new DatabaseDriverTestDouble();
    runner = new CallbackRunner();
    HaSettings settings = HaSettings.defaults().withDatabaseTimeout(DB_TIMEOUT);
    agent = new AgentCore("node1", path, PrimusAgent.Builder.haConfig("node1", "http://10.0.0.1:8008/patroni",
        "postgres://10.0.0.1:5432/postgres", settings), settings, runtime, dcs, new DriverOperations(db, runtime),
        new DecisionExecutorTest.NoPeers(), Watchdog.none(), DecisionFunction.engine(), runner);
    agent.addListener(e -> {
      if (e instanceof AgentEvent.ActionFinished f) {
        finished.add(f);
      }
    });
    configure(everything(recorder + " fencing"));
    state = agent.state;
    callbacks = agent.callbacks;
    agent.lastView(dcs.read());
  }

  void configure(CallbackScripts scripts) {
    HaSettings s = agent.settings().withCallbacks(scripts);
    agent.reconfigure(PrimusAgent.Builder.haConfig("node1", "http://10.0.0.1:8008/patroni",
        "postgres://10.0.0.1:5432/postgres", s), s);
  }

  void execute(Action a) {
    try {
      agent.executor().run(new dev.primus.ha.Decision(List.of(a), dev.primus.ha.Reason.LOCK_RENEWED, "node1",
          Optional.empty(), Duration.ofSeconds(10))).toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Runs one long action to its end and returns how it ended. */
  ActionOutcome runLong(Action a) throws InterruptedException {
    int before = finished.size();
    execute(a);
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (finished.size() == before) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no end of " + a);
      }
      Thread.sleep(5);
    }
    awaitIdle();
    return finished.get(finished.size() - 1).outcome();
  }

  @AfterEach
  void tearDown() {
    runner.close();
  }

  CallbackScripts everything(String prePromote) {
    String r = recorder.toString();
    return new CallbackScripts(Optional.of(r), Optional.of(r), Optional.of(r), Optional.of(r), Optional.of(r),
        Optional.of(prePromote), Duration.ofSeconds(30));
  }

  Path script(String name, String body) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    return p;
  }

  List<String> lines() {
    try {
      return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs {@code a} to its end as the loop would; the file must then hold the lines expected so far, in order. */
  void run(Action a, String... newLines) throws InterruptedException {
    execute(a);
    awaitIdle();
    expected.addAll(List.of(newLines));
    awaitLines();
  }

  void awaitIdle() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (state.inProgress().isPresent()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("long action still running: " + state.inProgress());
      }
      Thread.sleep(5);
    }
  }

  void awaitLines() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!lines().equals(expected)) {
      if (System.nanoTime() > deadline) {
        assertEquals(expected, lines());
      }
      Thread.sleep(10);
    }
    // Nothing more arrives late.
    Thread.sleep(150);
    assertEquals(expected, lines());
  }

  void holdLock() throws Exception {
    execute(new Action.AcquireLeaderLock());
    agent.lastView(dcs.read());
  }

  @Test
  void everyCallbackInItsOrderWithPatronisArguments() throws Exception {
    run(new Action.CreateReplica("node2"));
    run(new Action.StartDatabase(DatabaseRole.REPLICA, Optional.of("node2")), "on_start replica demo");
    callbacks.observed(db.probe(), false);
    awaitLines();

    run(new Action.ReloadDatabase(), "on_reload replica demo");
    run(new Action.Follow("node2"), "on_reload replica demo");
    run(new Action.RestartDatabase(), "on_restart replica demo");

    holdLock();
    run(new Action.Promote(), "fencing", "on_role_change master demo");
    assertEquals(Optional.of(DatabaseRole.PRIMARY), db.role());

    // A switchover away: the stop is reported; the start as a replica that follows it is a role change.
    run(new Action.Demote(DemoteMode.GRACEFUL, Optional.of("node2")), "on_stop demoted demo");
    run(new Action.StartDatabase(DatabaseRole.REPLICA, Optional.of("node2")), "on_role_change replica demo");

    run(new Action.StopDatabase(StopMode.FAST), "on_stop replica demo");
    run(new Action.StartDatabase(DatabaseRole.REPLICA, Optional.of("node2")), "on_start replica demo");
    run(new Action.Reinitialize("node2"), "on_stop replica demo");
    run(new Action.StartDatabase(DatabaseRole.REPLICA, Optional.of("node2")), "on_start replica demo");

    assertEquals(List.of("on_start replica demo", "on_reload replica demo", "on_reload replica demo",
        "on_restart replica demo", "fencing", "on_role_change master demo", "on_stop demoted demo",
        "on_role_change replica demo", "on_stop replica demo", "on_start replica demo", "on_stop replica demo",
        "on_start replica demo"), lines());
  }

  @Test
  void aMemberSpeakingAsPatroni4NamesThePrimaryPrimaryAnd3MasterAsEachWould() throws Exception {
    HaSettings v4 = agent.settings().withAgentVersion("4.0.0");
    agent.reconfigure(PrimusAgent.Builder.haConfig("node1", "http://10.0.0.1:8008/patroni",
        "postgres://10.0.0.1:5432/postgres", v4), v4);
    run(new Action.Bootstrap(), "on_start primary demo");
    run(new Action.StopDatabase(StopMode.IMMEDIATE), "on_stop primary demo");
  }

  @Test
  void aBootstrapIsAnOnStartAsPrimaryAndAPrimaryStartedAgainAsReplicaARoleChange() throws Exception {
    run(new Action.Bootstrap(), "on_start master demo");
    // Stopped without a demotion (the agent lost the lock while it was down): it comes back as a replica.
    run(new Action.StopDatabase(StopMode.IMMEDIATE), "on_stop master demo");
    run(new Action.StartDatabase(DatabaseRole.REPLICA, Optional.of("node2")), "on_role_change replica demo");
  }

  @Test
  void aDemotionThatKeepsTheLockNamesThePrimaryInItsOnStop() throws Exception {
    db.runningPrimary(5000);
    callbacks.observed(db.probe(), false);
    expected.add("on_start master demo");
    awaitLines();
    run(new Action.Demote(DemoteMode.IMMEDIATE_NOLOCK, Optional.empty()), "on_stop master demo");
    run(new Action.StartDatabase(DatabaseRole.REPLICA, Optional.of("node2")), "on_role_change replica demo");
  }

  @Test
  void aServerFoundRunningGetsItsOnStartOnceAndNotWhileALongActionRuns() throws Exception {
    db.runningPrimary(5000);
    callbacks.observed(db.probe(), true);
    awaitLines();
    callbacks.observed(db.probe(), false);
    expected.add("on_start master demo");
    awaitLines();
    callbacks.observed(db.probe(), false);
    awaitLines();
  }

  @Test
  void aFailedActionRunsNoCallback() throws Exception {
    run(new Action.CreateReplica("node2"));
    db.failNext("start", new DriverException(DriverException.Kind.COMMAND_FAILED, "pg_ctl start failed"));
    ActionOutcome o = runLong(new Action.StartDatabase(DatabaseRole.REPLICA, Optional.of("node2")));
    assertInstanceOf(ActionOutcome.Failed.class, o);
    awaitLines();
    assertFalse(db.running());
  }

  @Test
  void aFailingPrePromoteAbortsThePromotion() throws Exception {
    configure(everything(script("fence.sh", "echo fenced-no >> '" + calls + "'\nexit 1").toString()));
    run(new Action.CreateReplica("node2"));
    run(new Action.StartDatabase(DatabaseRole.REPLICA, Optional.of("node2")), "on_start replica demo");
    holdLock();

    run(new Action.Promote(), "fenced-no");

    assertTrue(db.last("promote").isEmpty(), "pg_ctl promote never ran");
    assertEquals(Optional.of(DatabaseRole.REPLICA), db.role());
    assertTrue(state.memory().promoteFailed(), "the engine gives the lock up after a failed promotion");
    ActionOutcome.Failed f = (ActionOutcome.Failed) runLong(new Action.Promote());
    assertEquals("the pre_promote script exited with code 1; not promoting", f.detail());
  }

  @Test
  void aMissingPrePromoteFailsThePromotionWithItsReason() throws Exception {
    configure(everything(dir.resolve("absent.sh").toString()));
    run(new Action.CreateReplica("node2"));
    run(new Action.StartDatabase(DatabaseRole.REPLICA, Optional.of("node2")), "on_start replica demo");
    holdLock();
    ActionOutcome.Failed f = (ActionOutcome.Failed) runLong(new Action.Promote());
    assertTrue(db.last("promote").isEmpty());
    assertEquals("the pre_promote script could not run: " + dir.resolve("absent.sh") + " does not exist; not promoting",
        f.detail());
  }

  @Test
  void aLockLostWhilePrePromoteRanStopsThePromotion() throws Exception {
    run(new Action.CreateReplica("node2"));
    run(new Action.StartDatabase(DatabaseRole.REPLICA, Optional.of("node2")), "on_start replica demo");
    // The view the loop keeps shows no leader: the lock expired while the fencing script ran.
    ActionOutcome.Failed f = (ActionOutcome.Failed) runLong(new Action.Promote());
    expected.add("fencing");
    awaitLines();
    assertTrue(db.last("promote").isEmpty());
    assertEquals("the leader lock is free after the pre_promote script ran; not promoting", f.detail());
  }

  @Test
  void noPrePromoteForAServerThatIsPrimaryAlready() throws Exception {
    db.runningPrimary(5000);
    callbacks.observed(db.probe(), false);
    expected.add("on_start master demo");
    awaitLines();
    run(new Action.Promote());
    assertTrue(db.last("promote").isPresent(), "the driver's promote (a no-op on a primary) ran");
  }
}
