package dev.primus.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.agent.AgentCommands.ReinitializeResult;
import dev.primus.agent.AgentCommands.RestartResult;
import dev.primus.agent.AgentCommands.SwitchoverResult;
import dev.primus.dcs.layout.ClusterPath;
import dev.primus.dcs.layout.PatroniDcs;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.spi.InMemoryDcs;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.FailsafeAnswer;
import dev.primus.ha.PeerAnswer;
import dev.primus.ha.PeerStatus;
import dev.primus.ha.RestartRequest;
import dev.primus.ha.StopMode;
import dev.primus.ha.SwitchoverRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent through its public API, over the in-memory DCS and database test doubles, on a runtime whose
 * time only the test moves ({@link ManualRuntime}, everything on the test's thread): bootstrap, losing the
 * DCS, shutdown, replicas and their slots, a switchover, restarts and reinitializations through the command
 * API, a ttl change, and the events a listener receives.
 */
class PrimusAgentTest {
  static final DynamicConfig BOOTSTRAP_DCS = new DynamicConfig(Map.of("ttl", 30, "loop_wait", 10, "retry_timeout", 10));
  ManualRuntime runtime;
  InMemoryDcs server;
  ClusterPath path = ClusterPath.of("demo");
  Map<String, Node> nodes = new LinkedHashMap<>();

  /** One member: its agent, its store client, its database test double and the events it sent. */
  record Node(String name, PrimusAgent agent, InMemoryDcs.Client store, DatabaseDriverTestDouble db,
      List<AgentEvent> events) {}

  @BeforeEach
  void setUp() {
    runtime = new ManualRuntime(true).peers(new TestPeers());
    server = new InMemoryDcs(runtime.clock);
  }

  @AfterEach
  void tearDown() {
    nodes.values().forEach(n -> n.agent().close());
  }

  Node node(String name) {
    return node(name, HaSettings.defaults().withBootstrapDcs(BOOTSTRAP_DCS));
  }

  Node node(String name, HaSettings settings) {
    return node(name, settings, new DatabaseDriverTestDouble());
  }

  Node node(String name, HaSettings settings, DatabaseDriverTestDouble db) {
    InMemoryDcs.Client store = server.client(name);
    List<AgentEvent> events = new CopyOnWriteArrayList<>();
    PrimusAgent agent = PrimusAgent.builder()
        .cluster(path)
        .member(name, "http://" + name + ":8008/patroni", "postgres://10.0.0." + (nodes.size() + 1) + ":5432/postgres")
        .store(store)
        .database(db)
        .ha(settings)
        .runtime(runtime)
        .listener(events::add)
        .build();
    Node n = new Node(name, agent, store, db, events);
    nodes.put(name, n);
    agent.start();
    return n;
  }

  /** What the other members would answer on GET /patroni and POST /failsafe, from their databases. */
  final class TestPeers implements PeerClient {
    @Override
    public CompletionStage<Map<String, PeerAnswer>> query(ClusterView view, List<String> members) {
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
      return CompletableFuture.completedFuture(out);
    }

    @Override
    public CompletionStage<Map<String, FailsafeAnswer>> askFailsafe(Map<String, String> members,
        FailsafeRequest request) {
      Map<String, FailsafeAnswer> out = new HashMap<>();
      members.keySet().forEach(m -> out.put(m, new FailsafeAnswer.Refused("not in these tests")));
      return CompletableFuture.completedFuture(out);
    }
  }

  /** The driver calls that carry out actions (slot and parameter upkeep left out). */
  static List<String> databaseActions(Node n) {
    return n.db().methods().stream().filter(m -> !m.equals("ensureSlots") && !m.equals("applyParameters")).toList();
  }

  Optional<KeyValue> key(String relative) {
    return server.peek(path.base()).get(path.key(relative));
  }

  /** Lets {@code d} of agent time pass: every cycle and timer due meanwhile runs, in order. */
  void run(Duration d) {
    runtime.advance(d);
  }

  Node bootstrapLeader(String name) {
    Node n = node(name);
    run(Duration.ofSeconds(2));
    return n;
  }

  /** A leader and a streaming replica whose member key says it runs. */
  Node[] leaderAndReplica() {
    Node leader = bootstrapLeader("node1");
    Node replica = node("node2");
    run(Duration.ofSeconds(15));
    replica.db().setWal(leader.db().probe().walPosition()); // it streamed everything
    run(Duration.ofSeconds(10));
    return new Node[] {leader, replica};
  }

  PatroniDcs admin() {
    return new PatroniDcs(server.client("admin"), path, "admin", Duration.ofSeconds(30));
  }

  void editConfig(String key, Object value) throws Exception {
    PatroniDcs admin = admin();
    var config = admin.read().config().orElseThrow();
    admin.writeConfig(config.value().with(key, value), Optional.of(config.version()));
  }

  static String decisions(Node n) {
    return n.events().stream().filter(e -> e instanceof AgentEvent.DecisionTaken)
        .map(e -> ((AgentEvent.DecisionTaken) e).decision().toString()).collect(java.util.stream.Collectors.joining("\n"));
  }

  static <T> T done(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aLoneMemberBootstrapsTakesTheLockAndReportsItselfLeader() {
    Node n = bootstrapLeader("node1");

    assertEquals("node1", key("leader").orElseThrow().value());
    assertEquals(DatabaseDriverTestDouble.SYSID, key("initialize").orElseThrow().value());
    assertTrue(key("config").isPresent(), "bootstrap.dcs was written to config");
    assertTrue(key("members/node1").orElseThrow().value().contains("\"role\":\"master\""));
    AgentStatus s = n.agent().status();
    assertTrue(s.isLeaderAt(runtime.clock.instant()), "/primary answers 200");
    assertEquals(MemberRole.PRIMARY, s.role());
    assertEquals(DatabaseDriverTestDouble.SERVER_VERSION, s.serverVersion(), "GET /patroni reports the version the probe read");
    assertEquals(List.of("bootstrap"), databaseActions(n));
  }

  @Test
  void everyCycleIsCountedWithHowLongItTookAndHowLateItBegan() {
    Node n = bootstrapLeader("node1");
    long afterBootstrap = n.agent().loopTimes().duration().count();
    assertTrue(afterBootstrap > 0, "the bootstrap's cycles are counted");

    run(Duration.ofSeconds(35)); // loop_wait 10: at least three more cycles

    LoopTimes.Snapshot t = n.agent().loopTimes();
    long decisions = n.events().stream().filter(e -> e instanceof AgentEvent.DecisionTaken).count();
    assertEquals(decisions, t.duration().count(), "one per decision (no cycle here decided twice)");
    assertTrue(t.duration().count() >= afterBootstrap + 3, t.toString());
    assertEquals(t.duration().count(), t.delay().count());
    // This runtime runs everything at once and every timer on time.
    assertEquals(0.0, t.duration().maxSeconds());
    assertEquals(0.0, t.delay().maxSeconds());
  }

  @Test
  void aMemberWithAReplicaMethodWithoutLeaderRestoresAnInitializedClusterThatLostEveryMember() throws Exception {
    // The cluster exists (initialize holds its system identifier) but no member is left to copy from.
    assertTrue(admin().raceInitialize(DatabaseDriverTestDouble.SYSID).succeeded());
    Node n = node("node2", HaSettings.defaults().withBootstrapDcs(BOOTSTRAP_DCS),
        new DatabaseDriverTestDouble().withReplicaMethodWithoutLeader());
    run(Duration.ofSeconds(30));

    List<String> actions = databaseActions(n);
    assertEquals("createReplicaWithoutLeader", actions.get(0), decisions(n));
    assertFalse(actions.contains("bootstrap"), "the cluster is initialized: no new one");
    assertEquals(Optional.empty(), n.db().last("start").orElseThrow().args().get(1), "started with no upstream");
    assertEquals("node2", key("leader").orElseThrow().value(), "the restored member then won the race: " + decisions(n));
    assertEquals(Optional.of(DatabaseRole.PRIMARY), n.db().role());
  }

  @Test
  void aMemberWithoutSuchAMethodWaitsForALeader() throws Exception {
    assertTrue(admin().raceInitialize(DatabaseDriverTestDouble.SYSID).succeeded());
    Node n = node("node2");
    run(Duration.ofSeconds(30));

    assertEquals(List.of(), databaseActions(n));
    assertTrue(decisions(n).contains("waiting for leader to bootstrap"), decisions(n));
  }

  @Test
  void aListenerHearsTheDecisionsTheRoleChangeAndTheLock() {
    Node n = bootstrapLeader("node1");

    assertTrue(n.events().stream().anyMatch(e -> e instanceof AgentEvent.DecisionTaken d
        && d.decision().reason() == dev.primus.ha.Reason.BOOTSTRAP_RACE));
    assertTrue(n.events().contains(new AgentEvent.LockAcquired("node1", lockAcquiredAt(n))));
    assertTrue(n.events().stream().anyMatch(e -> e instanceof AgentEvent.RoleChanged r && r.to() == MemberRole.PRIMARY));
    assertTrue(n.events().stream().anyMatch(e -> e instanceof AgentEvent.ActionFinished f
        && f.action() instanceof dev.primus.ha.Action.Bootstrap && f.outcome().succeeded()));
  }

  private static java.time.Instant lockAcquiredAt(Node n) {
    return n.events().stream().filter(e -> e instanceof AgentEvent.LockAcquired).findFirst().orElseThrow().at();
  }

  @Test
  void theAgentRunsOnStartAfterTheBootstrapAndOnStopAtShutdown(@TempDir Path dir) throws Exception {
    Path calls = dir.resolve("calls.txt");
    Path script = dir.resolve("record.sh");
    Files.writeString(script, "#!/bin/sh\necho \"$*\" >> '" + calls + "'\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    Optional<String> cmd = Optional.of(script.toString());
    Node n = node("node1", HaSettings.defaults().withBootstrapDcs(BOOTSTRAP_DCS)
        .withCallbacks(new CallbackScripts(cmd, cmd, cmd, cmd, cmd, Optional.empty(), Duration.ofSeconds(30))));
    run(Duration.ofSeconds(2));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Files.exists(calls) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(List.of("on_start master demo"), Files.readAllLines(calls));

    n.agent().shutdown();
    assertEquals(List.of("on_start master demo", "on_stop master demo"), Files.readAllLines(calls),
        "the shutdown waited for its on_stop");
  }

  @Test
  void aLeaderCutOffFromTheDcsStopsTakingWritesWithoutReleasing() {
    Node n = bootstrapLeader("node1");
    n.store().setReachable(false);

    run(Duration.ofSeconds(11));

    assertEquals(StopMode.FAST, n.db().last("stop").orElseThrow().args().get(0), "offline demotion stops fast");
    assertFalse(n.db().running());
    assertFalse(n.agent().status().dcsAvailable());
    assertEquals("node1", key("leader").orElseThrow().value(), "offline keeps the key; it expires with the lease");
  }

  @Test
  void shutdownStopsTheDatabaseReleasesTheLockAndRevokesTheLease() {
    Node n = bootstrapLeader("node1");

    PrimusAgent.ShutdownReport report = n.agent().shutdown();

    assertTrue(report.databaseStopped());
    assertTrue(report.lockReleased());
    assertTrue(report.leaseRevoked());
    assertTrue(key("leader").isEmpty(), "the others need not wait for the ttl");
    assertTrue(key("members/node1").isEmpty(), "the member key went with the lease");
    assertEquals(StopMode.FAST, n.db().last("stop").orElseThrow().args().get(0));
    assertEquals(report, n.agent().shutdown(), "idempotent");
  }

  @Test
  void shutdownWhilePausedLeavesPostgresAndTheKeys() throws Exception {
    Node n = bootstrapLeader("node1");
    assertTrue(done(n.agent().commands().pause()));
    run(Duration.ofSeconds(1));

    PrimusAgent.ShutdownReport report = n.agent().shutdown();

    assertFalse(report.databaseStopped());
    assertTrue(n.db().running());
    assertEquals("node1", key("leader").orElseThrow().value());
  }

  @Test
  void closeLeavesTheDatabaseAndTheKeysAsIfTheAgentHadDied() {
    Node n = bootstrapLeader("node1");
    n.agent().close();
    run(Duration.ofSeconds(20));

    assertTrue(n.db().running(), "close() does not touch the database");
    assertEquals("node1", key("leader").orElseThrow().value(), "nor the keys: the lease runs out by itself");
    run(Duration.ofSeconds(15));
    assertTrue(key("leader").isEmpty(), "nobody renewed it after close()");
  }

  @Test
  void aReplicaIsBuiltFromTheLeaderAndFollowsIt() {
    Node replica = leaderAndReplica()[1];

    assertEquals("node1", ((dev.primus.ha.driver.Upstream) replica.db().last("createReplica").orElseThrow().args().get(0))
        .member());
    assertTrue(replica.db().running());
    assertEquals(Optional.of(DatabaseRole.REPLICA), replica.db().role());
    assertEquals(MemberRole.REPLICA, replica.agent().status().role());
    assertFalse(replica.agent().status().isLeaderAt(runtime.clock.instant()));
  }

  @Test
  void theLeaderKeepsASlotForEveryMemberThatStreamsFromIt() {
    Node[] both = leaderAndReplica();
    run(Duration.ofSeconds(10));

    assertEquals(Set.of("node2"), both[0].db().last("ensureSlots").orElseThrow().args().get(0));
    assertEquals(Set.of(), both[1].db().last("ensureSlots").orElseThrow().args().get(0),
        "a replica nobody cascades from keeps no member slot");
    assertTrue(key("status").orElseThrow().value().contains("\"retain_slots\":[\"node1\",\"node2\"]"),
        "the leader lists what it keeps, itself included: " + key("status"));
  }

  @Test
  void aNewLeaderKeepsASlotForTheDeadPrimary() throws Exception {
    Node[] both = leaderAndReplica();
    run(Duration.ofSeconds(10));
    // node1 dies: its database stops, its agent runs no more, its lease (and keys) expire.
    both[0].agent().close();
    both[0].db().stop(StopMode.IMMEDIATE, Duration.ofSeconds(1));
    run(Duration.ofSeconds(45));

    assertEquals("node2", key("leader").orElseThrow().value());
    assertTrue(key("members/node1").isEmpty(), "node1's key expired before node2 led");
    assertEquals(Set.of("node1"), both[1].db().last("ensureSlots").orElseThrow().args().get(0),
        "the slot is there when node1 comes back, for member_slots_ttl");
  }

  @Test
  void aSwitchoverThroughTheCommandsMovesTheLeaderAndReturnsTheNewOne() throws Exception {
    Node[] both = leaderAndReplica();
    Node leader = both[0];
    Node replica = both[1];

    CompletableFuture<SwitchoverResult> result = leader.agent().commands()
        .switchover(new SwitchoverRequest(SwitchoverRequest.Kind.SWITCHOVER, Optional.of("node1"),
            Optional.of("node2"), Optional.empty())).toCompletableFuture();
    for (int i = 0; i < 100 && !result.isDone(); i++) {
      run(Duration.ofMillis(200));
    }

    SwitchoverResult r = result.get(1, TimeUnit.SECONDS);
    assertEquals(new SwitchoverResult.Completed("node2"), r, () -> decisions(leader) + "\n" + key("members/node2"));
    assertEquals("node2", key("leader").orElseThrow().value());
    run(Duration.ofSeconds(2));
    assertEquals(List.of("checkpoint", "stop", "start"), databaseActions(leader).subList(1, 4),
        "the old leader checkpointed, stopped and came back as a replica");
    assertEquals(Optional.of(DatabaseRole.REPLICA), leader.db().role());
    assertTrue(replica.db().methods().contains("promote"));
    assertTrue(key("status").orElseThrow().value().contains("\"optime\""), "the shutdown checkpoint was published");
  }

  @Test
  void aSwitchoverToAMemberThatCannotTakeOverIsRefusedBeforeAnythingIsWritten() throws Exception {
    Node leader = bootstrapLeader("node1");
    SwitchoverResult r = done(leader.agent().commands().switchover(new SwitchoverRequest(
        SwitchoverRequest.Kind.SWITCHOVER, Optional.of("node1"), Optional.of("node9"), Optional.empty())));

    assertEquals(new SwitchoverResult.NotPossible("there is no member named 'node9'"), r);
    assertTrue(key("failover").isEmpty());
  }

  @Test
  void aRestartRequestRunsAsALongActionOfTheNextCycle() throws Exception {
    Node n = bootstrapLeader("node1");
    CompletableFuture<RestartResult> result = n.agent().commands().restart(RestartRequest.NOW).toCompletableFuture();
    run(Duration.ofMillis(100));

    assertEquals(new RestartResult.Restarted(), result.get(1, TimeUnit.SECONDS));
    assertTrue(n.db().methods().contains("restart"));
  }

  @Test
  void aRestartWhoseRoleConditionFailsIsRefused() throws Exception {
    Node n = bootstrapLeader("node1");
    CompletableFuture<RestartResult> result = n.agent().commands().restart(
        new RestartRequest(Optional.empty(), Optional.of(MemberRole.REPLICA), Optional.empty(), Optional.empty(), false))
        .toCompletableFuture();
    run(Duration.ofMillis(100));

    assertEquals(new RestartResult.Failed("restart conditions are not satisfied: role is primary, not replica"),
        result.get(1, TimeUnit.SECONDS));
    assertFalse(n.db().methods().contains("restart"));
  }

  @Test
  void aScheduledRestartIsPublishedAndRunsAtItsTime() throws Exception {
    Node n = bootstrapLeader("node1");
    OffsetDateTime at = OffsetDateTime.ofInstant(runtime.clock.instant().plusSeconds(60), ZoneOffset.UTC);
    RestartRequest scheduled = new RestartRequest(Optional.of(at), Optional.empty(), Optional.empty(), Optional.empty(),
        false);

    assertEquals(new RestartResult.Scheduled(), done(n.agent().commands().restart(scheduled)));
    assertEquals(new RestartResult.AlreadyScheduled(), done(n.agent().commands().restart(scheduled)));
    run(Duration.ofSeconds(1));
    assertTrue(key("members/node1").orElseThrow().value().contains("\"scheduled_restart\""), "published");
    assertFalse(n.db().methods().contains("restart"));

    run(Duration.ofSeconds(70));
    assertTrue(n.db().methods().contains("restart"), "run once due");
    assertFalse(key("members/node1").orElseThrow().value().contains("\"scheduled_restart\""), "and no longer published");
  }

  @Test
  void aCancelledScheduledRestartDoesNotRun() throws Exception {
    Node n = bootstrapLeader("node1");
    OffsetDateTime at = OffsetDateTime.ofInstant(runtime.clock.instant().plusSeconds(30), ZoneOffset.UTC);
    done(n.agent().commands().restart(new RestartRequest(Optional.of(at), Optional.empty(), Optional.empty(),
        Optional.empty(), false)));
    assertTrue(n.agent().commands().cancelScheduledRestart());
    assertFalse(n.agent().commands().cancelScheduledRestart(), "nothing left to cancel");
    run(Duration.ofSeconds(60));
    assertFalse(n.db().methods().contains("restart"));
  }

  @Test
  void theLeaderRefusesToReinitializeItselfAndAReplicaIsRebuilt() throws Exception {
    Node[] both = leaderAndReplica();
    CompletableFuture<ReinitializeResult> refused = both[0].agent().commands().reinitialize(false, false)
        .toCompletableFuture();
    CompletableFuture<ReinitializeResult> started = both[1].agent().commands().reinitialize(false, true)
        .toCompletableFuture();
    run(Duration.ofMillis(100));

    assertEquals(new ReinitializeResult.Refused("I am the leader, can not reinitialize"), refused.get(1, TimeUnit.SECONDS));
    assertEquals(new ReinitializeResult.Started(), started.get(1, TimeUnit.SECONDS));
    assertTrue(both[1].db().methods().contains("reinitialize"));
  }

  @Test
  void aReloadAppliesTheParametersAgain() {
    Node n = bootstrapLeader("node1");
    long applies = n.db().methods().stream().filter("applyParameters"::equals).count();
    n.agent().reconfigure(HaSettings.defaults().withBootstrapDcs(BOOTSTRAP_DCS)
        .withLocalParameters(Map.of("work_mem", "8MB")));
    n.agent().commands().reload();
    run(Duration.ofMillis(100));

    assertEquals(applies + 1, n.db().methods().stream().filter("applyParameters"::equals).count());
    assertEquals(Map.of("work_mem", "8MB"), n.db().last("applyParameters").orElseThrow().args().get(0),
        "the reloaded local parameters reach the driver");
  }

  @Test
  void aChangedDcsParameterReachesTheDatabase() throws Exception {
    Node n = bootstrapLeader("node1");
    editConfig("postgresql", Map.of("parameters", Map.of("max_connections", 200)));
    runtime.fireWatch(Set.of("config"));
    run(Duration.ofMillis(100));

    assertEquals(Map.of("max_connections", 200), n.db().last("applyParameters").orElseThrow().args().get(0));
  }

  @Test
  void aChangedTtlMovesTheMemberToALeaseOfTheNewTtl() throws Exception {
    Node n = bootstrapLeader("node1");
    editConfig("ttl", 40);
    run(Duration.ofSeconds(11));

    Optional<String> lease = key("members/node1").orElseThrow().leaseId();
    assertEquals(lease, key("leader").orElseThrow().leaseId(), "the leader key moved to the member's new lease");
    assertEquals(Duration.ofSeconds(40), n.agent().timings().ttl());
  }

  @Test
  void aWatchedChangeOfTheLeaderKeyWakesTheAgentAtOnce() {
    Node n = bootstrapLeader("node1");
    long decisions = n.events().stream().filter(e -> e instanceof AgentEvent.DecisionTaken).count();
    runtime.fireWatch(Set.of("members/node2"));
    run(Duration.ZERO);
    assertEquals(decisions, n.events().stream().filter(e -> e instanceof AgentEvent.DecisionTaken).count(),
        "member keys change all the time: no wake-up for them");
    runtime.fireWatch(Set.of("leader"));
    run(Duration.ZERO);
    assertEquals(decisions + 1, n.events().stream().filter(e -> e instanceof AgentEvent.DecisionTaken).count());
  }
}
