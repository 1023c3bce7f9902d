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

import dev.primus.dcs.model.Tags;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What the agent did by itself between cycles before, now the engine's decisions: the lease follows the
 * ttl, the database's parameters follow the configuration, the replication slots follow the members that
 * stream from this server.
 */
class HousekeepingTest {
  private static Scenario leader(ClusterBuilder c) {
    return node("node1").in(c).with(runningPrimary().wal(1000)).lockUpdatedAt(T0.minusSeconds(5))
        .after(new Action.ActivateWatchdog(), new ActionOutcome.Succeeded(), T0.minusSeconds(5));
  }

  private static ClusterBuilder threeNodes() {
    return cluster().leader("node1").optime(1000)
        .members(member("node1").primary().wal(1000), member("node2").wal(1000), member("node3").wal(1000));
  }

  // ---- the lease ---------------------------------------------------------------------------------

  @Test
  void aFreshAgentSizesItsLeaseFirstOfAll() {
    Decision d = leader(threeNodes()).freshAgent().decide();
    assertTrue(d.actions().get(0) instanceof Action.ResizeLease, d.toString());
    assertEquals(Duration.ofSeconds(30), only(d, Action.ResizeLease.class).ttl());
  }

  @Test
  void aChangedTtlResizesTheLeaseBeforeTheRenewal() {
    Scenario s = leader(threeNodes().timings(40, 10, 10));
    AgentMemory m = s.effectiveMemory().record(new Action.ResizeLease(Duration.ofSeconds(30)),
        new ActionOutcome.Succeeded(), T0);
    Decision d = s.memory(m).freshAgent().decide();
    assertEquals(Duration.ofSeconds(40), only(d, Action.ResizeLease.class).ttl());
    assertTrue(d.actions().indexOf(only(d, Action.ResizeLease.class))
        < d.actions().indexOf(only(d, Action.RenewLeaderLock.class)), "the renewal moves the key to the new lease");
  }

  @Test
  void noResizeWithoutTheDcsNorWhenTheLeaseFits() {
    assertFalse(leader(threeNodes().disconnected()).freshAgent().decide().has(Action.ResizeLease.class));
    assertFalse(leader(threeNodes()).decide().has(Action.ResizeLease.class));
  }

  // ---- parameters --------------------------------------------------------------------------------

  @Test
  void aFreshAgentAppliesTheMergedParametersOnceWithoutOnReload() {
    Decision d = leader(threeNodes().postgresql("parameters", Map.of("work_mem", "8MB"))).freshAgent().decide();
    Action.ApplyParameters apply = only(d, Action.ApplyParameters.class);
    assertEquals(Map.of("work_mem", "8MB"), apply.parameters().dynamic());
    assertEquals(Optional.empty(), apply.parameters().local(), "the driver keeps the local ones it was built with");
    assertFalse(apply.announce(), "nothing the operator changed: no on_reload");
    assertEquals(Optional.empty(), apply.request());
    assertTrue(d.actions().get(d.actions().size() - 1) instanceof Action.ApplyParameters,
        "housekeeping goes last: its failure holds nothing back");
  }

  @Test
  void changedDcsParametersAreAppliedOverTheLocalOnes() {
    Scenario s = node("node2").in(threeNodes().postgresql("parameters", Map.of("work_mem", "16MB", "max_connections", 200)))
        .with(runningReplica().wal(1000).upstream("node1"));
    AgentMemory m = s.effectiveMemory();
    m = m.record(new Action.ApplyParameters(new ParameterSet(Map.of("work_mem", "8MB"), Optional.empty()), Optional.empty(), false),
        new ActionOutcome.Succeeded(), T0.minusSeconds(60));
    Decision d = s.memory(m).freshAgent().decide();
    Action.ApplyParameters apply = only(d, Action.ApplyParameters.class);
    assertEquals(Map.of("work_mem", "16MB", "max_connections", 200), apply.parameters().dynamic());
    assertTrue(apply.announce(), "a change the operator made: on_reload runs");
  }

  @Test
  void aSetTheDriverRefusedIsNotTriedAgainUntilItChanges() {
    Scenario s = leader(threeNodes().postgresql("parameters", Map.of("shared_buffers", "bogus")));
    AgentMemory refused = s.effectiveMemory().record(
        new Action.ApplyParameters(new ParameterSet(Map.of("shared_buffers", "bogus"), Optional.empty()), Optional.empty(), true),
        new ActionOutcome.Failed("invalid value"), T0);
    assertFalse(s.memory(refused).freshAgent().decide().has(Action.ApplyParameters.class));
  }

