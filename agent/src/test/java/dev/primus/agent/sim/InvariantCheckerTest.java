package dev.primus.agent.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.ha.ActionOutcome;
import dev.primus.dcs.spi.DcsException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The checks themselves: each invariant is reported when the world breaks it. The world is run by the
 * {@link ScriptedEngine}, which never fails over or demotes, so breaking an invariant takes one fault.
 */
class InvariantCheckerTest {
  SimCluster world;
  FaultInjector faults;

  @BeforeEach
  void bootCluster() {
    // No watchdog: it would reset a leader that stops renewing before the lease runs out, and this
    // engine never demotes, so invariant 3 could not be seen.
    Schedule s = new Schedule(7, 3, Schedule.timings(30, 10, 10), Duration.ofMinutes(30), 1 << 20, 1 << 20, false);
    world = new SimCluster(s, new Random(7), new ScriptedEngine());
    faults = new FaultInjector(world);
    world.start();
    run(Duration.ofSeconds(90));
    assertTrue(world.agent("pg0").database().isWritablePrimary(), world.describe());
    assertEquals(List.of(), world.violations().all());
  }

  void run(Duration d) {
    world.runUntil(world.now().plus(d));
  }

  List<Integer> invariants() {
    return world.violations().all().stream().map(Violation::invariant).toList();
  }

  @Test
  void aSecondWritablePrimaryIsInvariantOne() {
    List<ActionOutcome> done = new ArrayList<>();
    world.agent("pg1").database().promote(done::add);
    run(Duration.ofSeconds(3));
    assertTrue(invariants().contains(1), world.violations().all().toString());
    assertTrue(invariants().contains(2), "promoted without the lock, too");
  }

  @Test
  void aLeaderThatDoesNotDemoteWhenCutOffIsInvariantThreeAtTheLeaseExpiryInstant() {
    String lease = world.dcs().peek(world.keys().leader()).get(world.keys().leader()).orElseThrow().leaseId().orElseThrow();
    faults.cut(world.agent("pg0"), Duration.ofSeconds(120));
    Instant expiry = world.leases().expiresAt(lease).orElseThrow();
    run(Duration.ofSeconds(60));
    Violation v = world.violations().all().get(0);
    assertEquals(3, v.invariant(), v.toString());
    assertEquals(expiry, v.at(), "reported at the instant the lease ran out");
    assertTrue(v.detail().contains("leader lock of pg0"), v.detail());
  }

  @Test
  void noPrimaryLongAfterTheLossWithAHealthyReplicaIsInvariantFour() {
    faults.kill(world.agent("pg0"), Duration.ofMinutes(10));
    run(Duration.ofSeconds(30).plus(world.checker().livenessBound()));
    assertTrue(invariants().contains(4), world.violations().all().toString());
  }

  @Test
  void anUnconditionalWriteOfTheLeaderKeyIsInvariantFive() throws DcsException {
    SimNode pg1 = world.agent("pg1");
    AuditedStore store = new AuditedStore(pg1.client(), "pg1", world.path(), world.violations(), world.leases(),
        (writer, value) -> { });
    store.put(world.keys().leader(), "pg1", Optional.empty());
    assertEquals(List.of(5), invariants());
    store.compareAndSet(world.keys().config(), "{}", 123_456, Optional.empty());
    assertEquals(List.of(5), invariants(), "a CAS on a stale version is refused by the store: no violation");
  }

  @Test
  void aPausedClusterMayKeepItsPrimaryWithoutTheLock() {
    assertTrue(faults.operator().pause(true));
    faults.cut(world.agent("pg0"), Duration.ofSeconds(60));
    run(Duration.ofSeconds(50));
    assertFalse(invariants().contains(3), "nobody races while paused: " + world.violations().all());
    assertFalse(invariants().contains(4));
  }
}
