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
import dev.primus.ha.LocalState.ReplicationSlot;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Permanent logical slots on replicas (issue 10, item 7), as Patroni 3.0.2 keeps them: the primary publishes
 * where each slot's consumer confirmed ({@code status.slots}); a replica copies a slot it lacks from the
 * primary, then moves its copy along with the published position, so the consumer resumes from there after
 * a failover.
 */
class LogicalSlotsOnReplicasTest {
  private static final Map<String, Object> SUB = Map.of("type", "logical", "database", "postgres", "plugin", "test_decoding");

  private static ClusterBuilder withSlots() {
    return cluster().leader("node1").optime(1000)
        .set("slots", Map.of("sub", SUB, "keep", Map.of("type", "physical")))
        .members(member("node1").primary().wal(1000), member("node2").wal(1000), member("node3").wal(1000));
  }

  private static Scenario leader(ClusterBuilder c, LocalBuilder local) {
    return node("node1").in(c).with(local).lockUpdatedAt(T0.minusSeconds(5))
        .after(new Action.ActivateWatchdog(), new ActionOutcome.Succeeded(), T0.minusSeconds(5));
  }

  private static Scenario replica(ClusterBuilder c, LocalBuilder local) {
    return node("node2").in(c).with(local.upstream("node1"));
  }

  private static ReplicationSlot sub(long confirmed) {
    return ReplicationSlot.logical("sub", "postgres", "test_decoding", confirmed);
  }

  // ---- the primary publishes ------------------------------------------------------------------------

  @Test
  void theLeaderPublishesWhereThePermanentLogicalSlotsConsumersConfirmed() {
    Decision d = leader(withSlots(), runningPrimary().wal(1000).slot(sub(900)).slot(ReplicationSlot.physical("keep")))
        .decide();
    assertEquals(Map.of("sub", 900L), only(d, Action.WriteStatus.class).status().slots(),
        "logical slots only, as Patroni 3.0.2 writes /status");
  }

  @Test
  void statusIsWrittenWhenOnlyASlotMovedAndNotWhenNothingDid() {
    ClusterBuilder published = withSlots().statusSlots(Map.of("sub", 900L));
    assertFalse(leader(published, runningPrimary().wal(1000).slot(sub(900))).decide().has(Action.WriteStatus.class));
    Decision moved = leader(withSlots().statusSlots(Map.of("sub", 900L)), runningPrimary().wal(1000).slot(sub(950)))
        .decide();
    assertEquals(Map.of("sub", 950L), only(moved, Action.WriteStatus.class).status().slots());
    assertEquals(1000, only(moved, Action.WriteStatus.class).status().optime());
  }

  @Test
  void aSlotOfAnotherPluginThanConfiguredIsNotPublished() {
    ReplicationSlot other = ReplicationSlot.logical("sub", "postgres", "pgoutput", 900);
    Decision d = leader(withSlots().statusSlots(Map.of("sub", 900L)), runningPrimary().wal(1000).slot(other)).decide();
    assertEquals(Map.of(), only(d, Action.WriteStatus.class).status().slots());
  }

  // ---- a replica copies -----------------------------------------------------------------------------

  @Test
  void aReplicaLackingASlotThePrimaryPublishesCopiesItFromThePrimary() {
    Decision d = replica(withSlots().statusSlots(Map.of("sub", 900L)), runningReplica().wal(1000)).decide();
    assertEquals(Reason.COPYING_LOGICAL_SLOTS, d.reason());
    Action.CopyLogicalSlots copy = only(d, Action.CopyLogicalSlots.class);
    assertEquals("node1", copy.source());
    assertEquals(Map.of("sub", SUB), copy.slots(), "the logical slot only, with its definition");
    assertTrue(copy.isLong(), "the replica restarts");
    assertEquals("Copying logical slots from the primary (node1)", d.message());
  }

