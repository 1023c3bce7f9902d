package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.Decisions.kinds;
import static dev.primus.ha.Decisions.only;
import static dev.primus.ha.LocalBuilder.runningPrimary;
import static dev.primus.ha.LocalBuilder.stoppedPrimary;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.ha.LocalState.ProcessState;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A demotion is bounded (issue 11): the engine gives every stop a bound ({@link Action.Demote#stopWithin()})
 * that ends it before the leader lock can pass to another member; the holder does not renew the lock for a
 * server that is going down unless the demotion hands the lock over at its end; and a DCS that answers again
 * while an offline demotion runs is decided on at once. Patroni's default timings: ttl 30 s, loop_wait 10 s.
 */
class BoundedDemoteTest {

  private static final Duration TTL = Duration.ofSeconds(30);
  private static final Duration SOON = Duration.ofMillis(500);

  private static ClusterBuilder twoNodes(String leader) {
    return cluster().leader(leader).members(member("node1").primary(), member("node2"));
  }

  // ---- the bound -------------------------------------------------------------------------------

  @Test
  void anOfflineDemotionMustEndBeforeTheLeaseCanExpireElsewhere() {
    Decision d = node("node1").in(twoNodes("node1").disconnected()).with(runningPrimary())
        .lockUpdatedAt(T0.minusSeconds(13)).decide();
    Action.Demote demote = only(d, Action.Demote.class);
    assertEquals(DemoteMode.OFFLINE, demote.mode());
    assertEquals(Duration.ofSeconds(17), demote.stopWithin(), "what is left of the lease: 30 s - 13 s");
  }

  @Test
  void aDemotionWithTheLeaseRunOutGetsTheShortestBound() {
    Decision d = node("node1").in(twoNodes("node1").disconnected()).with(runningPrimary())
        .lockUpdatedAt(T0.minusSeconds(45)).decide();
    assertEquals(Demotions.SHORTEST_STOP, only(d, Action.Demote.class).stopWithin());
    Decision never = node("node1").in(twoNodes("node1").disconnected()).with(runningPrimary()).decide();
    assertEquals(Demotions.SHORTEST_STOP, only(never, Action.Demote.class).stopWithin(), "a lease never held");
  }

  @Test
  void aDemotionWithoutTheLockIsBoundedToo() {
    Decision d = node("node1").in(cluster().leader("node2").members(member("node2").primary()))
        .with(runningPrimary()).decide();
    Action.Demote demote = only(d, Action.Demote.class);
    assertEquals(DemoteMode.IMMEDIATE_NOLOCK, demote.mode());
    assertEquals(Demotions.SHORTEST_STOP, demote.stopWithin());
  }

  @Test
  void aSwitchoverDemotionThatKeepsRenewingIsBoundedByTtl() {
    Decision d = node("node1").in(cluster().leader("node1").optime(1000).switchover("node1", "node2")
            .members(member("node1").primary().wal(1000), member("node2").wal(1000)))
        .with(runningPrimary().wal(1000)).lockUpdatedAt(T0.minusSeconds(10))
        .after(new Action.ActivateWatchdog(), new ActionOutcome.Succeeded(), T0.minusSeconds(10)).decide();
    Action.Demote demote = only(d, Action.Demote.class);
    assertEquals(DemoteMode.GRACEFUL, demote.mode());
    assertEquals(TTL, demote.stopWithin());
  }

  @Test
  void aBoundIsPositive() {
    assertThrows(() -> new Action.Demote(DemoteMode.OFFLINE, Optional.empty(), Duration.ZERO));
    assertEquals(Action.Demote.DEFAULT_STOP_WITHIN, new Action.Demote(DemoteMode.OFFLINE, Optional.empty()).stopWithin());
  }

  private static void assertThrows(Runnable r) {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, r::run);
  }

  // ---- no renewal for a server going down ------------------------------------------------------

  @Test
  void theHolderDoesNotRenewWhileAnOfflineDemotionStopsItsServer() {
    // The DCS answers again in the middle of the offline demotion: the lock still names me.
    Decision d = node("node1").in(twoNodes("node1")).with(runningPrimary().process(ProcessState.STOPPING))
        .lockUpdatedAt(T0.minusSeconds(5))
        .after(new Action.ActivateWatchdog(), new ActionOutcome.Succeeded(), T0.minusSeconds(5))
        .running(new Action.Demote(DemoteMode.OFFLINE, Optional.empty(), Duration.ofSeconds(20)), T0.minusSeconds(3))
        .decide();
    assertEquals(Reason.DEMOTING_LOCK_NOT_RENEWED, d.reason());
    assertFalse(d.has(Action.RenewLeaderLock.class));
    assertFalse(d.has(Action.KeepaliveWatchdog.class), "nothing pets a watchdog for a lock that is not renewed");
    assertTrue(d.has(Action.DisableWatchdog.class), "shutting down, it takes no writes: disarmed, so a hang does not reset the machine");
    assertEquals(Duration.ofSeconds(10), d.recheckAfter(), "the end of the stop wakes the loop");
  }

  @Test
  void theHolderDoesNotRenewWhileADemotionWithoutTheLockStops() {
    Decision d = node("node1").in(twoNodes("node1")).with(runningPrimary().process(ProcessState.STOPPING))
        .lockUpdatedAt(T0.minusSeconds(5))
        .running(new Action.Demote(DemoteMode.IMMEDIATE_NOLOCK, Optional.empty()), T0.minusSeconds(1)).decide();
    assertFalse(d.has(Action.RenewLeaderLock.class));
  }

  @Test
  void theHolderStillRenewsWhileADemotionThatHandsTheLockOverStops() {
    for (DemoteMode mode : List.of(DemoteMode.GRACEFUL, DemoteMode.IMMEDIATE)) {
      Decision d = node("node1").in(twoNodes("node1")).with(runningPrimary().process(ProcessState.STOPPING))
          .lockUpdatedAt(T0.minusSeconds(5)).running(new Action.Demote(mode, Optional.empty()), T0.minusSeconds(1))
          .decide();
      assertEquals(Reason.LONG_ACTION_WITH_LOCK, d.reason(), mode.name());
      assertTrue(d.has(Action.RenewLeaderLock.class), mode.name());
    }
  }

  @Test
  void theHolderDoesNotRenewForAServerThatIsShuttingDownByItself() {
    Decision d = node("node1").in(twoNodes("node1")).with(runningPrimary().process(ProcessState.STOPPING))
        .lockUpdatedAt(T0.minusSeconds(5)).decide();
    assertEquals(Reason.DATABASE_STOPPING, d.reason());
    assertFalse(d.has(Action.RenewLeaderLock.class));
    assertEquals(SOON, d.recheckAfter());
  }

  // ---- the DCS comes back mid-demotion ---------------------------------------------------------

  @Test
  void withoutTheDcsAnOfflineDemotionUnderWayLooksAgainSoon() {
    Decision d = node("node1").in(twoNodes("node1").disconnected()).with(runningPrimary().process(ProcessState.STOPPING))
        .lockUpdatedAt(T0.minusSeconds(5))
        .running(new Action.Demote(DemoteMode.OFFLINE, Optional.empty()), T0.minusSeconds(3)).decide();
    assertEquals(Reason.DCS_UNREACHABLE, d.reason());
    assertFalse(d.has(Action.Demote.class), "not demoted twice");
    assertEquals(SOON, d.recheckAfter(), "a DCS that answers again is seen within half a second, not a loop_wait");
  }

  @Test
  void whenTheDcsIsBackAndAnotherMemberLeadsTheDemotedPrimaryWaitsForItsStopThenRejoins() {
    ClusterBuilder taken = cluster().leader("node2").history(1, 1000)
        .members(member("node1"), member("node2").primary().timeline(2).wal(3000));
    Decision during = node("node1").in(taken).with(runningPrimary().process(ProcessState.STOPPING).wal(1500))
        .lockUpdatedAt(T0.minusSeconds(40))
        .running(new Action.Demote(DemoteMode.OFFLINE, Optional.empty()), T0.minusSeconds(3)).decide();
    assertEquals(Reason.LONG_ACTION_IN_PROGRESS, during.reason());
    assertFalse(during.has(Action.RenewLeaderLock.class));
    assertFalse(during.has(Action.AcquireLeaderLock.class));

    AgentMemory stopped = AgentMemory.initial()
        .record(new Action.RenewLeaderLock(), new ActionOutcome.Succeeded(), T0.minusSeconds(40))
        .record(new Action.Demote(DemoteMode.OFFLINE, Optional.empty()), new ActionOutcome.Succeeded(), T0.minusSeconds(1));
    Decision after = node("node1").in(taken.postgresql("use_pg_rewind", true))
        .with(stoppedPrimary().timeline(1).wal(1500)).memory(stopped).decide();
    assertEquals(Reason.REWINDING, after.reason(), "it wrote past node2's fork: rewound, then a replica");
    assertEquals("node2", only(after, Action.Rewind.class).source());
  }

  @Test
  void whenTheDcsIsBackAndTheLeaseStillRunsTheStoppedPrimaryStartsAgainWithTheLock() {
    AgentMemory stopped = AgentMemory.initial()
        .record(new Action.RenewLeaderLock(), new ActionOutcome.Succeeded(), T0.minusSeconds(8))
        .record(new Action.Demote(DemoteMode.OFFLINE, Optional.empty()), new ActionOutcome.Succeeded(), T0.minusSeconds(1));
    Decision d = node("node1").in(twoNodes("node1")).with(stoppedPrimary()).memory(stopped).decide();
    assertEquals(Reason.PRIMARY_RESTARTING, d.reason());
    List<Class<?>> k = kinds(d);
    assertTrue(k.indexOf(Action.RenewLeaderLock.class) < k.indexOf(Action.StartDatabase.class),
        "the renewal first: a lease that ran out in the meantime stops the start");
  }
}
