package dev.primus.runner.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.layout.ClusterPath;
import dev.primus.dcs.layout.PatroniDcs;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.Tags;
import dev.primus.dcs.spi.InMemoryDcs;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.ManualClock;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.HaConfig;
import dev.primus.ha.PeerAnswer;
import dev.primus.ha.PeerStatus;
import dev.primus.ha.StopMode;
import dev.primus.runner.rest.RestartRequest;
import dev.primus.runner.rest.RestartResult;
import dev.primus.runner.rest.SwitchoverRequest;
import dev.primus.runner.rest.SwitchoverResult;
import dev.primus.runner.config.PostgresqlConfig.Callbacks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loop driven cycle by cycle ({@link HaLoop#runCycle()}) over an in-memory DCS and database test
 * doubles: bootstrap, losing the DCS, shutdown, and a switchover through the REST commands between two
 * agents.
 */
class HaLoopTest {
  static final DynamicConfig BOOTSTRAP_DCS = new DynamicConfig(Map.of("ttl", 30, "loop_wait", 10, "retry_timeout", 10));
  ManualClock clock;
  InMemoryDcs server;
  ClusterPath path = ClusterPath.of("demo");
  Map<String, Node> nodes = new LinkedHashMap<>();

  /** One agent: its loop, its store client and its database test double. */
  record Node(String name, HaLoop loop, InMemoryDcs.Client store, DatabaseDriverTestDouble db) {}

  @BeforeEach
  void setUp() {
    clock = new ManualClock();
    server = new InMemoryDcs(clock);
  }

  @AfterEach
  void tearDown() {
    nodes.values().forEach(n -> n.loop().executor().close());
  }

  Node node(String name, DatabaseDriverTestDouble db) {
    return node(name, db, Callbacks.NONE);
  }

  Node node(String name, DatabaseDriverTestDouble db, Callbacks callbacks) {
    InMemoryDcs.Client store = server.client(name);
    PatroniDcs dcs = new PatroniDcs(store, path, name, Duration.ofSeconds(30));
    HaConfig ha = new HaConfig(name, "postgres://10.0.0." + (nodes.size() + 1) + ":5432/postgres",
        "http://" + name + ":8008/patroni", Tags.NONE, "test", true, BOOTSTRAP_DCS, false, false);
    PeerClient peers = (view, members) -> answers(members);
    HaLoop loop = new HaLoop(dcs, db, Watchdog.none(), peers, clock,
        new LoopConfig(ha, Duration.ofSeconds(60), Map.of(), "replicator", "demo", callbacks), Map.of(),
        Optional::empty);
    Node n = new Node(name, loop, store, db);
    nodes.put(name, n);
    return n;
  }

  /** What the other test agents would answer on GET /patroni, from their databases. */
  Map<String, PeerAnswer> answers(List<String> members) {
    Map<String, PeerAnswer> out = new HashMap<>();
    for (String m : members) {
      Node n = nodes.get(m);
      if (n == null || !n.db().running()) {
        out.put(m, new PeerAnswer.NoAnswer("down"));
        continue;
      }
      var local = n.db().probe();
      boolean primary = local.role().orElse(DatabaseRole.REPLICA) == DatabaseRole.PRIMARY;
      out.put(m, new PeerAnswer.Answered(new PeerStatus(!primary, local.walPosition(), local.timeline().orElse(0L),
          false, 1, false)));
    }
    return out;
  }

  /** The driver calls that carry out actions (slot upkeep between cycles left out). */
  static List<String> databaseActions(Node n) {
    return n.db().methods().stream().filter(m -> !m.equals("ensureSlots")).toList();
  }

  Optional<KeyValue> key(String relative) {
    return server.peek(path.base()).get(path.key(relative));
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  /** Cycles until no long action runs and the last cycle asked for nothing immediate (bounded). */
  static void settle(Node n) throws InterruptedException {
    for (int i = 0; i < 20; i++) {
      await(n.name() + " idle", () -> !n.loop().executor().busy());
      Duration wait = n.loop().runCycle();
      await(n.name() + " idle", () -> !n.loop().executor().busy());
      if (!wait.isZero() && !n.loop().executor().busy()) {
        return;
      }
    }
  }

  Node bootstrapLeader(String name) throws InterruptedException {
    Node n = node(name, new DatabaseDriverTestDouble());
    settle(n);
    return n;
  }

  @Test
  void aLoneMemberBootstrapsTakesTheLockAndReportsItselfLeader() throws Exception {
    Node n = bootstrapLeader("node1");

    assertEquals("node1", key("leader").orElseThrow().value());
    assertEquals(DatabaseDriverTestDouble.SYSID, key("initialize").orElseThrow().value());
    assertTrue(key("config").isPresent(), "bootstrap.dcs was written to config");
    assertTrue(key("members/node1").orElseThrow().value().contains("\"role\":\"primary\""));
    assertTrue(n.loop().current().isLeaderAt(clock.instant()), "/primary answers 200");
    assertEquals(MemberRole.PRIMARY, n.loop().current().role());
    assertEquals(DatabaseDriverTestDouble.SERVER_VERSION, n.loop().current().serverVersion(),
        "GET /patroni reports the version the probe read");
    assertEquals(List.of("bootstrap"), databaseActions(n));
  }

  @Test
  void theLoopRunsOnStartAfterTheBootstrapAndOnStopAtShutdown(@TempDir Path dir) throws Exception {
    Path calls = dir.resolve("calls.txt");
    Path script = dir.resolve("record.sh");
    Files.writeString(script, "#!/bin/sh\necho \"$*\" >> '" + calls + "'\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    Optional<String> cmd = Optional.of(script.toString());
    Node n = node("node1", new DatabaseDriverTestDouble(),
        new Callbacks(cmd, cmd, cmd, cmd, cmd, Optional.empty(), Duration.ofSeconds(30)));
    settle(n);
    await("on_start", () -> Files.exists(calls));
    assertEquals(List.of("on_start primary demo"), Files.readAllLines(calls));

    n.loop().shutdown(Duration.ofSeconds(5));
    assertEquals(List.of("on_start primary demo", "on_stop primary demo"), Files.readAllLines(calls),
        "the shutdown waited for its on_stop");
  }

  @Test
  void aLeaderCutOffFromTheDcsStopsTakingWritesWithoutReleasing() throws Exception {
    Node n = bootstrapLeader("node1");
    n.store().setReachable(false);

    n.loop().runCycle();
    await("demotion", () -> !n.loop().executor().busy());

    assertEquals(StopMode.FAST, n.db().last("stop").orElseThrow().args().get(0), "offline demotion stops fast");
    assertFalse(n.db().running());
    assertFalse(n.loop().current().dcsAvailable());
    assertEquals("node1", key("leader").orElseThrow().value(), "offline keeps the key; it expires with the lease");
  }

  @Test
  void shutdownStopsTheDatabaseReleasesTheLockAndRevokesTheLease() throws Exception {
    Node n = bootstrapLeader("node1");

    HaLoop.ShutdownReport report = n.loop().shutdown(Duration.ofSeconds(5));

    assertTrue(report.databaseStopped());
    assertTrue(report.lockReleased());
    assertTrue(report.leaseRevoked());
    assertTrue(key("leader").isEmpty(), "the others need not wait for the ttl");
    assertTrue(key("members/node1").isEmpty(), "the member key went with the lease");
    assertEquals(StopMode.FAST, n.db().last("stop").orElseThrow().args().get(0));
  }

  @Test
  void shutdownWhilePausedLeavesPostgresAndTheKeys() throws Exception {
    Node n = bootstrapLeader("node1");
    PatroniDcs admin = new PatroniDcs(server.client("admin"), path, "admin", Duration.ofSeconds(30));
    var config = admin.read().config().orElseThrow();
    admin.writeConfig(config.value().with("pause", true), Optional.of(config.version()));
    n.loop().runCycle();

    HaLoop.ShutdownReport report = n.loop().shutdown(Duration.ofSeconds(5));

    assertFalse(report.databaseStopped());
    assertTrue(n.db().running());
    assertEquals("node1", key("leader").orElseThrow().value());
  }

  @Test
  void aReplicaIsBuiltFromTheLeaderAndFollowsIt() throws Exception {
    bootstrapLeader("node1");
    Node replica = node("node2", new DatabaseDriverTestDouble());
    settle(replica);
    settle(replica);

    assertEquals("node1", ((dev.primus.ha.driver.Upstream) replica.db().last("createReplica").orElseThrow().args().get(0))
        .member());
    assertTrue(replica.db().running());
    assertEquals(Optional.of(DatabaseRole.REPLICA), replica.db().role());
    assertEquals(MemberRole.REPLICA, replica.loop().current().role());
    assertFalse(replica.loop().current().isLeaderAt(clock.instant()));
  }

  @Test
  void theLeaderKeepsASlotForEveryMemberThatStreamsFromIt() throws Exception {
    Node leader = bootstrapLeader("node1");
    Node replica = node("node2", new DatabaseDriverTestDouble());
    settle(replica);
    settle(replica);
    settle(leader);

    assertEquals(java.util.Set.of("node2"), leader.db().last("ensureSlots").orElseThrow().args().get(0));
    assertTrue(replica.db().last("ensureSlots").isEmpty(), "replicas keep no slots");
  }

  @Test
  void aNewLeaderKeepsASlotForTheDeadPrimaryItOnlySawAsAReplica() throws Exception {
    Node old = bootstrapLeader("node1");
    Node replica = node("node2", new DatabaseDriverTestDouble());
    settle(replica);
    settle(replica);
    settle(replica);
    // node1 dies: its database stops, its agent runs no more cycles, its lease (and keys) expire.
    old.db().stop(StopMode.IMMEDIATE, Duration.ofSeconds(1));
    clock.advance(Duration.ofSeconds(31));
    server.expireLeases();
    for (int i = 0; i < 10 && replica.db().last("ensureSlots").isEmpty(); i++) {
      settle(replica);
    }

    assertEquals("node2", key("leader").orElseThrow().value());
    assertTrue(key("members/node1").isEmpty(), "node1's key expired before node2 led");
    assertEquals(java.util.Set.of("node1"), replica.db().last("ensureSlots").orElseThrow().args().get(0),
        "the slot is there when node1 comes back, for member_slots_ttl");
  }

  @Test
  void aSwitchoverThroughTheRestCommandsMovesTheLeaderAndReturnsTheNewOne() throws Exception {
    Node leader = bootstrapLeader("node1");
    Node replica = node("node2", new DatabaseDriverTestDouble());
    settle(replica);
    settle(replica);
    settle(replica); // its member key now says running
    settle(leader);

    CompletableFuture<SwitchoverResult> result = CompletableFuture.supplyAsync(() -> leader.loop().commands()
        .switchover(new SwitchoverRequest(SwitchoverRequest.Kind.SWITCHOVER, Optional.of("node1"),
            Optional.of("node2"), Optional.empty())));
    await("the failover key", () -> key("failover").map(kv -> kv.value().contains("node2")).orElse(false));

    List<String> log = new ArrayList<>();
    for (int i = 0; i < 10 && !result.isDone(); i++) {
      settle(leader);
      settle(replica);
      log.add(key("leader").map(KeyValue::value).orElse("-"));
    }
    SwitchoverResult r = result.get(30, TimeUnit.SECONDS);

    assertInstanceOf(SwitchoverResult.Completed.class, r, log + " " + r);
    assertEquals("node2", ((SwitchoverResult.Completed) r).newLeader());
    assertEquals("node2", key("leader").orElseThrow().value());
    assertEquals(List.of("checkpoint", "stop", "start"), databaseActions(leader).subList(1, 4),
        "the old leader checkpointed, stopped and came back as a replica");
    assertEquals(Optional.of(DatabaseRole.REPLICA), leader.db().role());
    assertTrue(replica.db().methods().contains("promote"));
  }

  @Test
  void aRestartRequestRunsBetweenCyclesAsALongAction() throws Exception {
    Node n = bootstrapLeader("node1");
    CompletableFuture<RestartResult> result =
        CompletableFuture.supplyAsync(() -> n.loop().commands().restart(RestartRequest.NOW));
    await("the request", () -> {
      n.loop().runCycle();
      return result.isDone() || n.db().methods().contains("restart");
    });

    assertInstanceOf(RestartResult.Restarted.class, result.get(10, TimeUnit.SECONDS));
    assertTrue(n.db().methods().contains("restart"));
  }

  @Test
  void aRestartWhoseRoleConditionFailsIsRefused() throws Exception {
    Node n = bootstrapLeader("node1");
    CompletableFuture<RestartResult> result = CompletableFuture.supplyAsync(() -> n.loop().commands().restart(
        new RestartRequest(Optional.empty(), Optional.of(MemberRole.REPLICA), Optional.empty(), Optional.empty(), false)));
    await("the answer", () -> {
      n.loop().runCycle();
      return result.isDone();
    });

    assertInstanceOf(RestartResult.Failed.class, result.get());
    assertFalse(n.db().methods().contains("restart"));
  }

  @Test
  void theLeaderRefusesToReinitializeItself() throws Exception {
    Node n = bootstrapLeader("node1");
    var r = n.loop().commands().reinitialize(false, false);
    assertInstanceOf(dev.primus.runner.rest.ReinitializeResult.Refused.class, r);
  }

  @Test
  void aChangedTtlMovesTheMemberToALeaseOfTheNewTtl() throws Exception {
    Node n = bootstrapLeader("node1");
    PatroniDcs admin = new PatroniDcs(server.client("admin"), path, "admin", Duration.ofSeconds(30));
    var config = admin.read().config().orElseThrow();
    admin.writeConfig(config.value().with("ttl", 40), Optional.of(config.version()));

    n.loop().runCycle();

    assertEquals(Duration.ofSeconds(40), n.loop().dcs().ttl());
    assertEquals(n.loop().dcs().currentLease().map(l -> l.id()), key("leader").orElseThrow().leaseId(),
        "the leader key moved to the new lease");
  }
}
