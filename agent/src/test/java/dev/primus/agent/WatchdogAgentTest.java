package dev.primus.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.agent.watchdog.DeviceWatchdog;
import dev.primus.agent.watchdog.SafetyMargin;
import dev.primus.agent.watchdog.WatchdogDriver;
import dev.primus.agent.watchdog.WatchdogHarness;
import dev.primus.agent.watchdog.WatchdogSettings;
import dev.primus.dcs.layout.ClusterPath;
import dev.primus.dcs.layout.PatroniDcs;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.spi.InMemoryDcs;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.ha.FailsafeAnswer;
import dev.primus.ha.PeerAnswer;
import dev.primus.ha.Reason;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real agent with Patroni's {@code driver: testing} on a named pipe that a harness reads, the scenarios of
 * Patroni's own watchdog acceptance tests: a leader arms it with {@code ttl - safety_margin} and pets it; a ttl
 * changed in the DCS reaches the device at the next cycle; pause disarms it and resume arms it again; a
 * shutdown disarms it; and {@code required} with no usable device keeps the member from leading.
 */
@Timeout(120)
class WatchdogAgentTest {
  static final DynamicConfig BOOTSTRAP_DCS = new DynamicConfig(Map.of("ttl", 30, "loop_wait", 10, "retry_timeout", 10));
  static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir
  Path dir;
  ManualRuntime runtime;
  InMemoryDcs server;
  ClusterPath path = ClusterPath.of("batman");
  WatchdogHarness harness;
  PrimusAgent agent;
  DeviceWatchdog watchdog;
  final List<AgentEvent> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    runtime = new ManualRuntime(true).peers(new NobodyElse());
    server = new InMemoryDcs(runtime.clock);
    harness = WatchdogHarness.start(dir.resolve("watchdog.postgres0.fifo"));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (agent != null) {
      agent.close();
      // close() leaves the watchdog armed, as a crash would; disarm it so the harness sees the pipe closed.
      watchdog.close();
    }
    harness.close();
  }

  PrimusAgent start(Watchdog.Mode mode, Path device) {
    watchdog = new DeviceWatchdog(new WatchdogSettings(mode, device, SafetyMargin.DEFAULT,
        WatchdogDriver.testing()));
    agent = PrimusAgent.builder()
        .cluster(path)
        .member("postgres0", "http://127.0.0.1:8008/patroni", "postgres://127.0.0.1:5432/postgres")
        .store(server.client("postgres0"))
        .database(new DatabaseDriverTestDouble())
        .ha(HaSettings.defaults().withBootstrapDcs(BOOTSTRAP_DCS))
        .runtime(runtime)
        .listener(events::add)
        .watchdog(watchdog)
        .build();
    agent.start();
    return agent;
  }

  /** A lone member: nobody to ask. */
  static final class NobodyElse implements PeerClient {
    @Override
    public CompletionStage<Map<String, PeerAnswer>> query(ClusterView view, List<String> members) {
      return CompletableFuture.completedFuture(Map.of());
    }

    @Override
    public CompletionStage<Map<String, FailsafeAnswer>> askFailsafe(Map<String, String> members,
        FailsafeRequest request) {
      return CompletableFuture.completedFuture(Map.of());
    }
  }

  Optional<KeyValue> leaderKey() {
    return server.peek(path.base()).get(path.key("leader"));
  }

  void editConfig(String key, Object value) throws Exception {
    PatroniDcs admin = new PatroniDcs(server.client("admin"), path, "admin", Duration.ofSeconds(30));
    var config = admin.read().config().orElseThrow();
    admin.writeConfig(config.value().with(key, value), Optional.of(config.version()));
  }

  void run(Duration d) {
    runtime.advance(d);
  }

  @Test
  void aLeaderArmsItWithTtlMinusSafetyMarginAndPetsIt() throws Exception {
    start(Watchdog.Mode.REQUIRED, harness.path());
    run(Duration.ofSeconds(2));
    assertEquals("postgres0", leaderKey().orElseThrow().value());

    run(Duration.ofSeconds(20));
    harness.await("ping", h -> h.pings() >= 2, WAIT);
    assertEquals(25, harness.timeout(), "ttl 30 - safety_margin 5");
    assertTrue(harness.open());
    assertEquals(0, harness.magicCloses());
    assertTrue(harness.transcript().startsWith("Ctimeout=25\n1"), harness.transcript());
  }

  @Test
  void aTtlChangedInTheDcsReachesTheDeviceAtTheNextCycle() throws Exception {
    start(Watchdog.Mode.REQUIRED, harness.path());
    run(Duration.ofSeconds(12));
    harness.await("timeout 25", h -> h.timeout() == 25, WAIT);

    editConfig("ttl", 40);
    run(Duration.ofSeconds(11));
    harness.await("timeout 35", h -> h.timeout() == 35, WAIT);
    assertEquals(1, harness.opens(), "the timeout changes on the open device, which stays armed");
    assertEquals("postgres0", leaderKey().orElseThrow().value());
  }

  @Test
  void pauseDisarmsItAndResumeArmsItAgain() throws Exception {
    start(Watchdog.Mode.REQUIRED, harness.path());
    run(Duration.ofSeconds(12));
    harness.await("ping", h -> h.pings() >= 1, WAIT);

    assertTrue(agent.commands().pause().toCompletableFuture().get(10, TimeUnit.SECONDS));
    run(Duration.ofSeconds(2));
    harness.await("magic close", h -> h.magicCloses() == 1 && !h.open(), WAIT);

    int pings = harness.pings();
    assertTrue(agent.commands().resume().toCompletableFuture().get(10, TimeUnit.SECONDS));
    run(Duration.ofSeconds(12));
    harness.await("ping after resume", h -> h.opens() == 2 && h.pings() > pings, WAIT);
  }

  @Test
  void aShutdownDisarmsIt() throws Exception {
    start(Watchdog.Mode.REQUIRED, harness.path());
    run(Duration.ofSeconds(12));
    harness.await("ping", h -> h.pings() >= 1, WAIT);

    agent.shutdown();
    harness.await("magic close", h -> h.magicCloses() == 1 && !h.open(), WAIT);
  }

  @Test
  void requiredWithoutAUsableDeviceKeepsTheMemberFromLeading() {
    start(Watchdog.Mode.REQUIRED, dir.resolve("no-such-watchdog"));
    run(Duration.ofSeconds(25));

    assertTrue(events.stream().anyMatch(e -> e instanceof AgentEvent.DecisionTaken d
        && d.decision().reason() == Reason.WATCHDOG_FAILED), "it gave the lock up because of the watchdog");
    assertNotEquals(Optional.of("postgres0"), leaderKey().map(KeyValue::value), "and does not hold it");
    assertFalse(agent.status().isLeaderAt(runtime.clock.instant()));
  }

  @Test
  void automaticWithoutAUsableDeviceLeadsWithoutOne() {
    start(Watchdog.Mode.AUTOMATIC, dir.resolve("no-such-watchdog"));
    run(Duration.ofSeconds(25));

    assertEquals("postgres0", leaderKey().orElseThrow().value());
    assertTrue(agent.status().isLeaderAt(runtime.clock.instant()));
    assertFalse(agent.status().watchdogFailed());
  }
}
