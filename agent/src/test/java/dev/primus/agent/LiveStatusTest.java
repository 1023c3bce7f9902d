package dev.primus.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.layout.ClusterPath;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.spi.InMemoryDcs;
import dev.primus.dcs.spi.ManualClock;
import dev.primus.ha.DatabaseLiveness;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.FailsafeAnswer;
import dev.primus.ha.LocalState.ProcessState;
import dev.primus.ha.PeerAnswer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PrimusAgent#liveStatus}: the last cycle's status with the database looked at again, one look shared
 * by every caller within the age they accept, for health checks that must hold for PostgreSQL now.
 */
class LiveStatusTest {
  static final DynamicConfig BOOTSTRAP_DCS = new DynamicConfig(Map.of("ttl", 30, "loop_wait", 10, "retry_timeout", 10));
  static final Duration MAX_AGE = Duration.ofMillis(200);

  ManualRuntime runtime;
  InMemoryDcs server;
  final List<PrimusAgent> agents = new ArrayList<>();

  @BeforeEach
  void setUp() {
    runtime = new ManualRuntime(true).peers(new NoPeers());
    server = new InMemoryDcs(runtime.clock);
  }

  @AfterEach
  void tearDown() {
    agents.forEach(PrimusAgent::close);
  }

  /** A member whose database already runs as primary: it takes the lock and leads. */
  private PrimusAgent leader(DatabaseDriverTestDouble db) {
    PrimusAgent agent = PrimusAgent.builder()
        .cluster(ClusterPath.of("demo"))
        .member("node1", "http://node1:8008/patroni", "postgres://10.0.0.1:5432/postgres")
        .store(server.client("node1"))
        .database(db)
        .ha(HaSettings.defaults().withBootstrapDcs(BOOTSTRAP_DCS))
        .runtime(runtime)
        .build();
    agents.add(agent);
    agent.start();
    runtime.advance(Duration.ofSeconds(2));
    assertEquals(MemberState.RUNNING, agent.status().state());
    assertTrue(agent.status().isLeaderAt(runtime.clock.instant()));
    return agent;
  }