  @Test
  void nothingIsCopiedBeforeThePrimaryPublishesThePosition() {
    Decision d = replica(withSlots(), runningReplica().wal(1000)).freshAgent().decide();
    assertEquals(Reason.FOLLOWING, d.reason());
    assertFalse(d.has(Action.CopyLogicalSlots.class));
    assertEquals(Map.of("sub", SUB), only(d, Action.EnsureSlots.class).permanent(),
        "the replica keeps the logical slot (never the physical permanent one)");
  }

  @Test
  void aFailedCopyIsTriedAgainOnlyAfterTheRefreshInterval() {
    Scenario s = replica(withSlots().statusSlots(Map.of("sub", 900L)), runningReplica().wal(1000));
    Action.CopyLogicalSlots copy = only(s.decide(), Action.CopyLogicalSlots.class);
    AgentMemory failed = s.effectiveMemory().record(copy, new ActionOutcome.Failed("primary unreachable"), T0);
    Decision soon = replica(withSlots().statusSlots(Map.of("sub", 900L)), runningReplica().wal(1000)).memory(failed)
        .at(T0.plusSeconds(10)).decide();
    assertFalse(soon.has(Action.CopyLogicalSlots.class), soon.toString());
    Decision later = replica(withSlots().statusSlots(Map.of("sub", 900L)), runningReplica().wal(1000)).memory(failed)
        .at(T0.plus(Slots.REFRESH)).decide();
    assertTrue(later.has(Action.CopyLogicalSlots.class));
  }

  @Test
  void noCopyWhilePausedOrWithoutALeader() {
    assertFalse(replica(withSlots().statusSlots(Map.of("sub", 900L)).paused(), runningReplica().wal(1000)).decide()
        .has(Action.CopyLogicalSlots.class));
    ClusterBuilder leaderless = cluster().optime(1000).set("slots", Map.of("sub", SUB)).statusSlots(Map.of("sub", 900L))
        .members(member("node2").wal(1000));
    assertFalse(node("node2").in(leaderless).with(runningReplica().wal(1000)).decide().has(Action.CopyLogicalSlots.class));
  }

  // ---- a replica advances ---------------------------------------------------------------------------

  @Test
  void aReplicaMovesItsCopyToThePublishedPositionButNotPastWhatItReplayed() {
    Decision d = replica(withSlots().statusSlots(Map.of("sub", 900L)), runningReplica().wal(1000).slot(sub(500)))
        .freshAgent().decide();
    assertEquals(Reason.FOLLOWING, d.reason());
    assertEquals(Map.of("sub", 900L), only(d, Action.EnsureSlots.class).advance());

    Decision ahead = replica(withSlots().statusSlots(Map.of("sub", 2000L)), runningReplica().wal(1000).slot(sub(500)))
        .freshAgent().decide();
    assertEquals(Map.of("sub", 1000L), only(ahead, Action.EnsureSlots.class).advance(), "replayed up to 1000");

    assertEquals(Map.of(), only(replica(withSlots().statusSlots(Map.of("sub", 900L)),
        runningReplica().wal(1000).slot(sub(900))).freshAgent().decide(), Action.EnsureSlots.class).advance(),
        "already there");
  }

  @Test
  void theSameAdvanceIsNotAskedForAgainBeforeTheRefreshInterval() {
    Scenario s = replica(withSlots().statusSlots(Map.of("sub", 900L)), runningReplica().wal(1000).slot(sub(500)))
        .freshAgent();
    Action.EnsureSlots first = only(s.decide(), Action.EnsureSlots.class);
    // The driver ran it, but the probe still shows the slot behind (it could not move it): not every cycle again.
    AgentMemory failed = s.effectiveMemory().record(first, new ActionOutcome.Succeeded(), T0);
    assertFalse(replica(withSlots().statusSlots(Map.of("sub", 900L)), runningReplica().wal(1000).slot(sub(500)))
        .memory(failed).freshAgent().at(T0.plusSeconds(10)).decide().has(Action.EnsureSlots.class));
    Decision moved = replica(withSlots().statusSlots(Map.of("sub", 950L)), runningReplica().wal(1000).slot(sub(500)))
        .memory(failed).freshAgent().at(T0.plusSeconds(10)).decide();
    assertEquals(Map.of("sub", 950L), only(moved, Action.EnsureSlots.class).advance(), "a new position is asked for");
  }

