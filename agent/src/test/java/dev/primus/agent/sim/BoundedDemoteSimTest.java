package dev.primus.agent.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Issue 11's event, scripted on the real engine: the primary loses the DCS, demotes offline, and its fast
 * shutdown hangs (a walsender waiting for a standby that does not answer) until the stop's bound escalates
 * it; the DCS returns in the middle of that. A writable primary must exist again within ttl + loop_wait (+
 * the liveness allowances) of the DCS's return — here the old primary itself: its cycle in flight sees the
 * DCS only after its read's retry_timeout, by then the bound has ended the stop, and the lock (whose lease
 * the returning DCS restarted) is still its own, so it starts again with it — and every member streams
 * from the primary again within the rejoin bound. No invariant may break.
 */
class BoundedDemoteSimTest {

  @Test
  void aHungOfflineDemotionWithTheDcsBackMidwayHandsOverWithinTheFailoverBound() {
    Schedule s = new Schedule(11, 3, Schedule.timings(30, 10, 10), Duration.ofMinutes(30), 1 << 20, 1 << 20, false);
    SimCluster world = new SimCluster(s, new Random(11), Engine.real());
    world.start();
    world.runUntil(world.now().plus(Duration.ofSeconds(120)));
    String old = world.lockHolder().orElseThrow();
    assertTrue(world.agent(old).database().isWritablePrimary(), world.describe());

    world.fleet().hangingShutdowns(100);
    world.dcsAvailable(false);
    Instant lost = world.now();
    // The primary notices within loop_wait + retry_timeout and demotes offline; its stop hangs. The DCS
    // comes back as soon as it does.
    SimDatabase oldDb = world.agent(old).database();
    while (oldDb.process() != SimDatabase.Process.STOPPING && world.now().isBefore(lost.plus(Duration.ofSeconds(40)))) {
      world.runUntil(world.now().plus(Duration.ofMillis(100)));
    }
    assertEquals(SimDatabase.Process.STOPPING, oldDb.process(), "the offline demotion's stop hangs: " + world.describe());
    world.runUntil(world.now().plus(Duration.ofSeconds(1)));
    world.dcsAvailable(true);
    Instant back = world.now();

    Duration bound = world.checker().livenessBound();
    Optional<Instant> newPrimaryAt = Optional.empty();
    Instant until = back.plus(bound);
    while (world.now().isBefore(until) && newPrimaryAt.isEmpty()) {
      world.runUntil(world.now().plus(Duration.ofMillis(100)));
      if (world.fleet().all().stream().anyMatch(SimDatabase::isWritablePrimary)) {
        newPrimaryAt = Optional.of(world.now());
      }
    }
    assertTrue(newPrimaryAt.isPresent(), "no writable primary within " + bound.toSeconds() + " s of the DCS's return\n"
        + world.describe());
    String primary = world.lockHolder().orElseThrow();
    System.out.printf(Locale.ROOT, "hung offline demotion, the DCS back %d ms after it was lost (1 s into the hung stop):"
        + " %s writable %d ms after the DCS's return (bound %d s; %s was the old primary)%n",
        Duration.between(lost, back).toMillis(), primary, Duration.between(back, newPrimaryAt.get()).toMillis(),
        bound.toSeconds(), old);

    world.runUntil(world.now().plus(world.checker().rejoinBound()));
    assertEquals(List.of(), world.violations().all(), world.describe());
    String leader = world.lockHolder().orElseThrow();
    for (SimNode a : world.agents()) {
      if (!a.name().equals(leader)) {
        SimDatabase db = a.database();
        assertTrue(db.isRunningReplica() && db.streaming && db.upstream().equals(Optional.of(leader)),
            a.name() + " streams from " + leader + " again: " + world.describe());
      }
    }
    assertEquals(1, world.tally().get("hung shutdowns"), world.tally().toString());
    assertEquals(1, world.tally().get("escalated stops"), "the hung stop ended at its bound: " + world.tally());
  }

  @Test
  void aReplicaTakesOverWhileTheCutOffPrimarysShutdownHangsAndTheOldPrimaryRejoins() {
    Schedule s = new Schedule(12, 3, Schedule.timings(30, 10, 10), Duration.ofMinutes(30), 1 << 20, 1 << 20, false);
    SimCluster world = new SimCluster(s, new Random(12), Engine.real());
    world.start();
    world.runUntil(world.now().plus(Duration.ofSeconds(120)));
    String old = world.lockHolder().orElseThrow();
    SimDatabase oldDb = world.agent(old).database();
    assertTrue(oldDb.isWritablePrimary(), world.describe());

    world.fleet().hangingShutdowns(100);
    world.isolate(old, true);
    Instant cut = world.now();
    Optional<Instant> newPrimaryAt = Optional.empty();
    boolean sawHang = false;
    Duration bound = world.checker().livenessBound();
    while (world.now().isBefore(cut.plus(bound)) && newPrimaryAt.isEmpty()) {
      world.runUntil(world.now().plus(Duration.ofMillis(100)));
      sawHang |= oldDb.process() == SimDatabase.Process.STOPPING;
      if (world.fleet().all().stream().anyMatch(d -> d != oldDb && d.isWritablePrimary())) {
        newPrimaryAt = Optional.of(world.now());
      }
    }
    assertTrue(sawHang, "the cut-off primary's offline demotion hung");
    assertTrue(newPrimaryAt.isPresent(), "no new primary within " + bound.toSeconds() + " s\n" + world.describe());
    System.out.printf(Locale.ROOT, "primary %s cut off, its shutdown hanging: %s writable %d ms after the cut (bound %d s)%n",
        old, world.lockHolder().orElse("?"), Duration.between(cut, newPrimaryAt.get()).toMillis(), bound.toSeconds());

    world.runUntil(cut.plus(Duration.ofSeconds(90)));
    world.isolate(old, false);
    world.runUntil(world.now().plus(world.checker().rejoinBound()));
    assertEquals(List.of(), world.violations().all(), world.describe());
    String leader = world.lockHolder().orElseThrow();
    assertTrue(oldDb.isRunningReplica() && oldDb.streaming && oldDb.upstream().equals(Optional.of(leader)),
        "the old primary streams from " + leader + " again: " + world.describe());
  }
}
