package dev.primus.agent.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.spi.ManualClock;
import dev.primus.ha.ActionOutcome;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.LocalState;
import dev.primus.ha.StopMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The simulated PostgreSQL: WAL growth, streaming lag, promotion, stop modes, divergence and rewind. */
class SimDatabaseTest {
  /** Every latency fixed, so the tests can name instants. */
  static final DbLatencies FIXED = new DbLatencies(
      1_000, 1_000,   // start
      2_000, 2_000,   // crash recovery
      100, 100,       // stop signal
      500, 500,       // fast stop
      50, 50,         // immediate stop
      1_000, 1_000,   // promote
      200, 200,       // follow
      5_000, 5_000,   // rewind
      10_000, 10_000, // base backup
      3_000, 3_000);  // initdb

  static final long RATE = 1_000_000; // bytes per second

  final Scheduler scheduler = new Scheduler(new ManualClock());
  final DatabaseFleet fleet = new DatabaseFleet(scheduler, new Random(1), FIXED, RATE);
  final List<String> writable = new ArrayList<>();
  final SimDatabase a = fleet.add("a", 100);
  final SimDatabase b = fleet.add("b", 250);

  SimDatabaseTest() {
    fleet.listener((db, cause) -> writable.add(db.name() + ":" + cause));
  }

  void run(Duration d) {
    Instant until = scheduler.now().plus(d);
    while (scheduler.runNext(until) != null) {
      // events only
    }
    scheduler.clock().set(until);
    fleet.settle();
  }

  List<ActionOutcome> outcomes = new ArrayList<>();

  void bootstrapPair() {
    a.bootstrap(outcomes::add);
    run(Duration.ofSeconds(3));
    b.createReplica("a", outcomes::add);
    run(Duration.ofSeconds(10));
    b.start(DatabaseRole.REPLICA, Optional.of("a"), outcomes::add);
    run(Duration.ofSeconds(2));
    assertTrue(outcomes.stream().allMatch(ActionOutcome::succeeded), outcomes.toString());
    outcomes.clear();
  }

  @Test
  void primaryWalGrowsAtTheWriteRateAndTheReplicaTrailsByItsDelay() {
    bootstrapPair();
    assertTrue(a.isWritablePrimary());
    assertTrue(b.isRunningReplica());
    long before = a.position();
    run(Duration.ofSeconds(10));
    assertEquals(before + 10 * RATE, a.position());
    // b streams 250 ms behind: 250 KB at 1 MB/s.
    assertEquals(a.position() - RATE / 4, b.position());
    LocalState probe = b.probe();
    assertEquals(Optional.of(LocalState.ReplicationState.STREAMING), probe.replication());
    assertEquals(Optional.of("a"), probe.upstream());
    assertEquals(1, a.probe().replicas().size());
    assertEquals(List.of("a:BOOTSTRAP"), writable);
  }

  @Test
  void aFencedPrimaryStopsTakingWritesUntilItsNextStart() {
    bootstrapPair();
    assertEquals(dev.primus.ha.driver.FenceResult.Outcome.ALREADY_IN_RECOVERY, b.fence("c").outcome());
    assertEquals(dev.primus.ha.driver.FenceResult.Outcome.FENCED, a.fence("b").outcome());
    assertFalse(a.isWritablePrimary());
    long before = a.position();
    run(Duration.ofSeconds(10));
    assertEquals(before, a.position(), "no writes on a fenced primary");
    a.stop(StopMode.FAST, outcomes::add);
    run(Duration.ofSeconds(30));
    assertEquals(dev.primus.ha.driver.FenceResult.Outcome.NOT_REACHABLE, a.fence("b").outcome());
    a.start(DatabaseRole.PRIMARY, Optional.empty(), outcomes::add);
    run(Duration.ofSeconds(30));
    assertTrue(a.isWritablePrimary(), "the start lifts the fence");
  }

