package dev.primus.agent.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The bench's frozen-agent scenario in the simulator, with the real engine and no watchdog: the primary's agent
 * frozen for 2 x ttl while its database runs on. The replica that wins the race fences the former primary
 * through its database before promoting, so at no instant do two primaries take writes; once thawed, the
 * former primary rejoins as a replica without the fence.
 */
class FrozenPrimaryFenceTest {

  @Test
  void withoutAWatchdogTheFrozenPrimaryIsFencedBeforeAReplicaIsPromoted() {
    Schedule s = new Schedule(7, 3, Schedule.timings(30, 10, 10), Duration.ofMinutes(30), 1 << 20, 1 << 20, false);
    SimCluster world = new SimCluster(s, new Random(7), Engine.real());
    world.start();
    world.runUntil(world.now().plusSeconds(120));
    String old = world.lockHolder().orElseThrow(() -> new AssertionError(world.describe()));
    assertTrue(world.agent(old).database().isWritablePrimary(), world.describe());

    world.agent(old).freeze(Duration.ofSeconds(60));
    world.runUntil(world.now().plusSeconds(58));
    String next = world.lockHolder().orElseThrow(() -> new AssertionError(world.describe() + "\n"
        + String.join("\n", world.traceLog().last(60))));
    assertEquals(List.of(), world.violations().all(), "no two writable primaries");
    assertNotEquals(old, next, world.describe());
    assertTrue(world.agent(next).database().isWritablePrimary(), world.describe());
    assertTrue(world.agent(old).database().fenced(), "fenced before the promotion: " + world.describe());
    assertFalse(world.agent(old).database().isWritablePrimary());

    world.runUntil(world.now().plusSeconds(180));
    assertTrue(world.agent(old).database().isRunningReplica(), "rejoined: " + world.describe());
    assertFalse(world.agent(old).database().fenced(), "its start lifted the fence");
    assertEquals(List.of(), world.violations().all());
  }
}
