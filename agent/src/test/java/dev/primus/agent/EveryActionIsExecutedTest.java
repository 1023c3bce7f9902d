package dev.primus.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.layout.ClusterPath;
import dev.primus.dcs.layout.PatroniDcs;
import dev.primus.dcs.model.ClusterStatus;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.model.MemberStatus;
import dev.primus.dcs.model.SyncState;
import dev.primus.dcs.model.TimelineHistory;
import dev.primus.dcs.spi.InMemoryDcs;
import dev.primus.ha.Action;
import dev.primus.ha.ActionOutcome;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.Decision;
import dev.primus.ha.DemoteMode;
import dev.primus.ha.Reason;
import dev.primus.ha.StopMode;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every record of the sealed {@link Action} type reaches a branch of the agent's executor: built with sample
 * values for its components (by reflection, so an action added to the engine without an executor branch
 * fails here, not in a cluster), run alone on an agent over the in-memory DCS and the database test double,
 * it ends in an outcome that is not "the agent cannot execute".
 */
class EveryActionIsExecutedTest {

  @Test
  void everyActionTheEngineCanEmitHasAnExecutorBranch() throws Exception {
    Class<?>[] kinds = Action.class.getPermittedSubclasses();
    assertTrue(kinds.length >= 35, "the sealed type lists its records: " + kinds.length);
    List<String> unexecuted = new ArrayList<>();
    for (Class<?> kind : kinds) {
      Action a = sample(kind);
      ActionOutcome o = runAlone(a);
      if (o instanceof ActionOutcome.Failed f && f.detail().contains("cannot execute")) {
        unexecuted.add(kind.getSimpleName() + ": " + f.detail());
      }
    }
    assertEquals(List.of(), unexecuted);
  }

  /** Runs {@code a} on a fresh agent that holds the lock, until its outcome is recorded. */
  private static ActionOutcome runAlone(Action a) throws Exception {
    ManualRuntime runtime = new ManualRuntime();
    InMemoryDcs server = new InMemoryDcs(runtime.clock);
    ClusterPath path = ClusterPath.of("demo");
    PatroniDcs dcs = new PatroniDcs(server.client("node1"), path, "node1", Duration.ofSeconds(30));
    PatroniDcs other = new PatroniDcs(server.client("node2"), path, "node2", Duration.ofSeconds(30));
    other.touchMember(DecisionExecutorTest.status("postgres://10.0.0.2:5432/postgres"));
    dcs.acquireLeaderLock();
    DatabaseDriverTestDouble db = new DatabaseDriverTestDouble().runningPrimary(100);
    HaSettings settings = HaSettings.defaults();
    AgentCore agent = new AgentCore("node1", path, PrimusAgent.Builder.haConfig("node1", "http://10.0.0.1:8008/patroni",
        "postgres://10.0.0.1:5432/postgres", settings), settings, runtime, dcs, new DriverOperations(db, runtime),
        new DecisionExecutorTest.NoPeers(), Watchdog.none(), DecisionFunction.engine(), null);
    agent.lastView(dcs.read());
    List<ActionOutcome> finished = new CopyOnWriteArrayList<>();
    agent.addListener(e -> {
      if (e instanceof AgentEvent.ActionFinished f && f.action().equals(a)) {
        finished.add(f.outcome());
      }
    });
    DecisionExecutor.Result r = agent.executor().run(new Decision(List.of(a), Reason.LOCK_RENEWED, "node1",
        Optional.empty(), Duration.ofSeconds(10))).toCompletableFuture().get(10, TimeUnit.SECONDS);
    if (!a.isLong()) {
      assertEquals(1, r.executed().size(), a.toString());
      return r.executed().get(0).outcome();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (finished.isEmpty() && !r.failed()) {
      assertFalse(System.nanoTime() > deadline, "no end of " + a);
      Thread.sleep(5);
    }
    return r.failed() ? r.executed().get(0).outcome() : finished.get(0);
  }

  /** An instance of the record {@code kind}, every component a plausible sample value. */
  static Action sample(Class<?> kind) throws Exception {
    RecordComponent[] components = kind.getRecordComponents();
    Class<?>[] types = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
    Constructor<?> canonical = kind.getDeclaredConstructor(types);
    Object[] args = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      args[i] = value(components[i].getType(), components[i].getGenericType(), components[i].getName());
    }
    return (Action) canonical.newInstance(args);
  }

  private static Object value(Class<?> type, Type generic, String name) {
    if (type == String.class) {
      return name.equals("systemIdentifier") ? "7000000000000000001" : "node2";
    }
    if (type == long.class) {
      return 1L;
    }
    if (type == int.class) {
      return 0;
    }
    if (type == boolean.class) {
      return false;
    }
    if (type == Duration.class) {
      return Duration.ofSeconds(30);
    }
    if (type == Instant.class) {
      return Instant.parse("2026-01-01T00:00:00Z");
    }
    if (type == Optional.class) {
      Type inner = ((ParameterizedType) generic).getActualTypeArguments()[0];
      return inner == String.class ? Optional.of("node2") : Optional.empty();
    }
    if (type == List.class) {
      return List.of();
    }
    if (type == Map.class) {
      return Map.of();
    }
    if (type == Set.class) {
      return Set.of();
    }
    if (type == MemberStatus.class) {
      return DecisionExecutorTest.status("postgres://10.0.0.1:5432/postgres");
    }
    if (type == dev.primus.ha.ParameterSet.class) {
      return new dev.primus.ha.ParameterSet(Map.of("work_mem", "8MB"), Optional.empty());
    }
    if (type == DynamicConfig.class) {
      return DynamicConfig.EMPTY;
    }
    if (type == ClusterStatus.class) {
      return ClusterStatus.EMPTY;
    }
    if (type == TimelineHistory.class) {
      return new TimelineHistory(List.of());
    }
    if (type == FailoverRequest.class) {
      return new FailoverRequest(Optional.of("node1"), Optional.of("node2"), Optional.empty());
    }
    if (type == SyncState.class) {
      return new SyncState(Optional.of("node1"), 0, List.of("node2"));
    }
    if (type == DatabaseRole.class) {
      return DatabaseRole.REPLICA;
    }
    if (type == StopMode.class) {
      return StopMode.FAST;
    }
    if (type == DemoteMode.class) {
      return DemoteMode.GRACEFUL;
    }
    throw new AssertionError("no sample for a component of type " + type + " (" + name + "): add one");
  }
}