  @Test
  void aReplicaBehindCatchesUpAtTheCatchUpRate() {
    bootstrapPair();
    b.stop(StopMode.FAST, outcomes::add);
    run(Duration.ofSeconds(100)); // a writes 100 MB meanwhile
    b.start(DatabaseRole.REPLICA, Optional.of("a"), outcomes::add);
    run(Duration.ofSeconds(1)); // fast-stopped: a plain start of 1 s
    long behind = a.position() - b.position();
    assertTrue(behind > 90_000_000, "just started, still far behind: " + behind);
    run(Duration.ofSeconds(5));
    assertEquals(a.position() - RATE / 4, b.position());
  }

  @Test
  void promotionTakesItsLatencyAndStartsANewTimeline() {
    bootstrapPair();
    a.crash("test");
    long end = b.position();
    b.promote(outcomes::add);
    run(Duration.ofMillis(999));
    assertFalse(b.isWritablePrimary(), "not before the promote latency");
    run(Duration.ofMillis(1));
    assertTrue(b.isWritablePrimary());
    assertEquals(2, b.lineage().timeline());
    assertEquals(end, b.lineage().last().startLsn());
    assertEquals(List.of("a:BOOTSTRAP", "b:PROMOTE"), writable);
    assertInstanceOf(ActionOutcome.Succeeded.class, outcomes.get(0));
  }

  @Test
  void aStopLeavesTheServerWritableUntilTheSignalArrives() {
    bootstrapPair();
    a.stop(StopMode.IMMEDIATE, outcomes::add);
    run(Duration.ofMillis(99));
    assertTrue(a.isWritablePrimary());
    run(Duration.ofMillis(1));
    assertFalse(a.isWritablePrimary());
    assertEquals(SimDatabase.Process.STOPPING, a.process());
    run(Duration.ofMillis(50));
    assertEquals(SimDatabase.Process.STOPPED, a.process());
    assertFalse(a.probe().cleanShutdown(), "immediate leaves the control file unclean");
  }

  @Test
  void aCleanStopHandsTheShutdownCheckpointToTheStandby() {
    bootstrapPair();
    run(Duration.ofSeconds(5));
    a.stop(StopMode.FAST, outcomes::add);
    run(Duration.ofSeconds(1));
    assertTrue(a.probe().cleanShutdown());
    assertEquals(a.position(), b.position(), "the standby has everything after a fast shutdown");
  }

  @Test
  void aDivergedFormerPrimaryCannotStreamUntilRewound() {
    bootstrapPair();
    run(Duration.ofSeconds(5));
    a.crash("test"); // a wrote 250 KB b never received
    b.promote(outcomes::add);
    run(Duration.ofSeconds(2));
    a.start(DatabaseRole.REPLICA, Optional.of("b"), outcomes::add);
    run(Duration.ofSeconds(5));
    assertTrue(a.isRunningReplica());
    assertFalse(a.probe().replication().isPresent(), "diverged: not streaming");
    long stuck = a.position();
    run(Duration.ofSeconds(5));
    assertEquals(stuck, a.position());

    a.stop(StopMode.FAST, outcomes::add);
    run(Duration.ofSeconds(1));
    a.rewind("b", outcomes::add);
    run(Duration.ofSeconds(5));
    a.start(DatabaseRole.REPLICA, Optional.of("b"), outcomes::add);
    run(Duration.ofSeconds(3));
    assertTrue(outcomes.stream().allMatch(ActionOutcome::succeeded), outcomes.toString());
    assertTrue(a.probe().replication().isPresent(), "streams after pg_rewind");
    assertEquals(b.position() - RATE / 10, a.position());
    assertEquals(2, a.lineage().timeline());
  }

  @Test
  void aReplicaFollowsItsUpstreamAcrossATimelineSwitch() {
    SimDatabase c = fleet.add("c", 100);
    bootstrapPair();
    c.createReplica("a", outcomes::add);
    run(Duration.ofSeconds(10));
    c.start(DatabaseRole.REPLICA, Optional.of("a"), outcomes::add);
    run(Duration.ofSeconds(2));
    fleet.writeRate(0); // idle: every replica has everything
    run(Duration.ofSeconds(1));
    a.stop(StopMode.FAST, outcomes::add);
    run(Duration.ofSeconds(1));
    b.promote(outcomes::add);
    run(Duration.ofSeconds(1));
    c.follow("b", outcomes::add);
    run(Duration.ofSeconds(1));
    assertTrue(c.probe().replication().isPresent());
    assertEquals(2, c.lineage().timeline(), "replayed the switch to timeline 2");
  }