  @Test
  void theLeaderAdvancesNothingAndKeepsEveryPermanentSlot() {
    Decision d = leader(withSlots().statusSlots(Map.of("sub", 900L)), runningPrimary().wal(1000).slot(sub(900)))
        .freshAgent().decide();
    Action.EnsureSlots slots = only(d, Action.EnsureSlots.class);
    assertEquals(Map.of(), slots.advance());
    assertEquals(java.util.Set.of("sub", "keep"), slots.permanent().keySet());
  }

  // ---- where not ------------------------------------------------------------------------------------

  @Test
  void aNofailoverReplicaOrPostgresqlBefore11KeepsNoLogicalSlot() {
    Decision nofailover = replica(withSlots().statusSlots(Map.of("sub", 900L)), runningReplica().wal(1000))
        .nofailover().freshAgent().decide();
    assertFalse(nofailover.has(Action.CopyLogicalSlots.class));
    assertEquals(Map.of(), only(nofailover, Action.EnsureSlots.class).permanent());

    Decision pg10 = replica(withSlots().statusSlots(Map.of("sub", 900L)), runningReplica().wal(1000).version(100023))
        .freshAgent().decide();
    assertFalse(pg10.has(Action.CopyLogicalSlots.class));
    assertEquals(Map.of(), only(pg10, Action.EnsureSlots.class).permanent());
  }

  @Test
  void noLogicalSlotsOnReplicasWithUseSlotsOff() {
    ClusterBuilder off = withSlots().statusSlots(Map.of("sub", 900L)).postgresql("use_slots", false);
    Decision d = replica(off, runningReplica().wal(1000)).freshAgent().decide();
    assertFalse(d.has(Action.CopyLogicalSlots.class));
    assertFalse(d.has(Action.EnsureSlots.class));
  }

  // ---- hot_standby_feedback -------------------------------------------------------------------------

  @Test
  void hotStandbyFeedbackIsForcedOnWhereLogicalSlotsLive() {
    Decision d = replica(withSlots().postgresql("parameters", Map.of("hot_standby_feedback", "off")),
        runningReplica().wal(1000)).freshAgent().decide();
    assertEquals("on", only(d, Action.ApplyParameters.class).parameters().dynamic().get("hot_standby_feedback"));

    Decision nofailover = replica(withSlots(), runningReplica().wal(1000)).nofailover().freshAgent().decide();
    assertFalse(only(nofailover, Action.ApplyParameters.class).parameters().dynamic().containsKey("hot_standby_feedback"));

    Decision none = replica(cluster().leader("node1").optime(1000)
        .members(member("node1").primary().wal(1000), member("node2").wal(1000)), runningReplica().wal(1000))
        .freshAgent().decide();
    assertFalse(only(none, Action.ApplyParameters.class).parameters().dynamic().containsKey("hot_standby_feedback"));
  }

  @Test
  void aNofailoverReplicaThatACandidateCascadesFromForwardsTheFeedback() {
    Tags fromNode2 = new Tags(false, false, false, Optional.of("node2"), false, false, 1, Map.of("replicatefrom", "node2"));
    ClusterBuilder c = cluster().leader("node1").optime(1000).set("slots", Map.of("sub", SUB))
        .members(member("node1").primary().wal(1000), member("node2").wal(1000), member("node3").wal(1000).tags(fromNode2));
    Decision d = replica(c, runningReplica().wal(1000)).nofailover().freshAgent().decide();
    assertEquals("on", only(d, Action.ApplyParameters.class).parameters().dynamic().get("hot_standby_feedback"));
  }
}
