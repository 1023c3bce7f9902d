package dev.primus.agent.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.layout.PatroniCodec;
import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.ha.PeerAnswer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each fault does what it says to the simulated world, tested with the {@link ScriptedEngine} (fixed
 * roles) so that the fault mechanics are tested apart from the real engine's reaction.
 */
class SimFaultsTest {
  SimCluster world;
  FaultInjector faults;

  @BeforeEach
  void bootCluster() {
    Schedule s = new Schedule(42, 3, Schedule.timings(30, 10, 10), Duration.ofMinutes(30), 1 << 20, 1 << 20, true);
    world = new SimCluster(s, new Random(42), new ScriptedEngine());
    faults = new FaultInjector(world);
    world.start();
    run(Duration.ofSeconds(90));
    assertTrue(db("pg0").isWritablePrimary(), world.describe());
    assertTrue(db("pg1").isRunningReplica() && db("pg2").isRunningReplica(), world.describe());
    assertEquals(Optional.of("pg0"), world.lockHolder());
  }

  void run(Duration d) {
    world.runUntil(world.now().plus(d));
    assertEquals(List.of(), world.violations().all().stream().filter(v -> v.invariant() == 0).toList());
  }

  SimDatabase db(String name) {
    return world.agent(name).database();
  }

  Optional<KeyValue> key(String key) {
    return world.dcs().peek(key).get(key);
  }

  @Test
  void aKilledNodeLosesAgentAndDatabaseAndComesBackWithItsData() {
    SimNode pg1 = world.agent("pg1");
    String sysid = db("pg1").systemIdentifier().orElseThrow();
    faults.kill(pg1, Duration.ofSeconds(60));
    assertFalse(pg1.alive());
    assertEquals(SimDatabase.Process.CRASHED, db("pg1").process());
    assertTrue(key(world.path().member("pg1")).isPresent(), "the lease runs on for a while");
    run(Duration.ofSeconds(31));
    assertTrue(key(world.path().member("pg1")).isEmpty(), "member key gone with the lease after ttl");
    run(Duration.ofSeconds(40));
    assertTrue(pg1.alive());
    assertEquals(Optional.of(sysid), db("pg1").systemIdentifier(), "same data directory");
    assertTrue(db("pg1").isRunningReplica(), world.describe());
    assertTrue(key(world.path().member("pg1")).isPresent());
  }

  @Test
  void aFrozenAgentRunsNoCycleWhileItsDatabaseRunsOn() {
    SimNode pg1 = world.agent("pg1");
    long cycles = pg1.cycles();
    long lsn = db("pg1").position();
    pg1.freeze(Duration.ofSeconds(60));
    run(Duration.ofSeconds(59));
    assertEquals(cycles, pg1.cycles());
    assertTrue(db("pg1").isRunningReplica());
    assertTrue(db("pg1").position() > lsn, "the database keeps replaying");
    assertInstanceOf(PeerAnswer.NoAnswer.class, world.queryPeers(world.agent("pg2"), List.of("pg1")).get("pg1"));
    run(Duration.ofSeconds(2));
    assertTrue(pg1.cycles() > cycles);
  }

  @Test
  void aFrozenPrimaryAgentIsResetByItsWatchdog() {
    SimNode pg0 = world.agent("pg0");
    assertTrue(pg0.watchdog().active());
    pg0.freeze(Duration.ofSeconds(60));
    // The last keepalive came at most loop_wait (10 s) before the freeze: the reset comes 25 s after it.
    run(Duration.ofSeconds(14));
    assertTrue(db("pg0").isWritablePrimary(), "not before ttl - 5 s since the last keepalive");
    run(Duration.ofSeconds(12));
    assertFalse(db("pg0").isRunning(), "reset within ttl - safety margin");
    assertEquals(1, pg0.watchdog().resets());
    assertFalse(pg0.alive(), "the whole node resets, the frozen agent with it");
    run(Duration.ofSeconds(70));
    assertTrue(pg0.alive(), "and boots again");
  }

  @Test
  void aCutOffNodeCannotReachTheDcsOrBeReachedAndItsLeaseExpires() {
    SimNode pg1 = world.agent("pg1");
    faults.cut(pg1, Duration.ofSeconds(45));
    assertFalse(world.reachable(pg1));
    assertEquals(ConnectionState.SUSPENDED, pg1.client().connectionState());
    assertInstanceOf(PeerAnswer.NoAnswer.class, world.queryPeers(world.agent("pg2"), List.of("pg1")).get("pg1"));
    run(Duration.ofSeconds(31));
    assertTrue(key(world.path().member("pg1")).isEmpty(), "the server carries on: its lease expired");
    assertTrue(db("pg1").isRunningReplica(), "streaming is not cut");
    // Back at 45 s; a cycle blocked in a failing read, then loop_wait, may take 20 s to come round.
    run(Duration.ofSeconds(40));
    assertTrue(world.reachable(pg1));
    assertTrue(key(world.path().member("pg1")).isPresent(), "wrote its member key again");
  }

  @Test
  void aWholeDcsOutageStopsEveryoneButExpiresNoLease() {
    faults.outage(Duration.ofSeconds(60));
    assertFalse(world.dcs().isAvailable());
    world.agents().forEach(a -> assertFalse(world.reachable(a)));
    run(Duration.ofSeconds(59));
    assertTrue(world.lockHolder().isPresent() && key(world.path().member("pg1")).isPresent());
    run(Duration.ofSeconds(2));
    assertTrue(world.dcs().isAvailable());
    run(Duration.ofSeconds(29));
    assertEquals(Optional.of("pg0"), world.lockHolder(), "the leader kept its lock across the outage");
  }

  @Test
  void aDatabaseCrashLeavesTheAgentRunning() {
    faults.apply(FaultInjector.Kind.DB_CRASH); // the leader or another member; find which
    long crashed = world.fleet().all().stream().filter(d -> d.process() == SimDatabase.Process.CRASHED).count();
    assertEquals(1, crashed, world.describe());
    assertTrue(world.agents().stream().allMatch(SimNode::alive));
    run(Duration.ofSeconds(20));
    assertTrue(world.fleet().all().stream().allMatch(SimDatabase::isRunning), "the agent restarted it\n" + world.describe());
  }

  @Test
  void aSwitchoverRequestIsWrittenAsPatroniWritesIt() {
    assertTrue(faults.operator().switchover("pg2", Optional.empty()));
    KeyValue kv = key(world.path().failover()).orElseThrow();
    FailoverRequest r = PatroniCodec.decodeFailover(kv.key(), kv.value(), kv.version()).toOptional().orElseThrow();
    assertEquals(Optional.of("pg0"), r.leader());
    assertEquals(Optional.of("pg2"), r.candidate());
    assertTrue(faults.operator().failover("pg1"), "a second request replaces the first by CAS");
  }

  @Test
  void pauseAndResumeGoThroughTheConfigKey() {
    assertTrue(faults.operator().pause(true));
    assertTrue(world.paused());
    String config = key(world.path().config()).map(KeyValue::value).orElse("");
    assertTrue(config.contains("\"pause\":true"), config);
    assertTrue(faults.operator().pause(false));
    assertFalse(world.paused());
    assertFalse(key(world.path().config()).map(KeyValue::value).orElse("").contains("pause"));
  }

  @Test
  void theSameSeedReplaysTheSameRun() {
    ScheduleResult first = Simulation.run(7, new ScriptedEngine(), 100);
    ScheduleResult second = Simulation.run(7, new ScriptedEngine(), 100);
    assertEquals(first.traceTail(), second.traceTail());
    assertEquals(first.events(), second.events());
  }
}