  @Test
  void aCrashFailsTheOperationInFlight() {
    bootstrapPair();
    b.promote(outcomes::add);
    b.crash("test");
    assertInstanceOf(ActionOutcome.Failed.class, outcomes.get(0));
    run(Duration.ofSeconds(2));
    assertFalse(b.isWritablePrimary(), "the aborted promotion never completes");
    assertEquals(SimDatabase.Process.CRASHED, b.process());
    assertEquals(LocalState.ProcessState.CRASHED, b.probe().process());
  }

  @Test
  void operationsRefuseWhatPostgresWouldRefuse() {
    bootstrapPair();
    a.promote(outcomes::add);
    b.bootstrap(outcomes::add);
    a.follow("b", outcomes::add);
    a.rewind("b", outcomes::add);
    assertEquals(4, outcomes.size());
    assertTrue(outcomes.stream().allMatch(o -> o instanceof ActionOutcome.Failed), outcomes.toString());
    assertTrue(a.isWritablePrimary());
  }

  // ---- synchronous replication ---------------------------------------------------------------

  @Test
  void commitsAreAcknowledgedAsFarAsTheSynchronousStandbyFlushed() {
    bootstrapPair();
    assertEquals(a.position(), a.acknowledged().getAsLong(), "without synchronous standbys: at once");
    long setAt = a.position();
    assertTrue(a.setSynchronousStandbys(List.of("b"), 1).succeeded());
    run(Duration.ofSeconds(2));
    assertEquals(b.position(), a.acknowledged().getAsLong());
    assertTrue(b.position() < a.position(), "b trails by its delay, so do acknowledgements");
    assertEquals(List.of("sync"), a.probe().replicas().stream().map(LocalState.ReplicaConnection::syncState).toList());
    LocalState.SynchronousStandbys ssn = a.probe().synchronousStandbys().orElseThrow();
    assertEquals(List.of("b"), ssn.members());
    assertTrue(ssn.managed());
    assertEquals(setAt, ssn.since(), "in effect since the position it was set at");
  }

  @Test
  void withoutItsSynchronousStandbyAPrimaryAcknowledgesNothingUntilSsnIsCleared() {
    bootstrapPair();
    a.setSynchronousStandbys(List.of("b"), 1);
    b.crash("test");
    run(Duration.ofSeconds(1));
    assertTrue(a.acknowledged().isEmpty(), "commits wait");
    a.clearSynchronousStandbys();
    assertEquals(a.position(), a.acknowledged().getAsLong(), "released at once");
    assertFalse(a.probe().synchronousStandbys().orElseThrow().managed());
  }

  @Test
  void theWildcardMakesAnyStreamingStandbySynchronous() {
    bootstrapPair();
    a.setSynchronousStandbys(List.of("*"), 1);
    run(Duration.ofSeconds(1));
    assertEquals(b.position(), a.acknowledged().getAsLong());
    assertEquals("sync", a.probe().replicas().get(0).syncState());
  }

  @Test
  void theFleetCarriesAcknowledgementsAcrossAPromotion() {
    bootstrapPair();
    a.setSynchronousStandbys(List.of("b"), 1);
    run(Duration.ofSeconds(2));
    long acked = b.position();
    a.crash("test");
    assertEquals(acked, fleet.acknowledgedPosition());
    b.promote(outcomes::add);
    run(Duration.ofSeconds(2));
    assertEquals(b.lineage(), fleet.acknowledgedLineage());
    assertEquals(b.position(), fleet.acknowledgedPosition(), "the new primary waits for nobody yet");
  }

  @Test
  void lineagesTellSplitBrainBranchesApart() {
    Lineage root = Lineage.initial(1, 100);
    Lineage x = root.branch(2, 2, 500);
    Lineage y = root.branch(3, 2, 500);
    assertEquals(x.timeline(), y.timeline());
    assertFalse(x.canFollow(600, y), "same timeline number, different branch");
    assertTrue(root.canFollow(500, x), "not past the fork point");
    assertFalse(root.canFollow(501, x), "past the fork point");
    assertEquals(500, root.forkPoint(x));
  }
}
