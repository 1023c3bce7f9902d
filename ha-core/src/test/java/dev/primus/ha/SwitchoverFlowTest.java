package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.Decisions.only;
import static dev.primus.ha.LocalBuilder.runningPrimary;
import static dev.primus.ha.LocalBuilder.runningReplica;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A planned switchover node1 -> node2, decision by decision, with every outcome folded into each member's
 * memory as the agent would: the leader stops, then (its server down) writes the shutdown checkpoint and
 * releases; the candidate takes the lock; no peer round trip.
 */
class SwitchoverFlowTest {

  /** The outcomes in the order the agent records them: the short actions, then the long ones when they end. */
  private static AgentMemory run(Decision d, AgentMemory m, java.time.Instant at) {
    for (Action a : d.actions()) {
      if (!a.isLong()) {
        m = m.record(a, new ActionOutcome.Succeeded(), at);
      }
    }
    for (Action a : d.actions()) {
      if (a.isLong()) {
        m = m.record(a, new ActionOutcome.Succeeded(), at);
      }
    }
    return m;
  }

  @Test
  void switchoverHandsTheLockToTheCandidateAndCleansUp() {
    AgentMemory node1 = AgentMemory.initial()
        .record(new Action.RenewLeaderLock(), new ActionOutcome.Succeeded(), T0.minusSeconds(5))
        .record(new Action.ActivateWatchdog(), new ActionOutcome.Succeeded(), T0.minusSeconds(5));
    AgentMemory node2 = AgentMemory.initial();

    // 1. The leader sees the request and steps down gracefully towards node2.
    Decision leader = node("node1").memory(node1)
        .in(cluster().leader("node1").optime(5000).members(member("node1").primary().wal(5000), member("node2").wal(5000))
            .switchover("node1", "node2"))
        .with(runningPrimary().wal(5000)).decide();
    assertEquals(Reason.SWITCHOVER_DEMOTING, leader.reason());
    node1 = run(leader, node1, T0);
    assertTrue(node1.lastLockUpdate().isPresent(), "the stop alone gives nothing up");

    // 1b. Its server is down (a clean shutdown at 5100): the checkpoint into status, the lock released, the
    // start as node2's replica, in this order.
    Decision released = node("node1").memory(node1)
        .in(cluster().leader("node1").optime(5000).members(member("node1").primary().wal(5000), member("node2").wal(5000))
            .switchover("node1", "node2"))
        .with(LocalBuilder.stoppedPrimary().wal(5100)).at(T0.plusMillis(100)).decide();
    assertEquals(Reason.DEMOTED_RELEASING_LOCK, released.reason());
    assertEquals(java.util.List.of(Action.WriteStatus.class, Action.ReleaseLeaderLock.class, Action.StartDatabase.class),
        released.actions().stream().filter(a -> !(a instanceof Action.DisableWatchdog) && !(a instanceof Action.TouchMember))
            .map(Object::getClass).toList());
    assertEquals(5100, only(released, Action.WriteStatus.class).status().optime(), "candidates can tell they have it all");
    assertEquals(Optional.of("node2"), only(released, Action.StartDatabase.class).upstream());
    assertTrue(released.has(Action.DisableWatchdog.class), "its server is down and it no longer leads");
    node1 = run(released, node1, T0.plusMillis(100));
    assertEquals(Optional.empty(), node1.lastLockUpdate(), "the lock is released");

    // 2. The candidate sees the free lock and the request naming it: lock, promote, clean the key.
    Decision candidate = node("node2").memory(node2)
        .in(cluster().optime(5000).members(member("node1").wal(5000), member("node2").wal(5000)).switchover("node1", "node2"))
        .with(runningReplica().wal(5000).upstream("node1")).decide();
    assertEquals(Reason.PROMOTING, candidate.reason());
    assertFalse(candidate.has(Action.QueryPeers.class));
    assertTrue(candidate.has(Action.ClearFailover.class));
    node2 = run(candidate, node2, T0.plusMillis(200));

    // 3. The new primary records its promotion in the history, from where its recovery ended.
    Decision newLeader = node("node2").memory(node2)
        .in(cluster().leader("node2").optime(5000).members(member("node1").wal(5000), member("node2").primary().timeline(2)))
        .with(runningPrimary().timeline(2).wal(5100)).at(T0.plusSeconds(1)).decide();
    assertEquals(Reason.LOCK_RENEWED, newLeader.reason());
    assertEquals(5000, only(newLeader, Action.WriteHistory.class).history().entries().get(0).switchLsn());

    // 4. The old leader, now a replica of node2, needs no rewind: it did not go past the switch.
    Decision old = node("node1").memory(node1)
        .in(cluster().leader("node2").history(1, 5000).members(member("node1"), member("node2").primary().timeline(2)))
        .with(runningReplica().wal(5000).upstream("node2")).at(T0.plusSeconds(2)).decide();
    assertEquals(Reason.FOLLOWING, old.reason());
    assertFalse(node1.watchdogActive(), "disarmed when it stepped down");
  }
}