  private static AgentStatus now(CompletionStage<AgentStatus> s) throws Exception {
    return s.toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void aServerThatDiedSinceTheCycleIsReportedGoneAtOnce() throws Exception {
    DatabaseDriverTestDouble db = new DatabaseDriverTestDouble().runningPrimary(1000);
    PrimusAgent agent = leader(db);

    db.crash();
    AgentStatus cycle = agent.status();
    AgentStatus live = now(agent.liveStatus(MAX_AGE));

    assertEquals(MemberState.RUNNING, cycle.state(), "no cycle has run since");
    assertEquals(MemberState.UNKNOWN, live.state(), "Patroni's word when its query fails");
    assertEquals(ProcessState.CRASHED, live.local().process());
    assertEquals(MemberRole.PRIMARY, live.role(), "the role stays the last one known, as in Patroni");
    assertEquals(cycle.leaderUntil(), live.leaderUntil(), "the lock is the cycle's business");
  }

  @Test
  void theServersAnswerGivesTheRoleAndThePositions() throws Exception {
    DatabaseDriverTestDouble db = new DatabaseDriverTestDouble().runningPrimary(1000);
    PrimusAgent agent = leader(db);

    db.setWal(5000);
    AgentStatus live = now(agent.liveStatus(MAX_AGE));

    assertEquals(MemberState.RUNNING, live.state());
    assertEquals(5000, live.local().walPosition());
    assertEquals(1000, agent.status().local().walPosition(), "the published status is left as the cycle saw it");
  }

  @Test
  void oneLookServesEveryCallerWithinMaxAge() throws Exception {
    DatabaseDriverTestDouble db = new DatabaseDriverTestDouble().runningPrimary(1000);
    PrimusAgent agent = leader(db);
    int before = db.livenessChecks();

    for (int i = 0; i < 50; i++) {
      now(agent.liveStatus(MAX_AGE));
    }
    runtime.clock.set(runtime.clock.instant().plus(MAX_AGE));
    now(agent.liveStatus(MAX_AGE));
    assertEquals(1, db.livenessChecks() - before, "a look exactly maxAge old still serves");

    runtime.clock.set(runtime.clock.instant().plusMillis(1));
    db.crash();
    assertEquals(MemberState.UNKNOWN, now(agent.liveStatus(MAX_AGE)).state());
    assertEquals(2, db.livenessChecks() - before);
  }

  @Test
  void aCyclePublishedAfterTheLookIsNotOverlaidWithIt() throws Exception {
    DatabaseDriverTestDouble db = new DatabaseDriverTestDouble().runningPrimary(1000);
    PrimusAgent agent = leader(db);

    db.crash();
    assertEquals(MemberState.UNKNOWN, now(agent.liveStatus(MAX_AGE)).state());
    // The loop restarts the server in its next cycle (primary_start_timeout: start it again as primary).
    runtime.advance(Duration.ofSeconds(10));
    AgentStatus after = agent.status();
    assertTrue(db.running(), "the loop started the server again: " + db.methods());

    AgentStatus live = now(agent.liveStatus(Duration.ofHours(1)));
    assertEquals(ProcessState.RUNNING, live.local().process(), "the old look must not undo what the cycle saw");
    assertEquals(after.state(), live.state());
  }

  @Test
  void withLivenessFollowsPatronisStatusRules() {
    DatabaseDriverTestDouble db = new DatabaseDriverTestDouble().runningPrimary(1000);
    AgentStatus s = leader(db).status();

    assertSame(s, s.withLiveness(new DatabaseLiveness.Unknown("no look")), "a failed look changes nothing");
    AgentStatus notAnswering = s.withLiveness(new DatabaseLiveness.NotAnswering("timeout"));
    assertEquals(MemberState.UNKNOWN, notAnswering.state());
    assertEquals(ProcessState.RUNNING, notAnswering.local().process(), "the postmaster lives");

    AgentStatus demoted = s.withLiveness(new DatabaseLiveness.Answering(DatabaseRole.REPLICA, 900, Optional.of(900L),
        Optional.of(800L)));
    assertEquals(MemberRole.REPLICA, demoted.role());
    assertEquals(Optional.of(800L), demoted.local().replayLsn());

    AgentStatus gone = s.withLiveness(new DatabaseLiveness.Down());
    assertSame(gone.local().process(), gone.withLiveness(new DatabaseLiveness.Down()).local().process());
    assertEquals(MemberState.UNKNOWN, gone.withLiveness(new DatabaseLiveness.Down()).state());
  }

  @Test
  void aStuckLookIsNotWaitedForTwiceAndNoSecondOnePilesUp() throws Exception {
    ManualClock clock = new ManualClock();
    AtomicInteger started = new AtomicInteger();
    CompletableFuture<DatabaseLiveness> stuck = new CompletableFuture<>();
    LivenessCache cache = new LivenessCache(() -> {
      started.incrementAndGet();
      return stuck;
    }, clock, Duration.ofSeconds(1));
    Object basis = new Object();

    CompletionStage<LivenessCache.Look> first = cache.get(MAX_AGE, basis);
    CompletionStage<LivenessCache.Look> joined = cache.get(MAX_AGE, basis);
    assertTrue(!first.toCompletableFuture().isDone() && !joined.toCompletableFuture().isDone());

    clock.set(clock.instant().plusMillis(1001));
    LivenessCache.Look late = cache.get(MAX_AGE, basis).toCompletableFuture().getNow(null);
    assertInstanceOf(DatabaseLiveness.Unknown.class, late.result(), "answered at once, from the cycle's status");
    assertEquals(1, started.get(), "no second look behind the stuck one");

    stuck.complete(new DatabaseLiveness.Down());
    assertInstanceOf(DatabaseLiveness.Down.class, joined.toCompletableFuture().getNow(null).result());
    clock.set(clock.instant().plusMillis(300));
    cache.get(MAX_AGE, basis);
    assertEquals(2, started.get(), "once it finished, the next look may start");
  }

  /** No other member is asked in these tests. */
  static final class NoPeers implements PeerClient {
    @Override
    public CompletionStage<Map<String, PeerAnswer>> query(ClusterView view, List<String> members) {
      Map<String, PeerAnswer> out = new HashMap<>();
      members.forEach(m -> out.put(m, new PeerAnswer.NoAnswer("not in these tests")));
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
}