  @Test
  void noParametersWhileALongActionRuns() {
    Decision d = leader(threeNodes().postgresql("parameters", Map.of("work_mem", "8MB"))).freshAgent()
        .running(new Action.RestartDatabase(), T0.minusSeconds(1)).decide();
    assertFalse(d.has(Action.ApplyParameters.class));
  }

  // ---- slots -------------------------------------------------------------------------------------

  @Test
  void theLeaderKeepsASlotForEveryMemberThatStreamsFromIt() {
    Decision d = leader(threeNodes()).freshAgent().decide();
    Action.EnsureSlots slots = only(d, Action.EnsureSlots.class);
    assertEquals(Set.of("node2", "node3"), slots.members());
    assertEquals(Map.of(), slots.retainedSince());
  }

  @Test
  void slotsAreAssertedAgainOnlyOnAChangeOrAfterTheRefreshInterval() {
    Scenario s = leader(threeNodes());
    assertFalse(s.decide().has(Action.EnsureSlots.class), "applied this cycle already");
    AgentMemory appliedAtT0 = s.effectiveMemory();
    Scenario later = leader(threeNodes()).memory(appliedAtT0).freshAgent().lockUpdatedAt(T0.plus(Slots.REFRESH))
        .at(T0.plus(Slots.REFRESH).plusMillis(1));
    assertTrue(later.decide().has(Action.EnsureSlots.class), "re-asserted after the interval");
  }

  @Test
  void aMemberThatLeftKeepsItsSlotForMemberSlotsTtl() {
    Scenario s = leader(threeNodes());
    AgentMemory before = s.effectiveMemory();
    ClusterBuilder gone = cluster().leader("node1").optime(1000).retainSlots("node1", "node2", "node3")
        .members(member("node1").primary().wal(1000), member("node2").wal(1000));
    Decision d = leader(gone).memory(before).freshAgent().decide();
    Action.EnsureSlots slots = only(d, Action.EnsureSlots.class);
    assertEquals(Set.of("node2", "node3"), slots.members(), "node3 is away: its slot stays");
    assertEquals(Map.of("node3", T0), slots.retainedSince());

    AgentMemory retained = before.record(slots, new ActionOutcome.Succeeded(), T0);
    Decision later = leader(gone).memory(retained).freshAgent().lockUpdatedAt(T0.plus(Duration.ofMinutes(31)))
        .at(T0.plus(Duration.ofMinutes(31)).plusMillis(1)).decide();
    assertEquals(Set.of("node2"), only(later, Action.EnsureSlots.class).members(),
        "dropped once member_slots_ttl (30 min by default) passed");
  }

  @Test
  void aNewLeaderKeepsTheSlotsTheOldOneListedItselfIncluded() {
    ClusterBuilder c = cluster().leader("node2").optime(1000).retainSlots("node1", "node2", "node3")
        .members(member("node2").primary().wal(1000), member("node3").wal(1000));
    Decision d = node("node2").in(c).with(runningPrimary().wal(1000)).lockUpdatedAt(T0.minusSeconds(1)).freshAgent()
        .decide();
    Action.EnsureSlots slots = only(d, Action.EnsureSlots.class);
    assertEquals(Set.of("node1", "node3"), slots.members(), "the dead primary's slot is there when it rejoins");
    assertEquals(Set.of("node1"), slots.retainedSince().keySet());
  }

  @Test
  void theLeaderPublishesTheSlotsItKeepsAndItselfInStatus() {
    ClusterBuilder c = threeNodes().retainSlots("node1");
    Decision d = leader(c).decide();
    assertEquals(List.of("node1", "node2", "node3"), only(d, Action.WriteStatus.class).status().retainSlots());
  }

  @Test
  void aReplicaKeepsASlotForTheMembersThatCascadeFromIt() {
    Tags fromNode2 = new Tags(false, false, false, Optional.of("node2"), false, false, 1, Map.of("replicatefrom", "node2"));
    ClusterBuilder c = cluster().leader("node1").optime(1000)
        .members(member("node1").primary().wal(1000), member("node2").wal(1000), member("node3").wal(1000).tags(fromNode2));
    Decision replica = node("node2").in(c).with(runningReplica().wal(1000).upstream("node1")).freshAgent().decide();
    assertEquals(Set.of("node3"), only(replica, Action.EnsureSlots.class).members(), "Patroni's cascading slot");
    Decision theLeader = leader(c).freshAgent().decide();
    assertEquals(Set.of("node2"), only(theLeader, Action.EnsureSlots.class).members(), "node3 does not stream from it");
  }

  @Test
  void noSlotsWithUseSlotsOff() {
    assertFalse(leader(threeNodes().postgresql("use_slots", false)).freshAgent().decide().has(Action.EnsureSlots.class));
  }
}
